"""Scoring of PHQ-9, GAD-7 and PCL-5: pure functions over answer vectors.

Everything here comes from `instruments.json` (the published wording, bands
and rules, copied unchanged from the shared data; `criteria` reads the rules'
numbers); nothing touches the database, so every rule can be checked against
hand-scored answer vectors.

Answer vectors are lists of integers in item order. Error keys use the
list index (`answers.8` is PHQ-9 item 9), like every other list field in the
API; messages never repeat the value that was sent.
"""

from dataclasses import dataclass

from server.measures.criteria import INSTRUMENTS, criteria, definitions

__all__ = ["INSTRUMENTS", "definitions"]

#: Reliable change (PHQ-9, GAD-7) and the smallest marked PCL-5 change, from the data.
RELIABLE_CHANGE = {name: criteria(name).reliable_change for name in INSTRUMENTS}

#: A screening threshold the total meets or not (GAD-7, PCL-5), from the data.
THRESHOLDS = {name: criteria(name).cutoff for name in INSTRUMENTS if criteria(name).cutoff}


def definition(instrument: str) -> dict:
    """One instrument's published definition; KeyError for an unknown name."""
    if instrument not in INSTRUMENTS:
        raise KeyError(instrument)
    return definitions()[instrument]


def _band_floor(instrument: str, label: str) -> int:
    return next(low for low, _, name in definition(instrument)["bands"] if name == label)


#: PHQ-9 totals in the severe band (20 or more) are flagged for the care team.
PHQ9_SEVERE = _band_floor("phq9", "severe")


def item_count(instrument: str) -> int:
    return len(definition(instrument)["items"])


def option_values(instrument: str) -> tuple[int, ...]:
    return tuple(option["value"] for option in definition(instrument)["options"])


def answer_errors(instrument: str, answers) -> dict[str, list[str]]:
    """Per-item problems with an answer vector; empty when it can be scored.

    Every item must be answered with one of the instrument's option values.
    A missing item (the list is too short) is named like a wrong one, so the
    PWA can point at each question still to answer.
    """
    if not isinstance(answers, list):
        return {"answers": ["A list with one answer per item, in item order."]}
    count = item_count(instrument)
    values = option_values(instrument)
    low, high = min(values), max(values)
    errors: dict[str, list[str]] = {}
    for index in range(count):
        key = f"answers.{index}"
        if index >= len(answers) or answers[index] is None:
            errors[key] = ["Answer this item."]
            continue
        value = answers[index]
        # bool is an int in Python, but `true` is not an answer.
        if isinstance(value, bool) or not isinstance(value, int) or value not in values:
            errors[key] = [f"Must be a whole number from {low} to {high}."]
    if len(answers) > count:
        errors["answers"] = [f"This questionnaire has {count} items."]
    return errors


@dataclass(frozen=True)
class Score:
    total: int
    severity: str | None
    subscores: dict[str, int] | None


def band(instrument: str, total: int) -> str | None:
    """The severity band's label for a total, or None for an instrument without bands."""
    for low, high, label in definition(instrument).get("bands", ()):
        if low <= total <= high:
            return label
    return None


def subscores(instrument: str, answers: list[int]) -> dict[str, int] | None:
    """PCL-5 DSM-5 cluster sums (B, C, D, E; item ranges 1-based, inclusive)."""
    clusters = definition(instrument).get("clusters")
    if not clusters:
        return None
    return {name: sum(answers[first - 1 : last]) for name, (first, last) in clusters.items()}


def score(instrument: str, answers: list[int]) -> Score:
    """Total, band and subscores of a complete, valid answer vector."""
    if answer_errors(instrument, answers):
        raise ValueError("answers cannot be scored; validate them first")
    total = sum(answers)
    return Score(
        total=total, severity=band(instrument, total), subscores=subscores(instrument, answers)
    )


def threshold(instrument: str, total: int) -> dict | None:
    """Whether a total meets the instrument's screening cut-off (GAD-7, PCL-5)."""
    if instrument not in THRESHOLDS:
        return None
    cutoff, label = THRESHOLDS[instrument]
    return {"label": label, "cutoff": cutoff, "met": total >= cutoff}


def safety_answer(instrument: str, answers: list[int]) -> bool:
    """PHQ-9 item 9 (thoughts of death or self-harm) answered above 0."""
    return safety_item_answer(instrument, answers) is not None


def safety_item(instrument: str) -> int | None:
    """The safety item's number (PHQ-9's item 9), or None for instruments without one."""
    return definition(instrument).get("safety_item")


def safety_item_answer(instrument: str, answers: list[int]) -> int | None:
    """The PHQ-9 item-9 answer when above 0; None otherwise and for other instruments."""
    item = safety_item(instrument)
    if item is None or answers[item - 1] == 0:
        return None
    return answers[item - 1]


def difficulty_options(instrument: str) -> list[str] | None:
    """The unscored difficulty item's options (value = index), or None without one."""
    followup = definition(instrument).get("unscored_followup")
    return list(followup["options"]) if followup else None


def difficulty_errors(instrument: str, value) -> dict[str, list[str]]:
    """Problems with a difficulty answer: optional, an option's index, only where asked."""
    if value is None:
        return {}
    options = difficulty_options(instrument)
    if options is None:
        return {"difficulty": ["This questionnaire has no difficulty item."]}
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < len(options):
        return {"difficulty": [f"Must be a whole number from 0 to {len(options) - 1}."]}
    return {}


def provisional_diagnosis(instrument: str, answers: list[int]) -> bool | None:
    """PCL-5's DSM-5 provisional rule: enough endorsed items in every cluster.

    An item rated `endorsed_from` (2) or more is endorsed; B needs 1, C 1,
    D 2 and E 2 (numbers from the data). Screening only, never a diagnosis.
    None for instruments without the rule.
    """
    rule = criteria(instrument)
    clusters = definition(instrument).get("clusters")
    if rule.endorsed_from is None or not clusters:
        return None
    for name, (first, last) in clusters.items():
        endorsed = sum(1 for value in answers[first - 1 : last] if value >= rule.endorsed_from)
        if endorsed < rule.cluster_minimum.get(name, 0):
            return False
    return True


def change_level(instrument: str, reference: int | None, total: int) -> dict | None:
    """The largest marked change from `reference` to `total`, or None.

    PHQ-9 and GAD-7 have one level, reliable change; PCL-5 has "clinically
    meaningful change" (10 or more) and "possible change" (5 to 9). Each
    label is the level's own name: a possible change is never called reliable.
    """
    if reference is None:
        return None
    difference = total - reference
    for level in criteria(instrument).change_levels:
        if abs(difference) >= level.points:
            return {
                "kind": level.key,
                "label": level.label,
                "direction": "worsened" if difference > 0 else "improved",
                "points": abs(difference),
                "source": level.source,
            }
    return None


def reliable_change(instrument: str, reference: int | None, total: int) -> str | None:
    """`worsened` or `improved` when the change from `reference` is reliable (PHQ-9, GAD-7).

    PCL-5 has no reliable-change value of its own in the data; its changes
    are "possible" or "clinically meaningful" (`change_level`), so None.
    """
    level = change_level(instrument, reference, total)
    if level is None or level["kind"] != "reliable_change":
        return None
    return level["direction"]


def clinical_baseline(instrument: str, baseline_total: int | None) -> bool:
    """Whether response and remission can be judged from this baseline (10 or more)."""
    floor = criteria(instrument).clinical_baseline
    return floor is not None and baseline_total is not None and baseline_total >= floor


def is_response(instrument: str, baseline_total: int | None, total: int) -> bool | None:
    """A drop of 50 % or more from a clinical baseline; None where it does not apply."""
    if not clinical_baseline(instrument, baseline_total):
        return None
    percent = criteria(instrument).response_drop_percent
    return (baseline_total - total) * 100 >= percent * baseline_total


def is_remission(instrument: str, baseline_total: int | None, total: int) -> bool | None:
    """A total below 5 after a clinical baseline; None where it does not apply."""
    if not clinical_baseline(instrument, baseline_total):
        return None
    return total < criteria(instrument).remission_below


def markers(
    instrument: str,
    answers: list[int],
    total: int,
    *,
    baseline_total: int | None,
) -> dict:
    """The markers a response shows, all judged against its series' baseline.

    Nothing is judged without a baseline. A baseline row is never judged
    against itself: it lies before its series' first dose, so it belongs to
    no series or to the one before (`server.measures.series.contexts`).
    Response and remission are judged only from a clinical baseline, and
    never while PHQ-9 item 9 is above 0: `safety_item_answer` is shown
    instead, and `withheld` says why the two are empty.
    """
    return judge(
        instrument,
        total,
        baseline_total=baseline_total,
        safety_answer=safety_item_answer(instrument, answers),
    )


def judge(
    instrument: str, total: int, *, baseline_total: int | None, safety_answer: int | None
) -> dict:
    """`markers`, where the safety item's answer (None when 0 or not asked) is known
    without the whole response: the caseload reads only that answer."""
    reference = baseline_total
    safety = safety_answer
    withheld = None
    response = remission = None
    if safety is not None and clinical_baseline(instrument, reference):
        withheld = "safety_item"
    else:
        response = is_response(instrument, reference, total)
        remission = is_remission(instrument, reference, total)
    return {
        "response": response,
        "remission": remission,
        "reliable_change": reliable_change(instrument, reference, total),
        "change": change_level(instrument, reference, total),
        "withheld": withheld,
        "safety_item_answer": safety,
    }
