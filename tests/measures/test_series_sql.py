"""The series' first dose as SQL finds it (`trend.series_start_at`) and as `series.split` does."""

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from server.extensions import db
from server.measures import series, trend
from server.measures.models import SeriesStart
from tests import factories

START = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)


def _python_start(patient_id, at):
    sessions = trend.sessions_by_patient([patient_id])[patient_id]
    current = series.series_at(trend.split(sessions), at)
    return None if current is None else current.first_session_id


def _sql_start(patient_id, at):
    return db.session.scalar(trend.series_start_at(patient_id, at))


def _sql_starts(patient_ids, at) -> dict:
    """`trend.series_starts_at`, for several patients in one pass."""
    starts = trend.series_starts_at(lambda column: column.in_(patient_ids), at)
    return dict(db.session.execute(select(starts.c.patient_id, starts.c.id)).all())


def _book(patient, at, *, status="scheduled", marked=False):
    session = factories.ketamine_session(patient, scheduled_at=at, status=status)
    if marked:
        db.session.add(SeriesStart(ketamine_session_id=session.id, patient_id=patient.id))
        db.session.commit()
    return session


def test_the_gap_of_exactly_8_weeks_and_a_microsecond_more(clinic, therapist):
    patient = factories.user(clinic, "patient", therapist=therapist)
    first = _book(patient, START)
    _book(patient, START + series.SERIES_GAP)  # exactly 8 weeks: the same series
    third = _book(patient, START + 2 * series.SERIES_GAP + timedelta(microseconds=1))
    # A cancelled session more than 8 weeks on neither starts nor continues a series.
    _book(patient, START + 3 * series.SERIES_GAP, status="cancelled")
    late = START + 3 * series.SERIES_GAP + timedelta(days=1)
    assert _sql_start(patient.id, START - timedelta(seconds=1)) is None
    assert _sql_start(patient.id, START + series.SERIES_GAP + timedelta(days=1)) == first.id
    assert _sql_start(patient.id, late) == third.id == _python_start(patient.id, late)
    assert _sql_starts([patient.id], START - timedelta(seconds=1)) == {}
    assert _sql_starts([patient.id], START + series.SERIES_GAP) == {patient.id: first.id}
    assert _sql_starts([patient.id], late) == {patient.id: third.id}


def test_same_answer_as_the_python_rules_on_a_random_history(clinic, therapist):
    rng = random.Random(11)
    patients = [factories.user(clinic, "patient", therapist=therapist) for _ in range(4)]
    for patient in patients:
        at = START
        for _ in range(14):
            # Weekly doses, some breaks either side of 8 weeks, ties and marks.
            step = rng.choice(
                [
                    timedelta(days=7),
                    timedelta(0),
                    series.SERIES_GAP,
                    series.SERIES_GAP + timedelta(microseconds=1),
                    series.SERIES_GAP - timedelta(microseconds=1),
                    timedelta(days=rng.randint(1, 90), microseconds=rng.randint(0, 999_999)),
                ]
            )
            at += step
            _book(
                patient,
                at,
                status=rng.choice(["scheduled", "completed", "completed", "cancelled"]),
                marked=rng.random() < 0.15,
            )
    checked = 0
    for patient in patients:
        sessions = trend.sessions_by_patient([patient.id])[patient.id]
        moments = [START - timedelta(days=1)]
        for _, at, _ in sessions:
            moments += [at - timedelta(microseconds=1), at, at + timedelta(days=30)]
        for moment in moments:
            assert _sql_start(patient.id, moment) == _python_start(patient.id, moment), moment
            checked += 1
    assert checked > 100
    # The one-pass form, all four patients at once, at each session's moments.
    ids = [patient.id for patient in patients]
    for patient in patients:
        for _, at, _ in trend.sessions_by_patient([patient.id])[patient.id]:
            for moment in (at - timedelta(microseconds=1), at, at + timedelta(days=30)):
                expected = {p: _python_start(p, moment) for p in ids}
                assert _sql_starts(ids, moment) == {
                    p: start for p, start in expected.items() if start is not None
                }, moment
