"""An integration session names the dosing sessions it follows: the same
patient's, not cancelled, at or before it. Another patient's dose is refused
in the same words as an unknown id."""

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from server.care.models import IntegrationSession, integration_session_doses
from server.extensions import db
from tests import factories


def in_days(days: float) -> datetime:
    return (datetime.now(UTC) + timedelta(days=days)).replace(microsecond=0)


def url(patient, session_id=None) -> str:
    base = f"/api/v1/patients/{patient.id}/integration-sessions"
    return f"{base}/{session_id}" if session_id else base


def links() -> int:
    return db.session.scalar(select(func.count()).select_from(integration_session_doses))


def test_an_integration_session_follows_the_doses_it_names(as_user, therapist, patient):
    earlier = factories.ketamine_session(patient, scheduled_at=in_days(-10), status="completed")
    latest = factories.ketamine_session(patient, scheduled_at=in_days(-3), status="completed")
    client = as_user(therapist)
    body = {
        "id": str(uuid.uuid4()),
        "scheduled_at": in_days(1).isoformat(),
        "follows_ketamine_session_ids": [str(latest.id), str(earlier.id)],
    }
    response = client.post(url(patient), json=body)
    assert response.status_code == 201
    oldest_first = [str(earlier.id), str(latest.id)]
    assert response.get_json()["follows_ketamine_session_ids"] == oldest_first
    # A replay names the same doses: the stored session, nothing more.
    again = client.post(url(patient), json=body)
    assert again.status_code == 200 and links() == 2
    # The same id naming other doses is another request.
    other = body | {"follows_ketamine_session_ids": [str(latest.id)]}
    assert client.post(url(patient), json=other).status_code == 409
    # Both the therapist's and the patient's lists show the links.
    [listed] = client.get(url(patient)).get_json()["items"]
    assert listed["follows_ketamine_session_ids"] == oldest_first
    mine = as_user(patient).get("/api/v1/integration-sessions").get_json()["items"]
    assert mine[0]["follows_ketamine_session_ids"] == oldest_first
    exported = as_user(patient).get("/api/v1/me/export").get_json()["integration_sessions"]
    assert exported[0]["follows_ketamine_session_ids"] == oldest_first


def test_another_patients_dose_reads_like_an_unknown_one(as_user, clinic, therapist, patient):
    someone = factories.user(clinic, "patient", therapist=therapist)
    theirs = factories.ketamine_session(someone, scheduled_at=in_days(-2))
    cancelled = factories.ketamine_session(patient, scheduled_at=in_days(-2), status="cancelled")
    later = factories.ketamine_session(patient, scheduled_at=in_days(5))
    client = as_user(therapist)
    answers = {}
    for name, dose_id in (
        ("theirs", theirs.id),
        ("unknown", uuid.uuid4()),
        ("cancelled", cancelled.id),
        ("later", later.id),
    ):
        body = {
            "scheduled_at": in_days(1).isoformat(),
            "follows_ketamine_session_ids": [str(dose_id)],
        }
        response = client.post(url(patient), json=body)
        assert response.status_code == 422, name
        answers[name] = response.get_json()["errors"]["follows_ketamine_session_ids.0"]
    assert answers["theirs"] == answers["unknown"] == ["Not one of this patient's dosing sessions."]
    assert answers["cancelled"] == ["This dosing session is cancelled."]
    assert answers["later"] == ["Comes after this integration session."]
    assert db.session.scalar(select(func.count()).select_from(IntegrationSession)) == 0
    assert links() == 0


def test_links_are_changed_with_the_version_and_a_move_keeps_them_before(
    as_user, therapist, patient
):
    dose = factories.ketamine_session(patient, scheduled_at=in_days(-3), status="completed")
    session = factories.integration_session(patient, therapist, scheduled_at=in_days(1))
    client = as_user(therapist)
    linked = client.patch(
        url(patient, session.id),
        json={"version": 1, "follows_ketamine_session_ids": [str(dose.id)]},
    )
    assert linked.status_code == 200
    assert linked.get_json()["follows_ketamine_session_ids"] == [str(dose.id)]
    assert linked.get_json()["version"] == 2
    stale = client.patch(
        url(patient, session.id), json={"version": 1, "follows_ketamine_session_ids": []}
    )
    assert stale.status_code == 409 and links() == 1
    before_dose = client.patch(
        url(patient, session.id), json={"version": 2, "scheduled_at": in_days(-4).isoformat()}
    )
    assert before_dose.status_code == 422 and "scheduled_at" in before_dose.get_json()["errors"]
    unlinked = client.patch(
        url(patient, session.id), json={"version": 2, "follows_ketamine_session_ids": []}
    )
    assert unlinked.status_code == 200 and unlinked.get_json()["follows_ketamine_session_ids"] == []
    assert links() == 0


def test_the_list_loads_links_in_one_more_statement(therapist, patient, count_statements):
    from server.care.queries import sessions_page
    from server.care.schemas import TherapistIntegrationSessionPageSchema

    patient_id = patient.id
    costs = []
    for count in (1, 6):
        for n in range(count):
            dose = factories.ketamine_session(patient, scheduled_at=in_days(-30 + n * 2))
            made = factories.integration_session(
                patient,
                therapist,
                scheduled_at=in_days(
                    -29 + n * 2,
                ),
            )
            made.follows = [dose]
            db.session.commit()
        db.session.expire_all()
        with count_statements() as statements:
            page = sessions_page(IntegrationSession, patient_id)
            TherapistIntegrationSessionPageSchema().dump(page)
        costs.append(len(statements))
    assert costs[0] == costs[1] == 2
