"""The admin's staff list: who works here, two-step sign-in, last sign-in; never a secret."""

from server.auth.staff import staff
from tests import factories

STAFF = "/api/v1/staff"


def test_the_admin_sees_their_clinics_staff_with_two_step_and_last_sign_in(
    as_user, clinic, therapist, count_statements
):
    admin = factories.user(clinic, "admin", display_name="Ada Admin")
    fresh = factories.user(clinic, "therapist", display_name="New Therapist", totp_secret=None)
    factories.user(clinic, "patient", therapist=therapist)  # not staff
    factories.user(factories.clinic(), "therapist")  # another clinic
    as_user(therapist)  # a sign-in of the therapist's
    response = as_user(admin).get(STAFF)
    assert response.status_code == 200
    rows = {row["id"]: row for row in response.get_json()["items"]}
    assert set(rows) == {str(admin.id), str(fresh.id), str(therapist.id)}
    assert rows[str(therapist.id)]["two_step_enabled"] is True
    assert rows[str(therapist.id)]["last_sign_in_at"] is not None
    assert rows[str(therapist.id)]["role"] == "therapist"
    assert rows[str(fresh.id)]["two_step_enabled"] is False
    assert rows[str(fresh.id)]["last_sign_in_at"] is None
    assert rows[str(admin.id)]["role"] == "admin"
    text = response.get_data(as_text=True)
    assert "totp_secret" not in text and "password" not in text
    with count_statements() as statements:
        staff(admin)
    assert len(statements) == 1


def test_the_listed_id_is_what_revoking_sessions_takes(as_user, clinic, therapist):
    admin = as_user(factories.user(clinic, "admin"))
    (row,) = [r for r in admin.get(STAFF).get_json()["items"] if r["role"] == "therapist"]
    assert admin.post(f"/api/v1/users/{row['id']}/sessions/revoke").status_code == 204


def test_therapists_may_not_list_staff(as_user, therapist):
    assert as_user(therapist).get(STAFF).status_code == 403
