"""DELETE /me: a patient deletes their account and everything it holds."""

import uuid

from sqlalchemy import func, select

from server.audit.models import AuditEvent
from server.auth.models import Invite, User
from server.extensions import db
from server.journal.models import CheckIn
from server.push.models import Notification, PushSubscription
from server.signals import account_deleting
from tests.privacy.conftest import PASSWORD, build_world, rows_naming

ME = "/api/v1/me"

#: Tables the world fills for a patient; the scan must have seen them all
#: before the deletion, or it would prove nothing afterwards.
FILLED = {
    "users.id",
    "care_team_members.patient_id",
    "checkins.patient_id",
    "journal_entries.patient_id",
    "deleted_items.patient_id",
    "measure_responses.patient_id",
    "measure_plans.patient_id",
    "flags.patient_id",
    "ketamine_sessions.patient_id",
    "integration_sessions.patient_id",
    "prompt_assignments.patient_id",
    "push_subscriptions.user_id",
    "notifications.user_id",
    "login_sessions.user_id",
    "api_tokens.user_id",
    "recovery_codes.user_id",
    "invites.accepted_user_id",
}


def _everything_of(world) -> set[uuid.UUID]:
    return {world.patient.id} | world.ids


def _delete(client, password=PASSWORD, **kwargs):
    return client.delete(ME, json={"password": password}, **kwargs)


def test_deleting_my_account_removes_every_row_that_names_me(world, other_world, therapist):
    before = rows_naming(_everything_of(world))
    filled = FILLED | {"notifications.cause_id", "flags.id"}
    if "read_marks" in db.metadata.tables:  # the care team's read marks
        filled.add("read_marks.patient_id")
    assert filled <= set(before), filled - set(before)
    therapist_pushes = db.session.scalar(
        select(func.count()).select_from(Notification).where(Notification.user_id == therapist.id)
    )
    assert therapist_pushes  # the urgent flags of both patients reached the therapist's phone
    others_before = rows_naming(_everything_of(other_world))

    response = _delete(world.client)

    assert response.status_code == 204
    # Every UUID column of every table (the audit log aside): nothing names me
    # or any item of mine.
    assert rows_naming(_everything_of(world)) == {}
    assert rows_naming(_everything_of(other_world)) == others_before
    email = world.patient.email
    assert not db.session.scalar(select(func.count()).select_from(User).where(User.email == email))
    assert not db.session.scalar(
        select(func.count()).select_from(Invite).where(Invite.email == email)
    )
    # The therapist keeps their account, their device and the pushes about
    # the other patient; the pushes about me are gone with my flags.
    assert db.session.get(User, therapist.id) is not None
    assert db.session.scalar(
        select(func.count())
        .select_from(PushSubscription)
        .where(PushSubscription.user_id == therapist.id)
    )
    left = db.session.scalar(
        select(func.count()).select_from(Notification).where(Notification.user_id == therapist.id)
    )
    assert 0 < left < therapist_pushes


def test_the_audit_log_keeps_that_it_happened_and_nothing_i_wrote(world):
    assert _delete(world.client).status_code == 204
    about_me = (
        db.session.execute(select(AuditEvent).where(AuditEvent.patient_id == world.patient.id))
        .scalars()
        .all()
    )
    actions = [event.action for event in about_me]
    assert actions.count("account_deleted") == 1
    deleted = next(e for e in about_me if e.action == "account_deleted")
    assert deleted.actor_id == world.patient.id and deleted.object_id == world.patient.id
    # No audit row holds anything I wrote, nor my email or name.
    every_row = db.session.execute(select(AuditEvent.__table__)).all()
    text = " ".join(str(value) for row in every_row for value in row)
    for secret in [*world.texts, world.patient.email, world.patient.display_name]:
        assert secret not in text


def test_my_sessions_and_tokens_end_at_once(app, world):
    second_browser = app.test_client()
    second_browser.environ_base["HTTP_ORIGIN"] = "http://localhost"
    signed_in = second_browser.post(
        "/api/v1/auth/login", json={"email": world.patient.email, "password": PASSWORD}
    )
    assert signed_in.status_code == 200
    phone = app.test_client()
    bearer = {"Authorization": f"Bearer {world.token}"}
    assert phone.get("/api/v1/auth/me", headers=bearer).status_code == 200

    assert _delete(world.client).status_code == 204

    assert world.client.get("/api/v1/auth/me").status_code == 401
    assert second_browser.get("/api/v1/auth/me").status_code == 401
    assert phone.get("/api/v1/auth/me", headers=bearer).status_code == 401
    assert phone.get("/api/v1/me/export", headers=bearer).status_code == 401
    # Signing in again finds no account.
    again = second_browser.post(
        "/api/v1/auth/login", json={"email": world.patient.email, "password": PASSWORD}
    )
    assert again.status_code == 401


def test_a_replayed_delete_is_harmless(world, other_world):
    assert _delete(world.client).status_code == 204
    others = rows_naming(_everything_of(other_world))
    events = db.session.scalar(select(func.count()).select_from(AuditEvent))

    replay = _delete(world.client)

    assert replay.status_code == 401
    assert replay.mimetype == "application/problem+json"
    assert rows_naming(_everything_of(other_world)) == others
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events


def test_a_wrong_password_deletes_nothing(world):
    before = rows_naming(_everything_of(world))
    wrong = "not my passphrase at all"

    response = _delete(world.client, wrong)

    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert "password" in response.get_json()["errors"]
    assert wrong not in response.get_data(as_text=True)
    assert rows_naming(_everything_of(world)) == before
    assert world.client.get("/api/v1/auth/me").status_code == 200


def test_the_password_must_be_sent(world):
    for body in ({}, {"password": ""}, None):
        response = world.client.delete(ME, json=body)
        assert response.status_code == 422, body
        assert "password" in response.get_json()["errors"]
    assert world.client.get("/api/v1/auth/me").status_code == 200


def test_guessing_the_password_is_rate_limited_like_sign_in(app, world):
    limit = int(app.config["LOGIN_FAILURE_LIMIT"].split()[0])
    for _ in range(limit):
        assert _delete(world.client, "a wrong guess, again").status_code == 422
    assert _delete(world.client, "a wrong guess, again").status_code == 429
    # Even the right password waits now, and nothing was deleted.
    assert _delete(world.client).status_code == 429
    assert world.client.get("/api/v1/auth/me").status_code == 200


def test_features_hear_of_the_deletion_while_the_rows_still_exist(world):
    heard = []

    def receiver(user, **_):
        count = db.session.scalar(
            select(func.count()).select_from(CheckIn).where(CheckIn.patient_id == user.id)
        )
        heard.append((user.id, count))

    account_deleting.connect(receiver)
    try:
        assert _delete(world.client).status_code == 204
    finally:
        account_deleting.disconnect(receiver)
    assert heard == [(world.patient.id, len(world.checkin_ids))]


def test_a_phone_app_deletes_with_its_bearer_token(app, world):
    phone = app.test_client()
    response = phone.delete(
        ME, json={"password": PASSWORD}, headers={"Authorization": f"Bearer {world.token}"}
    )
    assert response.status_code == 204
    assert rows_naming(_everything_of(world)) == {}


def test_deletion_costs_the_same_statements_with_more_data(
    app, therapist, therapist_client, count_statements
):
    small = build_world(app, therapist, therapist_client, "Cai", size=1)
    large = build_world(app, therapist, therapist_client, "Dee", size=3)
    counts = []
    for world in (small, large):
        with count_statements() as statements:
            assert _delete(world.client).status_code == 204
        counts.append(len(statements))
        assert rows_naming(_everything_of(world)) == {}
    assert counts[0] == counts[1]
