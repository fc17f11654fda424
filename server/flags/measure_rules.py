"""The flag rules that judge questionnaire scores over time.

The item-9 and severe-range rules (`services.check_measure_response`) run
first; these run after them, from shared responses only (so a flag never
reveals a private item):

  - the relapse signal: PHQ-9 risen by reliable change (6) or more above
    the best score since the series began (the nadir);
  - otherwise a worsening by the instrument's worsening points (PHQ-9 6,
    GAD-7 4, PCL-5 10) against the series' baseline, the nadir or the
    previous response: a slow climb 8 -> 12 -> 16 -> 19 is caught at 16
    against the baseline, though no single step is reliable change.

Each cause is raised once (`server.flags.services.raise_flag`), so running
the rules again (when a response is shared later) adds nothing; each
worsening is its own flag, as the flags feature's rule list says.
"""

from server.flags import services as flag_services
from server.measures import series, trend
from server.measures.criteria import criteria


def worsened(context: series.Context, total: int, points: int | None) -> bool:
    """`points` or more above the baseline, the nadir or the previous total."""
    if points is None:
        return False
    references = (context.baseline_total, context.nadir_total, context.previous_total)
    return any(reference is not None and total - reference >= points for reference in references)


def check_response(response, patient) -> list:
    """Run every questionnaire rule on a stored response; returns the flags it has raised.

    The safety and severity rules are the flags feature's
    (`server.flags.services.check_measure_response`); the rules judging
    change over time are these.
    """
    raised = flag_services.check_measure_response(response, patient)
    if not response.shared:
        return raised
    common = flag_services.response_cause(response, patient)
    context = trend.context_of(response, shared_only=True)
    points = criteria(response.instrument).worsening_points
    if response.instrument == "phq9" and series.rises_above_nadir(context, response.total, points):
        raised.append(
            flag_services.raise_flag(
                "relapse_signal", dedupe_key=f"relapse_signal:{response.id}", **common
            )
        )
    elif worsened(context, response.total, points):
        raised.append(
            flag_services.raise_flag(
                "reliable_worsening", dedupe_key=f"reliable_worsening:{response.id}", **common
            )
        )
    return raised
