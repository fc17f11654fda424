"""Every flag rule with its threshold, in the words the workspace shows.

`GET /flags/rules` serves this list, so "why was this flagged?" reads the
numbers the rules actually use: each text is built from the constants of
the rule's own module, never typed twice.
"""

from server.companion.after_dose import URINARY_WARNING_DOSES
from server.flags import checkin_rules as c
from server.flags.escalation import DEFAULT_ESCALATE_AFTER_HOURS
from server.flags.models import KINDS
from server.measures import scoring
from server.measures.criteria import criteria


def _worsening_steps() -> str:
    """Each worsening step named by its own level ("PHQ-9 6 (reliable change)"), so
    PCL-5's 10 reads as the clinically meaningful change it is, never as reliable change."""
    steps = []
    for name in scoring.INSTRUMENTS:
        level = criteria(name).change_levels[0]
        steps.append(f"{scoring.definition(name)['name']} {level.points} ({level.label})")
    return ", ".join(steps)


def rules() -> list[dict]:
    """One entry per flag kind: severity, what raises it, and what a repeat does."""
    repeat_open = "While this flag is open, a repeat updates it instead of raising another."
    texts = {
        "phq9_item9": (
            "PHQ-9 item 9 (thoughts that you would be better off dead or of hurting "
            "yourself) answered above 0, shared or private. A private response shows "
            "no answers: the flag only says that a safety answer needs follow-up.",
            "While it is open, an answer at the same or a lower level (several days, "
            "more than half the days, nearly every day) updates it; a higher level, or "
            "any answer above 0 after it was acknowledged, raises a new urgent flag. "
            f"Unacknowledged after the clinic's time (default {DEFAULT_ESCALATE_AFTER_HOURS} "
            "hours), it is escalated to the clinic's admins and the whole care team.",
        ),
        "unsafe_checkin": (
            'A check-in answered "I don\'t feel safe", shared or private. A private '
            "check-in shows no content: the flag only says that it needs follow-up.",
            "While it is open, another such check-in updates it; after it was "
            "acknowledged, a new one raises a new urgent flag. Escalated like item 9.",
        ),
        "phq9_severe": (
            f"A shared PHQ-9 total of {scoring.PHQ9_SEVERE} or more (the severe range).",
            "While it is open, a total at the same or a lower score updates it; a "
            "higher total, or a severe total after it was acknowledged, raises a new flag.",
        ),
        "reliable_worsening": (
            "A shared questionnaire total worse by at least the instrument's largest "
            f"marked change, in points: {_worsening_steps()}; against the series' "
            "baseline, the best score since the series began or the previous shared one.",
            "Each worsening raises its own flag.",
        ),
        "relapse_signal": (
            f"A shared PHQ-9 at least {criteria('phq9').worsening_points} points above the "
            "best PHQ-9 since the treatment series began (its nadir): someone who may "
            "need a booster before it is an emergency. Raised instead of a worsening.",
            "Each rise raises its own flag.",
        ),
        "mood_drop": (
            "A shared check-in's mood far below the patient's own usual mood: the mean "
            f"and spread of their shared check-ins of the last "
            f"{c.MOOD_HISTORY_WINDOW.days} days (at least {c.MOOD_HISTORY_MIN} of them). "
            f"Either one check-in at least {c.LARGE_DROP_POINTS} points and "
            f"{c.LARGE_DROP_SPREADS:g} times the spread below, or two in a row each at "
            f"least {c.PERSISTING_DROP_POINTS} points and {c.PERSISTING_DROP_SPREADS:g} "
            f"times the spread below (a spread under {c.SPREAD_FLOOR:g} counts as "
            f"{c.SPREAD_FLOOR:g}). Ordinary day-to-day ups and downs do not raise it.",
            repeat_open,
        ),
        "low_mood": (
            f"{c.LOW_MOOD_RUN} shared check-ins in a row with a mood of "
            f"{c.LOW_MOOD_MAX} or below (on 0-{c.MOOD_MAX}).",
            repeat_open,
        ),
        "after_dose_red": (
            "The check the morning after a dose reported an effect that lasted over a "
            "day, chest pain, blood in the urine, or ketamine taken outside the clinic's "
            "plan; shared or private, and without naming the answer.",
            "Once per check after a dose. Escalated like item 9.",
        ),
        "after_dose_urinary": (
            "A shared check after a dose reported bladder symptoms (pain, urgency, "
            f"blood) after {URINARY_WARNING_DOSES} or more doses.",
            "Once per check after a dose.",
        ),
        "missed_checkins": (
            "No shared check-in in the 72 hours after a dosing session (checked by the "
            f"worker; sessions up to {c.MISSED_CHECKIN_LOOK_BACK.days} days back).",
            "Once per dosing session.",
        ),
    }
    return [
        {
            "kind": kind,
            "severity": severity,
            "description": description,
            "rule": texts[kind][0],
            "repeats": texts[kind][1],
        }
        for kind, (severity, description) in KINDS.items()
    ]
