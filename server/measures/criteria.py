"""The numbers behind each clinical rule, read from the instruments' own rule text.

`instruments.json` is the shared data copied unchanged; its `rules` state
each threshold once, in words, with its source ("6 points or more against
the series' baseline (NHS Talking Therapies manual)"). This module reads the
numbers out of that text when the app starts, so the data stays the one
source of truth: a changed rule changes the behaviour, and a rule this
module cannot read stops start-up instead of being silently ignored.
"""

import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

INSTRUMENTS = ("phq9", "gad7", "pcl5")

#: What a screening cut-off is called on screen (the data gives the number).
CUTOFF_LABELS = {
    "probable_disorder": "probable anxiety disorder",
    "probable_ptsd": "probable PTSD",
}


@dataclass(frozen=True)
class ChangeLevel:
    """A size of change worth a marker: `points` or more (up to `up_to`)."""

    key: str
    label: str
    points: int
    up_to: int | None
    source: str


@dataclass(frozen=True)
class Criteria:
    """One instrument's clinical rules as numbers."""

    #: Change sizes from the largest down; PHQ-9 and GAD-7 have one, reliable change.
    change_levels: tuple[ChangeLevel, ...] = ()
    #: Response and remission are judged only from a baseline this high or higher.
    clinical_baseline: int | None = None
    response_drop_percent: int | None = None
    remission_below: int | None = None
    #: (total at or above which, what it is called)
    cutoff: tuple[int, str] | None = None
    #: PCL-5 DSM-5 rule: an item rated this or more counts as endorsed ...
    endorsed_from: int | None = None
    #: ... and each cluster needs this many endorsed items.
    cluster_minimum: dict[str, int] = field(default_factory=dict)

    @property
    def reliable_change(self) -> int | None:
        """The smallest change that counts (PCL-5: the "possible change" level)."""
        return self.change_levels[-1].points if self.change_levels else None

    @property
    def worsening_points(self) -> int | None:
        """The change that raises a worsening flag: the largest level (PCL-5: 10)."""
        return self.change_levels[0].points if self.change_levels else None


def _match(pattern: str, text: str, where: str) -> re.Match:
    found = re.search(pattern, text)
    if found is None:
        raise ValueError(f"instruments.json: cannot read the rule {where}")
    return found


def _source(text: str) -> str:
    found = re.search(r"\(([^()]+)\)\s*$", text)
    return found.group(1) if found else ""


def _levels(rules: dict, instrument: str) -> tuple[ChangeLevel, ...]:
    levels = []
    if "reliable_change" in rules:
        text = rules["reliable_change"]
        points = _match(r"^(\d+) points or more", text, f"{instrument}.reliable_change")
        levels.append(
            ChangeLevel("reliable_change", "reliable change", int(points[1]), None, _source(text))
        )
    if "clinically_meaningful_change" in rules:
        text = rules["clinically_meaningful_change"]
        points = _match(r"^(\d+) points or more", text, f"{instrument}.clinically_meaningful")
        levels.append(
            ChangeLevel(
                "clinically_meaningful_change",
                "clinically meaningful change",
                int(points[1]),
                None,
                _source(text),
            )
        )
    if "possible_change" in rules:
        text = rules["possible_change"]
        span = _match(r"^(\d+) to (\d+) points", text, f"{instrument}.possible_change")
        levels.append(
            ChangeLevel(
                "possible_change", "possible change", int(span[1]), int(span[2]), _source(text)
            )
        )
    return tuple(sorted(levels, key=lambda level: -level.points))


def _criteria(instrument: str, rules: dict) -> Criteria:
    values: dict = {"change_levels": _levels(rules, instrument)}
    if "response" in rules:
        found = _match(
            r"drops by (\d+)% or more from a baseline of (\d+) or more",
            rules["response"],
            f"{instrument}.response",
        )
        values["response_drop_percent"] = int(found[1])
        values["clinical_baseline"] = int(found[2])
    if "remission" in rules:
        found = _match(r"total below (\d+)", rules["remission"], f"{instrument}.remission")
        values["remission_below"] = int(found[1])
    for key, label in CUTOFF_LABELS.items():
        if key in rules:
            found = _match(r"^total (\d+) or more", rules[key], f"{instrument}.{key}")
            values["cutoff"] = (int(found[1]), label)
    if "provisional_diagnosis" in rules:
        text = rules["provisional_diagnosis"]
        found = _match(r"items rated (\d+) or more", text, f"{instrument}.provisional")
        values["endorsed_from"] = int(found[1])
        values["cluster_minimum"] = {
            name: int(count) for count, name in re.findall(r"(\d+) of ([A-Z]) \(", text)
        }
        if not values["cluster_minimum"]:
            raise ValueError(f"instruments.json: cannot read the rule {instrument}.provisional")
    return Criteria(**values)


@functools.cache
def definitions() -> dict:
    """The instruments as published, read once from the copy beside this module."""
    path = Path(__file__).with_name("instruments.json")
    return json.loads(path.read_text(encoding="utf-8"))


@functools.cache
def criteria(instrument: str) -> Criteria:
    """The rules of one instrument as numbers; KeyError for an unknown name."""
    if instrument not in INSTRUMENTS:
        raise KeyError(instrument)
    return _criteria(instrument, definitions()[instrument].get("rules", {}))


def check_all() -> None:
    """Read every instrument's rules; raises ValueError on one that cannot be read."""
    for instrument in INSTRUMENTS:
        criteria(instrument)
