"""Scoring of PHQ-9, GAD-7 and PCL-5: pure functions over answer vectors.

Everything here comes from `instruments.json` (the published wording, bands
and cut-offs, copied unchanged from the shared data) or from the product
contract's clinical rules; nothing touches the database, so every rule can be
checked against hand-scored answer vectors.

Answer vectors are lists of integers in item order. Error keys use the
list index (`answers.8` is PHQ-9 item 9), like every other list field in the
API; messages never repeat the value that was sent.
"""

import functools
import json
from dataclasses import dataclass
from pathlib import Path

INSTRUMENTS = ("phq9", "gad7", "pcl5")

#: Reliable change against the previous response (SPEC section 2, "Flag").
RELIABLE_CHANGE = {"phq9": 5, "gad7": 4, "pcl5": 10}

#: A screening threshold the total meets or not: the clinical cut-off of
#: instruments.json's rules. PHQ-9 is read by its bands instead.
THRESHOLDS = {
    "gad7": (10, "probable anxiety disorder"),
    "pcl5": (33, "probable PTSD"),
}

#: PHQ-9 totals of 20 or more are flagged for the care team.
PHQ9_SEVERE = 20
#: PHQ-9 remission: a total below 5.
PHQ9_REMISSION_BELOW = 5


@functools.cache
def definitions() -> dict:
    """The instruments as published, read once from the copy beside this module."""
    path = Path(__file__).with_name("instruments.json")
    return json.loads(path.read_text(encoding="utf-8"))


def definition(instrument: str) -> dict:
    """One instrument's published definition; KeyError for an unknown name."""
    if instrument not in INSTRUMENTS:
        raise KeyError(instrument)
    return definitions()[instrument]


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
    item = definition(instrument).get("safety_item")
    return item is not None and answers[item - 1] > 0


def reliable_change(instrument: str, previous_total: int | None, total: int) -> str | None:
    """`worsened` or `improved` when the change from the previous total is reliable."""
    if previous_total is None:
        return None
    step = RELIABLE_CHANGE[instrument]
    if total - previous_total >= step:
        return "worsened"
    if previous_total - total >= step:
        return "improved"
    return None


def is_response(instrument: str, baseline_total: int | None, total: int) -> bool | None:
    """PHQ-9 treatment response: a drop of 50 % or more from baseline.

    None where it does not apply (another instrument, no baseline). A baseline
    of 0 cannot halve, so it never shows a response.
    """
    if instrument != "phq9" or baseline_total is None:
        return None
    return baseline_total > 0 and 2 * total <= baseline_total


def is_remission(instrument: str, total: int) -> bool | None:
    """PHQ-9 remission: a total below 5; None for other instruments."""
    if instrument != "phq9":
        return None
    return total < PHQ9_REMISSION_BELOW


def markers(
    instrument: str, total: int, *, baseline_total: int | None, previous_total: int | None
) -> dict:
    """The trend markers a history row shows."""
    return {
        "response": is_response(instrument, baseline_total, total),
        "remission": is_remission(instrument, total),
        "reliable_change": reliable_change(instrument, previous_total, total),
    }
