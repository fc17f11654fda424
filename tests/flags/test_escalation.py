"""Escalation: an urgent flag left unacknowledged past the clinic's time.

The clock is passed as `now`, so nothing here depends on when it runs.
"""

from datetime import timedelta

from server.db import utcnow
from server.extensions import db
from server.flags import services as flag_services
from server.flags.escalation import escalate_overdue
from server.flags.models import Flag
from tests import factories

FLAGS = "/api/v1/flags"
RAISED = utcnow().replace(microsecond=0) - timedelta(days=10)


def urgent(patient, **fields):
    fields.setdefault("raised_at", RAISED)
    return factories.flag(patient, "phq9_item9", **fields)


def test_an_urgent_flag_open_24_hours_is_escalated_once(patient):
    flag = urgent(patient)
    assert escalate_overdue(RAISED + timedelta(hours=23, minutes=59)) == []
    at = RAISED + timedelta(hours=24)
    assert [f.id for f in escalate_overdue(at)] == [flag.id]
    assert escalate_overdue(at + timedelta(hours=1)) == []
    assert db.session.get(Flag, flag.id, populate_existing=True).escalated_at == at


def test_an_acknowledged_or_warning_flag_is_not_escalated(patient):
    urgent(patient, acknowledged_at=RAISED + timedelta(hours=1))
    factories.flag(patient, "phq9_severe", raised_at=RAISED)
    assert escalate_overdue(RAISED + timedelta(days=3)) == []


def test_the_clinic_sets_its_own_time(as_user, clinic, patient):
    admin = factories.user(clinic, "admin")
    client = as_user(admin)
    assert client.get("/api/v1/clinic/flag-settings").get_json() == {"escalate_after_hours": 24}
    bad = client.put("/api/v1/clinic/flag-settings", json={"escalate_after_hours": 0})
    assert bad.status_code == 422 and "escalate_after_hours" in bad.get_json()["errors"]
    changed = client.put("/api/v1/clinic/flag-settings", json={"escalate_after_hours": 2})
    assert changed.status_code == 200 and changed.get_json() == {"escalate_after_hours": 2}
    flag = urgent(patient)
    other_clinic_flag = urgent(factories.user(factories.clinic(), "patient"))
    assert escalate_overdue(RAISED + timedelta(hours=1, minutes=59)) == []
    escalated = escalate_overdue(RAISED + timedelta(hours=2))
    assert [f.id for f in escalated] == [flag.id]  # the other clinic keeps its 24 hours
    assert other_clinic_flag.id not in [f.id for f in escalated]


def test_admins_see_escalated_flags_only_of_their_clinic(as_user, clinic, therapist, patient):
    admin = factories.user(clinic, "admin")
    foreign_admin = factories.user(factories.clinic(), "admin")
    flag = urgent(patient)
    urgent(patient, raised_at=utcnow())  # not yet overdue
    assert as_user(admin).get(FLAGS).get_json()["items"] == []
    escalate_overdue(RAISED + timedelta(days=1))
    db.session.commit()
    (seen,) = as_user(admin).get(FLAGS).get_json()["items"]
    assert seen["id"] == str(flag.id) and seen["escalated_at"] is not None
    assert seen["source_id"] is None  # no more than the care team sees
    assert as_user(admin).get(f"{FLAGS}/summary").get_json() == {"open": 1, "urgent": 1}
    assert as_user(foreign_admin).get(FLAGS).get_json()["items"] == []
    # The care team sees both, the escalated one marked.
    mine = as_user(therapist).get(FLAGS).get_json()["items"]
    assert sorted(bool(f["escalated_at"]) for f in mine) == [False, True]


def test_the_flags_scan_escalates(runner, patient):
    urgent(patient)
    result = runner.invoke(args=["flags", "scan"])
    assert result.exit_code == 0, result.output
    assert "1 escalated" in result.output and str(patient.id) not in result.output


def test_an_admin_is_told_what_needs_follow_up_and_nothing_of_the_answers(
    as_user, clinic, therapist, patient
):
    """An admin is on no care team: an escalated flag names the patient and what needs
    follow-up, never the response behind it, its time or the item-9 answer."""
    admin = factories.user(clinic, "admin")
    response = factories.measure_response(patient, answers=[1] * 8 + [2], shared=True)
    flag_services.check_measure_response(response, patient)
    again = factories.measure_response(patient, answers=[1] * 8 + [1], shared=True)
    flag_services.check_measure_response(again, patient)
    db.session.commit()
    escalate_overdue(utcnow() + timedelta(days=2))
    db.session.commit()
    # The care team sees where it came from and the level.
    (mine,) = as_user(therapist).get(FLAGS).get_json()["items"]
    assert mine["source_id"] == str(response.id) and mine["item9_level"] == 2
    assert mine["latest_source_id"] == str(again.id) and mine["escalated_at"] is not None
    (seen,) = as_user(admin).get(FLAGS).get_json()["items"]
    assert (seen["kind"], seen["severity"]) == ("phq9_item9", "urgent")
    assert seen["patient_display_name"] == patient.display_name
    assert seen["escalated_at"] is not None and seen["occurrences"] == 2
    for hidden in (
        "source_type",
        "source_id",
        "source_at",
        "item9_level",
        "item9_words",
        "latest_source_id",
        "last_seen_at",
    ):
        assert seen[hidden] is None, hidden
