"""What the care team's screens read: shared items only, many patients in a few statements."""

from datetime import timedelta, timezone

from sqlalchemy import select

from server.db import utcnow
from server.journal import queries
from server.journal.models import CheckIn, JournalEntry
from tests import factories


def _patients(clinic, therapist, count):
    return [factories.user(clinic, "patient", therapist=therapist) for _ in range(count)]


def test_shared_items_since_a_time_newest_first(patient):
    now = utcnow()
    before = factories.entry(patient, written_at=now - timedelta(days=9))
    checkin = factories.checkin(
        patient, recorded_at=now - timedelta(days=3), discuss_next_session=True
    )
    entry = factories.entry(patient, written_at=now - timedelta(days=1), body="For Tuesday.")
    items = queries.shared_items_since(patient.id, now - timedelta(days=7))
    assert [item.id for item in items] == [entry.id, checkin.id]
    assert items[1].discuss_next_session is True and items[0].body == "For Tuesday."
    everything = queries.shared_items_since(patient.id)
    assert [item.id for item in everything] == [entry.id, checkin.id, before.id]
    until = queries.shared_items_since(patient.id, until=now - timedelta(days=2))
    assert [item.id for item in until] == [checkin.id, before.id]


def test_caseload_numbers_for_many_patients_in_fixed_statements(
    clinic, therapist, count_statements
):
    def run(patients):
        ids = [p.id for p in patients]
        with count_statements() as statements:
            queries.latest_checkin_times(ids)
            queries.mood_series(ids)
            queries.unread_counts(ids, set())
            queries.unread_counts(ids, set(), since={ids[0]: utcnow()})
        return len(statements)

    few = _patients(clinic, therapist, 1)
    factories.checkin(few[0])
    cost_one = run(few)
    many = _patients(clinic, therapist, 12)
    for person in many:
        for days in range(5):
            factories.checkin(person, recorded_at=utcnow() - timedelta(days=days))
            factories.entry(person, written_at=utcnow() - timedelta(days=days))
    assert run(many) == cost_one == 4


def test_latest_checkin_time_per_patient(clinic, therapist):
    a, b, c = _patients(clinic, therapist, 3)
    now = utcnow().replace(microsecond=0)
    factories.checkin(a, recorded_at=now - timedelta(days=2))
    factories.checkin(a, recorded_at=now - timedelta(hours=3))
    factories.checkin(a, recorded_at=now - timedelta(hours=1), shared=False)
    factories.checkin(b, recorded_at=now - timedelta(days=4))
    times = queries.latest_checkin_times([a.id, b.id, c.id])
    assert times == {a.id: now - timedelta(hours=3), b.id: now - timedelta(days=4)}
    assert all(at.tzinfo is not None for at in times.values())


def test_mood_series_is_a_daily_mean_on_the_patients_own_days(patient):
    tokyo = timezone(timedelta(hours=9))
    now = utcnow().astimezone(tokyo)
    late = now.replace(hour=23, minute=30, second=0, microsecond=0) - timedelta(days=2)
    factories.checkin(patient, recorded_at=late, mood=4)
    factories.checkin(patient, recorded_at=late - timedelta(hours=12), mood=8)
    factories.checkin(patient, recorded_at=now - timedelta(days=1), mood=5)
    factories.checkin(patient, recorded_at=now - timedelta(days=30), mood=1)
    series = queries.mood_series([patient.id], now=utcnow())[patient.id]
    # 23:30 in Tokyo is 14:30 UTC: it stays on the Tokyo day it was felt.
    assert [(p.day, p.mood, p.count) for p in series] == [
        (late.date(), 6.0, 2),
        ((now - timedelta(days=1)).date(), 5.0, 1),
    ]


def test_unread_counts_subtract_what_was_read(clinic, therapist):
    a, b = _patients(clinic, therapist, 2)
    read = factories.checkin(a)
    factories.checkin(a)
    factories.entry(a)
    factories.entry(a, shared=False)
    old = factories.entry(b, written_at=utcnow() - timedelta(days=20))
    factories.entry(b)
    counts = queries.unread_counts([a.id, b.id], {read.id})
    assert counts == {a.id: 2, b.id: 2}
    # "Since the last integration session", one time per patient.
    since = {b.id: utcnow() - timedelta(days=7)}
    assert queries.unread_counts([a.id, b.id], {read.id}, since=since) == {a.id: 2, b.id: 1}
    # Read ids as a query: the subtraction runs in the database.
    read_query = (
        select(CheckIn.id)
        .where(CheckIn.id == read.id)
        .union_all(select(JournalEntry.id).where(JournalEntry.id == old.id))
    )
    assert queries.unread_counts([a.id, b.id], select(read_query.subquery().c.id)) == {
        a.id: 2,
        b.id: 1,
    }
