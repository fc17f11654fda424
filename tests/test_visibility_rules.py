"""Each visibility rule is written once, and every reader of it sees the same.

The rules: "this therapist is on this patient's care team"
(`server.clinics.queries.on_care_team`), "the care team may see this item"
(`server.items.visible_to_care_team`: shared and not deleted) and "the care
team may see this flag" (`server.flags.queries.flag_visible`). Here each is
asked directly, and then through the routes that use it: access to a patient,
the caseload, the flags list and its counts, marking an item read.
"""

from sqlalchemy import select

from server.auth.models import CareTeamMember
from server.clinics.queries import on_care_team
from server.extensions import db
from server.flags.models import Flag
from server.flags.queries import flag_visible
from server.journal.models import CheckIn
from tests import factories


def _on_care_team(therapist, patient) -> bool:
    return db.session.scalar(select(on_care_team(therapist.id, therapist.clinic_id, patient.id)))


def test_the_care_team_rule_and_every_route_that_uses_it_agree(as_user, clinic, therapist):
    mine = factories.user(clinic, "patient", therapist=therapist)
    colleague = factories.user(clinic, "therapist")
    theirs = factories.user(clinic, "patient", therapist=colleague)
    elsewhere = factories.clinic("Elsewhere")
    stray = factories.user(elsewhere, "patient")
    # A membership row across clinics must never open another clinic's patient.
    db.session.add(CareTeamMember(patient_id=stray.id, therapist_id=therapist.id))
    # Nor may a staff account be "a patient on my care team".
    db.session.add(CareTeamMember(patient_id=colleague.id, therapist_id=therapist.id))
    db.session.commit()

    expected = {mine.id: True, theirs.id: False, stray.id: False, colleague.id: False}
    people = {mine.id: mine, theirs.id: theirs, stray.id: stray, colleague.id: colleague}
    assert {pid: _on_care_team(therapist, person) for pid, person in people.items()} == expected

    client = as_user(therapist)
    listed = {row["patient_id"] for row in client.get("/api/v1/patients").get_json()["items"]}
    assert listed == {str(mine.id)}
    for pid, on_team in expected.items():
        for path in ("timeline", "brief", "ketamine-sessions"):
            status = client.get(f"/api/v1/patients/{pid}/{path}").status_code
            assert status == (200 if on_team else 404), (path, pid)


def test_the_flag_rule_and_every_list_of_flags_agree(as_user, clinic, therapist, patient):
    shared = factories.checkin(patient, shared=True)
    private = factories.checkin(patient, shared=False)
    deleted = factories.checkin(patient, shared=True)
    private_answers = factories.measure_response(patient, shared=False)
    shared_answers = factories.measure_response(patient, shared=True)
    dose = factories.ketamine_session(patient)

    def flag(kind, source_type=None, source_id=None):
        return factories.flag(patient, kind, source_type=source_type, source_id=source_id).id

    seen = {
        flag("mood_drop", "checkin", shared.id),
        flag("phq9_severe", "measure_response", shared_answers.id),
        flag("missed_checkins", "ketamine_session", dose.id),
        flag("missed_checkins"),
        # Item 9 and "I don't feel safe" are seen whatever the source's sharing.
        flag("phq9_item9", "measure_response", private_answers.id),
        flag("unsafe_checkin", "checkin", private.id),
    }
    hidden = {
        flag("mood_drop", "checkin", private.id),
        flag("phq9_severe", "measure_response", private_answers.id),
        flag("mood_drop", "checkin", deleted.id),
    }
    db.session.delete(db.session.get(CheckIn, deleted.id))
    db.session.commit()

    visible = set(db.session.scalars(select(Flag.id).where(flag_visible())))
    assert visible == seen and not visible & hidden

    client = as_user(therapist)
    listed = client.get("/api/v1/flags", query_string={"limit": 200}).get_json()["items"]
    assert {item["id"] for item in listed} == {str(flag_id) for flag_id in seen}
    (row,) = client.get("/api/v1/patients").get_json()["items"]
    assert row["open_flag_count"] == len(seen)
    brief = client.get(f"/api/v1/patients/{patient.id}/brief").get_json()
    assert {item["id"] for item in brief["flags"]} == {str(flag_id) for flag_id in seen}


def test_only_an_item_the_care_team_may_see_can_be_marked_read(as_user, therapist, patient):
    shared = factories.checkin(patient, shared=True)
    private = factories.checkin(patient, shared=False)
    client = as_user(therapist)
    assert client.post(f"/api/v1/checkins/{shared.id}/read").status_code == 204
    assert client.post(f"/api/v1/checkins/{private.id}/read").status_code == 404
