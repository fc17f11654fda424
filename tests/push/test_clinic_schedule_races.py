"""Two admins saving the clinic's prompt times at the same moment: no save silently lost.

These commit for real and run requests on threads, each held at the point of
writing until both have got there (or the barrier gives up), so the race
happens every run instead of by luck.
"""

import pytest
from sqlalchemy import select

from server.extensions import db
from server.push import clinic_schedule
from server.push.models import ClinicPushSchedule
from tests import factories
from tests.care.helpers import postgres_only, race

pytestmark = pytest.mark.committed

SCHEDULE = "/api/v1/clinic/push-schedule"


def two_saves_from_one_read(clients):
    """Each admin's save of other times, both sending the version the first one read."""
    version = clients[0].get(SCHEDULE).get_json()["version"]
    return [
        lambda client=client, at=at: client.put(
            SCHEDULE,
            json={"session_prompts": [{"name": "day_1", "days": 1, "at": at}], "version": version},
        )
        for client, at in zip(clients, ("08:00", "21:00"), strict=True)
    ]


def test_two_saves_of_the_same_version_at_once_let_only_one_win(as_user):
    postgres_only()
    clinic = factories.clinic()
    admins = [factories.user(clinic, "admin"), factories.user(clinic, "admin")]
    clinic_schedule.set_clinic_session_prompts(
        clinic.id, [{"name": "day_1", "days": 1, "at": "19:00"}]
    )
    db.session.commit()
    saves = two_saves_from_one_read([as_user(admin) for admin in admins])
    # The first holds the clinic's row locked while it waits; the second waits for
    # the lock (the barrier gives up first), then finds the times changed.
    responses = race(
        saves,
        ClinicPushSchedule,
        "before_update",
        timeout=2,
    )
    assert sorted(r.status_code for r in responses) == [200, 409]
    winner = next(r for r in responses if r.status_code == 200).get_json()
    loser = next(r for r in responses if r.status_code == 409).get_json()
    assert "version" in loser["errors"]
    with db.engine.connect() as connection:
        stored = connection.scalar(select(ClinicPushSchedule.session_prompts))
    assert stored == winner["session_prompts"]


def test_two_first_saves_at_once_keep_one_and_refuse_the_other(as_user):
    postgres_only()
    clinic = factories.clinic()
    admins = [factories.user(clinic, "admin"), factories.user(clinic, "admin")]
    # Read while the clinic has the defaults: no row to lock.
    saves = two_saves_from_one_read([as_user(admin) for admin in admins])
    # Both are held just before they insert; the second insert waits on the first's
    # key until it commits, then finds it taken.
    responses = race(
        saves,
        ClinicPushSchedule,
        "before_insert",
    )
    assert sorted(r.status_code for r in responses) == [200, 409]
    winner = next(r for r in responses if r.status_code == 200).get_json()
    loser = next(r for r in responses if r.status_code == 409)
    assert loser.mimetype == "application/problem+json"
    assert "version" in loser.get_json()["errors"]
    with db.engine.connect() as connection:
        stored = connection.scalars(select(ClinicPushSchedule.session_prompts)).all()
    assert stored == [winner["session_prompts"]]
