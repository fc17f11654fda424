"""The outcomes report on a seeded clinic of 200 patients, against numbers worked out
here in plain Python from the seed itself (not from the database, not with the app's
series or scoring code): series cut at gaps of more than eight weeks, baselines,
the latest follow-up, and the published response and remission rules."""

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from tests import factories

URL = "/api/v1/reports/outcomes"
NOW = datetime(2025, 6, 15, 16, 0, tzinfo=UTC)
ITEMS = {"phq9": (9, 3), "gad7": (7, 3), "pcl5": (20, 4)}  # items, highest answer
EIGHT_WEEKS = timedelta(days=56)


@dataclass
class Plan:
    #: (when, status) of each dosing session
    sessions: list = field(default_factory=list)
    #: (when, instrument, answers, shared) of each response
    responses: list = field(default_factory=list)


def _answers(rng, instrument, severity):
    count, top = ITEMS[instrument]
    answers = [min(top, round(rng.random() * top * severity * 1.3)) for _ in range(count)]
    if instrument == "phq9":
        answers[8] = 1 if rng.random() < 0.1 else 0  # item 9 now and then
    return answers


def _plan(rng, number):
    plan = Plan()
    start = NOW - timedelta(days=rng.randint(120, 220), hours=number % 7)
    kind = rng.choice(["none", "one", "one", "two", "two"])
    when = start
    if kind != "none":
        for _ in range(2 if kind == "two" else 1):
            doses = rng.randint(1, 5)
            for index in range(doses):
                status = "cancelled" if rng.random() < 0.15 else "completed"
                plan.sessions.append((when, status))
                if index < doses - 1:
                    when += timedelta(days=rng.randint(3, 20))
            # 56 days is not a gap (more than eight weeks is); 57 is.
            when += timedelta(days=rng.choice([40, 56, 57, 80]))
        if rng.random() < 0.2:
            plan.sessions.append((NOW + timedelta(days=5), "scheduled"))
    for instrument, chance in (("phq9", 0.9), ("gad7", 0.6), ("pcl5", 0.3)):
        if rng.random() >= chance:
            continue
        for index in range(rng.randint(0, 6)):
            at = start + timedelta(days=rng.randint(-40, 200), minutes=index * 7 + number)
            if at >= NOW:
                continue
            severity = rng.uniform(0.4, 1.0) if at < start else rng.uniform(0.0, 0.8)
            plan.responses.append(
                (at, instrument, _answers(rng, instrument, severity), rng.random() < 0.85)
            )
    return plan


def _seed(clinic):
    rng = random.Random(20261207)
    therapists = [factories.user(clinic, "therapist") for _ in range(4)]
    plans = []
    for number in range(200):
        plan = _plan(rng, number)
        patient = factories.user(clinic, "patient", therapist=therapists[number % 4])
        for when, status in plan.sessions:
            factories.ketamine_session(patient, scheduled_at=when, status=status)
        for when, instrument, answers, shared in plan.responses:
            factories.measure_response(
                patient, instrument, answers=answers, completed_at=when, shared=shared
            )
        plans.append(plan)
    # Another clinic's patients, with the same kind of history, count for nobody here.
    elsewhere = factories.clinic()
    for number in range(5):
        patient = factories.user(elsewhere, "patient")
        plan = _plan(rng, number)
        for when, status in plan.sessions:
            factories.ketamine_session(patient, scheduled_at=when, status=status)
        for when, instrument, answers, shared in plan.responses:
            factories.measure_response(
                patient, instrument, answers=answers, completed_at=when, shared=shared
            )
    return plans


def _expected(plans):
    zero = {"started": 0, "followed_up": 0, "responded": 0, "remitted": 0}
    counts = {name: dict(zero) for name in ITEMS}
    for plan in plans:
        doses = sorted(when for when, status in plan.sessions if status != "cancelled")
        firsts = [at for i, at in enumerate(doses) if i == 0 or at - doses[i - 1] > EIGHT_WEEKS]
        for instrument in ITEMS:
            rows = sorted(
                (when, sum(answers), answers)
                for when, name, answers, shared in plan.responses
                if name == instrument and shared
            )
            # Each series' baseline: the latest response before its first dose.
            baseline = {}
            for first in firsts:
                before = [row for row in rows if row[0] < first]
                if before:
                    baseline[first] = before[-1]
            if not baseline:
                continue
            counts[instrument]["started"] += 1
            # Follow-ups: responses in a series (from its first dose on) that has a baseline.
            later = []
            for row in rows:
                mine = [first for first in firsts if first <= row[0]]
                if mine and mine[-1] in baseline:
                    later.append((row, baseline[mine[-1]][1]))
            if not later:
                continue
            counts[instrument]["followed_up"] += 1
            (_, total, answers), base = later[-1]
            # PHQ-9 and GAD-7: judged from a baseline of 10 or more, PHQ-9 never while
            # item 9 is above 0; response a drop of half or more, remission below 5.
            judged = instrument != "pcl5" and base >= 10
            if instrument == "phq9" and answers[8] > 0:
                judged = False
            if judged and (base - total) * 2 >= base:
                counts[instrument]["responded"] += 1
            if judged and total < 5:
                counts[instrument]["remitted"] += 1
    expected = {}
    for instrument, row in counts.items():
        followed = row["followed_up"]
        if instrument == "pcl5":
            row |= {"responded": None, "remitted": None}
            rates = {"response_rate": None, "remission_rate": None}
        else:
            rates = {
                "response_rate": round(row["responded"] / followed, 3) if followed else None,
                "remission_rate": round(row["remitted"] / followed, 3) if followed else None,
            }
        expected[instrument] = row | rates
    return expected


def test_the_report_of_200_seeded_patients_matches_the_counts_worked_out_here(as_user, clinic):
    plans = _seed(clinic)
    expected = _expected(plans)
    # The seed has real work in it: every questionnaire started, follow-ups, both outcomes.
    assert expected["phq9"]["started"] > 50 and expected["phq9"]["followed_up"] > 30
    assert expected["phq9"]["responded"] > 0 and expected["phq9"]["remitted"] > 0
    assert expected["gad7"]["responded"] > 0 and expected["pcl5"]["followed_up"] > 0
    response = as_user(factories.user(clinic, "admin")).get(URL)
    assert response.status_code == 200
    rows = {row.pop("instrument"): row for row in response.get_json()["items"]}
    assert rows == expected
