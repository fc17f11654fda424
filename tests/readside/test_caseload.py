"""The caseload: one row per patient on my care team, as a therapist reads it at a glance."""

from datetime import datetime, timedelta

from server.db import utcnow
from server.readside.caseload import caseload, open_flag_counts
from tests import factories
from tests.readside.world import NOW, WINDOW_SHARED, local

URL = "/api/v1/patients"


def _at(text):
    return datetime.fromisoformat(text)


def _rows(client, **query):
    response = client.get(URL, query_string=query)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["next_cursor"] is None
    return response.get_json()["items"]


def test_a_row_shows_what_the_patient_shared(as_user, therapist, world, frozen):
    (row,) = _rows(as_user(therapist))
    s = world.sessions
    assert row["patient_id"] == str(world.patient.id)
    assert row["display_name"] == "Ana Reyes"
    # The private check-in two hours later is not "the last check-in".
    assert _at(row["last_checkin_at"]) == world.checkins["d0"].recorded_at
    assert row["last_checkin_mood"] == 7  # as recorded, not the day's mean
    # Oldest (13 days ago) to today; the private check-ins of days 0 and 1 are
    # neither a point nor part of a mean; day 2 is the mean of 4 and 6.
    assert row["mood_trend"] == [8, *[None] * 4, 6, None, None, 3, None, None, 5, None, 7]
    assert row["mood_trend_until"] == "2025-06-15"
    assert row["next_ketamine_session"]["id"] == str(s["k3"].id)
    assert _at(row["next_ketamine_session"]["scheduled_at"]) == s["k3"].scheduled_at
    assert row["next_integration_session"]["id"] == str(s["i3"].id)
    assert row["unread_shared_count"] == len(WINDOW_SHARED)
    # The flag raised from a private response and the acknowledged one are not counted.
    assert (row["open_flag_count"], row["urgent_flag_count"]) == (2, 1)
    assert row["phase"] == "integration"


def test_the_latest_mood_is_the_newest_check_in_not_the_days_mean(
    as_user, therapist, world, frozen
):
    factories.checkin(world.patient, recorded_at=local(0, 10), mood=3, shared=True)
    (row,) = _rows(as_user(therapist))
    assert row["last_checkin_mood"] == 3
    assert row["mood_trend"][-1] == 5  # (7 + 3) / 2


def test_the_latest_mood_is_never_a_private_check_ins(as_user, therapist, world, frozen):
    # Private, and later than the shared one, or at the very same moment.
    factories.checkin(world.patient, recorded_at=local(0, 10), mood=3, shared=True)
    factories.checkin(world.patient, recorded_at=local(0, 10), mood=1, shared=False)
    factories.checkin(world.patient, recorded_at=local(0, 11), mood=2, shared=False)
    (row,) = _rows(as_user(therapist))
    assert row["last_checkin_mood"] == 3
    assert datetime.fromisoformat(row["last_checkin_at"]) == local(0, 10)


def test_a_new_patient_has_an_empty_row(as_user, clinic, therapist, frozen):
    factories.user(clinic, "patient", therapist=therapist, display_name="Ben")
    (row,) = _rows(as_user(therapist))
    assert row["mood_trend"] == [None] * 14
    assert row["last_checkin_at"] is None and row["unread_shared_count"] == 0
    assert row["last_checkin_mood"] is None
    assert row["next_ketamine_session"] is None and row["next_integration_session"] is None
    assert row["phase"] == "preparation"


def test_only_my_care_team_is_listed(as_user, clinic, therapist, world):
    colleague = factories.user(clinic, "therapist")
    factories.user(clinic, "patient", therapist=colleague, display_name="Not mine")
    elsewhere = factories.clinic()
    factories.user(elsewhere, "patient", display_name="Other clinic")
    assert [row["display_name"] for row in _rows(as_user(therapist))] == ["Ana Reyes"]
    assert _rows(as_user(colleague))[0]["display_name"] == "Not mine"


def test_urgent_flags_first_then_open_flags_then_name(as_user, clinic, therapist):
    calm = factories.user(clinic, "patient", therapist=therapist, display_name="alma")
    worried = factories.user(clinic, "patient", therapist=therapist, display_name="Zoe")
    urgent = factories.user(clinic, "patient", therapist=therapist, display_name="Yusuf")
    another = factories.user(clinic, "patient", therapist=therapist, display_name="Bea")
    factories.flag(worried, "phq9_severe")
    factories.flag(urgent, "phq9_item9")
    factories.checkin(another, recorded_at=NOW - timedelta(days=1))
    factories.checkin(calm, recorded_at=NOW - timedelta(days=9))
    client = as_user(therapist)
    assert [row["display_name"] for row in _rows(client)] == ["Yusuf", "Zoe", "alma", "Bea"]
    assert [row["display_name"] for row in _rows(client, sort="name")] == [
        "alma",
        "Bea",
        "Yusuf",
        "Zoe",
    ]
    # Longest without a shared check-in first: never, then 9 days ago, then yesterday.
    assert [row["display_name"] for row in _rows(client, sort="last_checkin")] == [
        "Yusuf",
        "Zoe",
        "alma",
        "Bea",
    ]
    response = client.get(URL, query_string={"sort": "mood"})
    assert response.status_code == 422 and "sort" in response.get_json()["errors"]


def test_unread_count_drops_as_i_mark_items_read(as_user, therapist, world, frozen):
    client = as_user(therapist)
    assert _rows(client)[0]["unread_shared_count"] == 8
    assert client.post(f"/api/v1/checkins/{world.checkins['d0'].id}/read").status_code == 204
    assert client.post(f"/api/v1/entries/{world.entries['d3_discuss'].id}/read").status_code == 204
    response_id = world.responses["d2_phq9"].id
    assert client.post(f"/api/v1/measures/responses/{response_id}/read").status_code == 204
    assert _rows(client)[0]["unread_shared_count"] == 5
    # Marking again is harmless, and an item from before the window was never counted.
    assert client.post(f"/api/v1/checkins/{world.checkins['d0'].id}/read").status_code == 204
    assert client.post(f"/api/v1/entries/{world.entries['d10'].id}/read").status_code == 204
    assert _rows(client)[0]["unread_shared_count"] == 5


def test_read_marks_are_my_own(as_user, clinic, therapist, world, frozen):
    colleague = factories.user(clinic, "therapist")
    from server.auth.models import CareTeamMember
    from server.extensions import db

    db.session.add(CareTeamMember(patient_id=world.patient.id, therapist_id=colleague.id))
    db.session.commit()
    mine = as_user(therapist)
    for _, key in WINDOW_SHARED[:3]:
        assert mine.post(f"/api/v1/checkins/{world.checkins[key].id}/read").status_code == 204
    assert _rows(mine)[0]["unread_shared_count"] == 5
    assert _rows(as_user(colleague))[0]["unread_shared_count"] == 8


def test_unsharing_takes_effect_on_the_next_request(as_user, therapist, patient, world, frozen):
    client = as_user(therapist)
    before = _rows(client)[0]
    entry = world.entries["d3_discuss"]
    owner = as_user(world.patient)
    response = owner.patch(f"/api/v1/entries/{entry.id}", json={"version": 1, "shared": False})
    assert response.status_code == 200, response.get_json()
    checkin = world.checkins["d0"]
    response = owner.patch(f"/api/v1/checkins/{checkin.id}", json={"version": 1, "shared": False})
    assert response.status_code == 200, response.get_json()
    after = _rows(client)[0]
    assert after["unread_shared_count"] == before["unread_shared_count"] - 2
    assert after["mood_trend"][-1] is None
    assert _at(after["last_checkin_at"]) == world.checkins["d2b"].recorded_at
    assert after["last_checkin_mood"] == 6


def test_the_window_restarts_at_each_integration_session(as_user, therapist, world, frozen):
    # A session held yesterday: what was shared before it no longer waits to be read.
    factories.integration_session(
        world.patient, therapist, scheduled_at=local(1, 15), status="completed"
    )
    assert _rows(as_user(therapist))[0]["unread_shared_count"] == 1  # the check-in of today


def test_without_an_integration_session_the_window_is_thirty_days(
    as_user, clinic, therapist, frozen
):
    person = factories.user(clinic, "patient", therapist=therapist)
    factories.checkin(person, recorded_at=NOW - timedelta(days=31), shared=True)
    factories.checkin(person, recorded_at=NOW - timedelta(days=29), shared=True)
    factories.entry(person, written_at=NOW - timedelta(days=2), shared=True)
    factories.measure_response(person, "gad7", completed_at=NOW - timedelta(days=40))
    assert _rows(as_user(therapist))[0]["unread_shared_count"] == 2


def test_the_caseload_is_audited_per_patient_without_content(as_user, clinic, therapist, world):
    from sqlalchemy import select

    from server.audit.models import AuditEvent
    from server.extensions import db

    other = factories.user(clinic, "patient", therapist=therapist)
    factories.user(clinic, "patient")  # someone else's patient: not on the list
    _rows(as_user(therapist))
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "caseload_read"))
    assert {(e.actor_id, e.patient_id, e.object_type) for e in events} == {
        (therapist.id, world.patient.id, "caseload"),
        (therapist.id, other.id, "caseload"),
    }


def _populate(patient, therapist, index):
    """A patient with a few of everything, so each statement has rows to read."""
    factories.ketamine_session(patient, scheduled_at=NOW - timedelta(days=10), status="completed")
    factories.ketamine_session(patient, scheduled_at=NOW + timedelta(days=3 + index % 5))
    factories.integration_session(patient, therapist, scheduled_at=NOW - timedelta(days=7))
    factories.integration_session(patient, therapist, scheduled_at=NOW + timedelta(days=5))
    for day in range(3):
        factories.checkin(patient, recorded_at=NOW - timedelta(days=day), mood=index % 11)
    factories.checkin(patient, recorded_at=NOW - timedelta(hours=1), shared=False)
    factories.entry(patient, written_at=NOW - timedelta(days=1))
    factories.measure_response(patient, "phq9", completed_at=NOW - timedelta(days=2))
    factories.flag(patient, "phq9_item9" if index % 2 else "phq9_severe")


def test_the_caseload_costs_the_same_statements_for_1_or_50_patients(
    as_user, clinic, therapist, count_statements, frozen
):
    client = as_user(therapist)

    def cost(expected_rows):
        with count_statements() as statements:
            rows = _rows(client)
        assert len(rows) == expected_rows
        return len(statements)

    first = factories.user(clinic, "patient", therapist=therapist)
    _populate(first, therapist, 0)
    one = cost(1)
    for index in range(1, 50):
        patient = factories.user(clinic, "patient", therapist=therapist)
        _populate(patient, therapist, index)
    assert cost(50) == one
    # Reading the caseload itself (without signing in and auditing) is eight statements.
    with count_statements() as statements:
        caseload(therapist, now=NOW)
    assert len(statements) == 8


def test_caseload_phases_agree_with_the_phase_rules(clinic, therapist):
    """The caseload finds the deciding sessions its own way; the phase must be phases_for's."""
    from server.care.phase import phases_for

    at = NOW
    plans = [
        [],
        [(-40, "completed"), (30, "scheduled")],
        [(0.1, "scheduled")],  # later today
        [(-0.1, "completed")],  # earlier today
        [(-1, "completed"), (1, "scheduled")],
        [(-2.5, "completed")],
        [(-5, "completed"), (2, "scheduled")],
        [(-5, "completed"), (2, "cancelled"), (9, "scheduled")],
        [(4, "scheduled"), (4, "scheduled")],  # two at one instant
        [(-90, "completed"), (-60, "completed"), (60, "scheduled")],
        [(20, "scheduled")],
        [(-0.2, "completed"), (-0.1, "completed")],  # two earlier today
        [(0.1, "scheduled"), (0.2, "scheduled")],  # two later today
        [(-0.1, "completed"), (0.1, "scheduled"), (3, "scheduled")],
        [(-3.5, "completed"), (-1, "cancelled"), (1, "cancelled")],
    ]
    patients = []
    for index, plan in enumerate(plans):
        zone_name = ("America/New_York", "Asia/Tokyo", "Europe/Berlin")[index % 3]
        patient = factories.user(clinic, "patient", therapist=therapist, time_zone=zone_name)
        for days, status in plan:
            factories.ketamine_session(
                patient, scheduled_at=at + timedelta(days=days), status=status
            )
        patients.append(patient)
    for now in (at, at + timedelta(hours=13), at - timedelta(days=3), at + timedelta(days=2.6)):
        expected = phases_for(patients, now)
        rows = caseload(therapist, now=now)
        assert {row["patient_id"]: row["phase"] for row in rows} == {
            patient_id: found.name for patient_id, found in expected.items()
        }


def test_the_caseload_answers_exactly_what_its_schema_would_dump(
    as_user, clinic, therapist, world, frozen
):
    """The route dumps with CaseloadSchema compiled (speed); the schema is the contract."""
    from server.fastdump import compiled
    from server.readside.schemas import CaseloadSchema

    factories.user(clinic, "patient", therapist=therapist, display_name="Ben")  # all empty
    rows = caseload(therapist)
    assert {row["next_ketamine_session"] is None for row in rows} == {True, False}
    expected = CaseloadSchema().dump({"items": rows, "next_cursor": None})
    assert compiled(CaseloadSchema)({"items": rows, "next_cursor": None}) == expected
    assert as_user(therapist).get(URL).get_json() == expected


def test_open_flag_counts_for_the_caseload(clinic, therapist, patient, count_statements):
    other = factories.user(clinic, "patient", therapist=therapist)
    factories.flag(patient, "phq9_item9")
    factories.flag(patient, "mood_drop")
    factories.flag(other, "missed_checkins", acknowledged_at=utcnow())
    with count_statements() as statements:
        counts = open_flag_counts(therapist)
    assert counts == {patient.id: {"total": 2, "urgent": 1}}
    assert len(statements) == 1
