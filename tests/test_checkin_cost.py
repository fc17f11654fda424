"""What a check-in costs the database: the statements a phone's POST runs.

SPEC 10's check-in budget is measured by bench/api_bench.py; these tests
keep the causes of its cost from coming back: one statement to know the
caller, one to store the check-in, no savepoint, no query before the
insert, and a bearer token noted as used at most every few minutes.
"""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from server.auth import services as auth_services
from server.auth.models import ApiToken
from server.auth.sessions import TOKEN_USE_GRAIN
from server.db import utcnow
from server.extensions import db
from server.journal.models import CheckIn
from tests.journal.conftest import checkin_body

URL = "/api/v1/checkins"


def bearer(app, user):
    token, clear = auth_services.issue_token(user, "phone")
    db.session.commit()
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {clear}"
    return client, token.id


def statements_during(action):
    """Every statement `action` sends, SAVEPOINTs included, but not BEGIN/COMMIT/ROLLBACK."""
    seen = []

    def before(_conn, _cursor, statement, *_args):
        verb = statement.lstrip().split(None, 1)[0].upper()
        if verb not in ("BEGIN", "COMMIT", "ROLLBACK"):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        answer = action()
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    return answer, seen


def verbs(statements) -> list[str]:
    return [" ".join(s.split()[:3]).upper() for s in statements]


@pytest.mark.committed
def test_a_new_check_in_costs_four_statements_and_no_savepoint(app, patient):
    phone, _ = bearer(app, patient)
    assert phone.get(URL).status_code == 200  # the token's use is noted by this one
    body = checkin_body(mood=5, note="a slow morning", emotions=["calm"])
    answer, statements = statements_during(lambda: phone.post(URL, json=body))
    assert answer.status_code == 201, answer.get_json()
    shape = verbs(statements)
    assert len(shape) == 4, shape
    # Who is calling (token and user together), the insert, then (in the
    # order the signal's receivers were connected) the mood rule and today's
    # reminder cancelled.
    assert "FROM API_TOKENS" in statements[0].upper() and "USERS" in statements[0].upper()
    assert shape[1].startswith("INSERT INTO CHECKINS")
    mood_rule, reminder = sorted(shape[2:])
    assert mood_rule.startswith("SELECT CHECKINS.MOOD")
    assert reminder.startswith("UPDATE NOTIFICATIONS")
    assert not any(s.lstrip().upper().startswith(("SAVEPOINT", "RELEASE")) for s in statements)


@pytest.mark.committed
def test_a_replay_and_a_buried_id_still_answer_200_409_and_410(app, patient):
    phone, _ = bearer(app, patient)
    body = checkin_body(mood=4)
    assert phone.post(URL, json=body).status_code == 201
    replay, statements = statements_during(lambda: phone.post(URL, json=body))
    assert replay.status_code == 200 and replay.get_json()["id"] == body["id"]
    assert not any(s.lstrip().upper().startswith("SAVEPOINT") for s in statements)
    assert phone.post(URL, json={**body, "mood": 9}).status_code == 409
    assert phone.delete(f"{URL}/{body['id']}").status_code == 204
    assert phone.post(URL, json=body).status_code == 410
    db.session.remove()
    assert db.session.get(CheckIn, uuid.UUID(body["id"])) is None


def test_a_mood_that_cannot_be_a_drop_skips_the_mood_rule(app, patient):
    phone, _ = bearer(app, patient)
    phone.get(URL)
    answer, statements = statements_during(lambda: phone.post(URL, json=checkin_body(mood=9)))
    assert answer.status_code == 201
    assert not any(s.upper().lstrip().startswith("SELECT CHECKINS.MOOD") for s in statements)


def last_used(token_id):
    db.session.expire_all()
    return db.session.scalar(select(ApiToken.last_used_at).where(ApiToken.id == token_id))


def test_a_token_is_noted_as_used_at_most_once_in_its_grain(app, patient):
    phone, token_id = bearer(app, patient)
    assert last_used(token_id) is None
    assert phone.get(URL).status_code == 200
    first = last_used(token_id)
    assert first is not None and utcnow() - first < timedelta(minutes=1)

    answer, statements = statements_during(lambda: phone.get(URL))
    assert answer.status_code == 200
    assert not any("UPDATE API_TOKENS" in s.upper() for s in statements)
    assert last_used(token_id) == first

    # Once the grain has passed, the next request notes the use again.
    db.session.execute(
        ApiToken.__table__.update()
        .where(ApiToken.__table__.c.id == token_id)
        .values(last_used_at=first - TOKEN_USE_GRAIN)
    )
    db.session.commit()
    assert phone.get(URL).status_code == 200
    assert last_used(token_id) > first - TOKEN_USE_GRAIN


def test_a_revoked_token_is_refused(app, patient):
    phone, token_id = bearer(app, patient)
    assert phone.get(URL).status_code == 200
    db.session.get(ApiToken, token_id).revoked_at = utcnow()
    db.session.commit()
    assert phone.get(URL).status_code == 401
