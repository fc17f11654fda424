"""The clinic's audit log: admins read it, it holds no health data, nobody edits it."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import delete, select, update

from server.audit.models import AuditEvent, AuditLogIsAppendOnly
from server.audit.services import record
from server.db import utcnow
from server.extensions import db
from tests import factories

AUDIT = "/api/v1/audit"
FIELDS = {
    "id",
    "at",
    "actor_id",
    "actor_name",
    "actor_role",
    "action",
    "patient_id",
    "patient_name",
    "object_type",
    "object_id",
    "ip_address",
    "user_agent",
}


@pytest.fixture
def admin(clinic):
    return factories.user(clinic, "admin")


def a_year_ahead():
    """A whole hour a year from now: after the events a test's own requests record (a
    sign-in), whenever the suite runs (a fixed date in the future is passed one day)."""
    return (utcnow() + timedelta(days=365)).replace(minute=0, second=0, microsecond=0)


def add_event(action, *, actor, patient=None, at=None):
    event = record(action, actor=actor, patient_id=patient.id if patient else None)
    if at is not None:
        event.at = at
    db.session.commit()
    return event


def listing(client, **query):
    response = client.get(AUDIT, query_string=query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_an_admin_reads_their_clinics_log_newest_first(as_user, admin, therapist, patient):
    base = a_year_ahead()
    add_event("timeline_read", actor=therapist, patient=patient, at=base)
    add_event("sharing_changed", actor=patient, patient=patient, at=base + timedelta(hours=1))
    stranger = factories.user(factories.clinic(), "therapist")
    add_event("timeline_read", actor=stranger, at=base + timedelta(hours=2))

    page = listing(as_user(admin), since=base.isoformat())
    assert [item["action"] for item in page["items"]] == ["sharing_changed", "timeline_read"]
    assert page["next_cursor"] is None
    first = page["items"][1]
    assert set(first) == FIELDS  # identifiers and places, never content
    assert first["actor_id"] == str(therapist.id) and first["actor_role"] == "therapist"
    assert first["patient_id"] == str(patient.id)
    assert first["actor_name"] == therapist.display_name
    assert first["patient_name"] == patient.display_name
    assert first["at"] == base.isoformat()


def test_filters_narrow_the_log(as_user, admin, therapist, patient, clinic):
    other_patient = factories.user(clinic, "patient", therapist=therapist)
    base = a_year_ahead()
    add_event("timeline_read", actor=therapist, patient=patient, at=base)
    add_event("timeline_read", actor=therapist, patient=other_patient, at=base + timedelta(days=1))
    add_event("data_exported", actor=patient, patient=patient, at=base + timedelta(days=2))
    client = as_user(admin)

    def actions(**query):
        return [
            (item["action"], item["patient_id"])
            for item in listing(client, since=base.isoformat(), **query)["items"]
        ]

    assert actions(patient_id=str(patient.id)) == [
        ("data_exported", str(patient.id)),
        ("timeline_read", str(patient.id)),
    ]
    assert actions(actor_id=str(therapist.id)) == [
        ("timeline_read", str(other_patient.id)),
        ("timeline_read", str(patient.id)),
    ]
    assert actions(action="data_exported") == [("data_exported", str(patient.id))]
    assert actions(until=(base + timedelta(days=1)).isoformat()) == [
        ("timeline_read", str(patient.id))
    ]


def test_the_log_pages_with_a_cursor(as_user, admin, therapist, patient):
    base = a_year_ahead()
    reads = ["caseload_read", "timeline_read", "brief_read", "schedule_read", "flags_read"]
    for hour, action in enumerate(reads):
        add_event(action, actor=therapist, patient=patient, at=base + timedelta(hours=hour))
    client = as_user(admin)
    seen, cursor = [], None
    while True:
        query = {"limit": 2, "since": base.isoformat()}
        if cursor:
            query["cursor"] = cursor
        page = listing(client, **query)
        seen.append([item["action"] for item in page["items"]])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    newest_first = list(reversed(reads))
    assert seen == [newest_first[0:2], newest_first[2:4], newest_first[4:]]


def test_reading_the_log_is_itself_recorded(as_user, admin, patient):
    listing(as_user(admin), patient_id=str(patient.id))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "audit_log_read"))
    assert event.actor_id == admin.id and event.patient_id == patient.id
    # The reading shows in the next page read, not in the one it describes.
    items = listing(as_user(admin), action="audit_log_read")["items"]
    assert items and items[0]["actor_id"] == str(admin.id)


@pytest.mark.parametrize(
    "query",
    [
        {"cursor": "not-a-cursor"},
        {"since": "2030-01-01T00:00:00"},  # no offset
        {"patient_id": "someone"},
        {"limit": 0},
        {"limit": 1000},
    ],
)
def test_bad_queries_are_problems_naming_the_field(as_user, admin, query):
    response = as_user(admin).get(AUDIT, query_string=query)
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == set(query)


def test_the_application_cannot_change_or_delete_audit_events(therapist, patient):
    event = add_event("timeline_read", actor=therapist, patient=patient)
    event.action = "nothing_happened"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEvent, event.id))
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.execute(update(AuditEvent).values(action="edited"))
    db.session.rollback()
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.execute(delete(AuditEvent).where(AuditEvent.id == event.id))
    db.session.rollback()
    stored = db.session.get(AuditEvent, event.id)
    assert stored is not None and stored.action == "timeline_read"


def test_an_unknown_id_filter_is_an_empty_page_not_an_error(as_user, admin):
    page = listing(as_user(admin), patient_id=str(uuid.uuid4()))
    assert page == {"items": [], "next_cursor": None}


def test_a_page_is_one_statement_however_long_the_log(admin, therapist, patient, count_statements):
    from server.audit import queries

    for _ in range(5):
        add_event("timeline_read", actor=therapist, patient=patient)
    with count_statements() as statements:
        items, cursor = queries.clinic_events(admin.clinic_id, limit=3)
    assert len(items) == 3 and cursor
    with count_statements() as more:
        queries.clinic_events(admin.clinic_id, limit=3, cursor=cursor)
    assert len(statements) == len(more) == 1


# --- names ---------------------------------------------------------------------


def test_each_event_names_the_people_in_it(as_user, admin, therapist, patient, clinic):
    nameless = factories.user(clinic, "patient", therapist=therapist, display_name=" ")
    base = a_year_ahead()
    add_event("brief_read", actor=therapist, patient=patient, at=base)
    add_event("brief_read", actor=therapist, patient=nameless, at=base + timedelta(hours=1))
    add_event("login_failed_totp", actor=admin, at=base + timedelta(hours=2))
    items = listing(as_user(admin), since=base.isoformat())["items"]
    assert [(i["actor_name"], i["patient_name"]) for i in items] == [
        (admin.display_name, None),
        (therapist.display_name, nameless.email),  # no display name: the email
        (therapist.display_name, patient.display_name),
    ]


def test_a_deleted_persons_events_still_list_with_their_id_and_no_name(
    as_user, admin, therapist, patient
):
    base = a_year_ahead()
    add_event("timeline_read", actor=therapist, patient=patient, at=base)
    add_event("sharing_changed", actor=patient, patient=patient, at=base + timedelta(hours=1))
    patient_id = patient.id
    response = as_user(patient).delete("/api/v1/me", json={"password": factories.PASSWORD})
    assert response.status_code in (200, 204), response.get_json()
    items = listing(as_user(admin), patient_id=str(patient_id))["items"]
    assert {"sharing_changed", "timeline_read", "account_deleted"} <= {i["action"] for i in items}
    for item in items:
        assert item["patient_id"] == str(patient_id) and item["patient_name"] is None
    by_action = {item["action"]: item for item in items}
    read = by_action["timeline_read"]
    assert read["actor_id"] == str(therapist.id) and read["actor_name"] == therapist.display_name
    changed = by_action["sharing_changed"]
    assert changed["actor_id"] == str(patient_id) and changed["actor_name"] is None


def test_another_clinics_names_never_show(as_user, admin, therapist, patient, clinic):
    elsewhere = factories.clinic()
    visitor = factories.user(elsewhere, "therapist", display_name="Visitor Elsewhere")
    outsider = factories.user(elsewhere, "patient", display_name="Outsider Elsewhere")
    base = a_year_ahead()
    # Events of this clinic that (by a bug or a move) name another clinic's people.
    record("timeline_read", actor=visitor, patient_id=outsider.id, clinic_id=clinic.id).at = base
    db.session.commit()
    # And another clinic's own events, naming this clinic's people.
    record("timeline_read", actor=therapist, patient_id=patient.id, clinic_id=elsewhere.id)
    db.session.commit()
    response = as_user(admin).get(AUDIT, query_string={"since": base.isoformat()})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Elsewhere" not in body and visitor.email not in body and outsider.email not in body
    (item,) = response.get_json()["items"]
    assert item["actor_id"] == str(visitor.id) and item["actor_name"] is None
    assert item["patient_id"] == str(outsider.id) and item["patient_name"] is None


def test_names_cost_the_same_statements_for_a_page_of_5_or_50(
    as_user, admin, therapist, clinic, count_statements
):
    from server.audit import queries

    patients = [factories.user(clinic, "patient", therapist=therapist) for _ in range(10)]
    for index in range(60):
        add_event("timeline_read", actor=therapist, patient=patients[index % 10])
    client = as_user(admin)
    client.get(AUDIT, query_string={"limit": 1})  # the session's first request, out of the count
    counts = {}
    for limit in (5, 50):
        with count_statements() as statements:
            items, _cursor = queries.clinic_events(
                admin.clinic_id, action="timeline_read", limit=limit
            )
            names = {(item.actor_name, item.patient_name) for item in items}
        assert len(items) == limit and len(names) == min(limit, 10)
        assert len(statements) == 1  # the names come with the events
        with count_statements() as request_statements:
            page = listing(client, action="timeline_read", limit=limit)
        assert len(page["items"]) == limit
        assert all(item["patient_name"] and item["actor_name"] for item in page["items"])
        counts[limit] = len(request_statements)
    assert counts[5] == counts[50], counts
