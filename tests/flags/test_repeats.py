"""No alarm fatigue: a repeat while a flag is open updates it; a worse one raises anew.

Through the API as the patient's app answers, and the care team's pushes as
the push feature queues them.
"""

import uuid
from datetime import timedelta

from sqlalchemy import func, select

from server.db import utcnow
from server.extensions import db
from server.flags.models import Flag
from server.push.models import Notification
from tests import factories

FLAGS = "/api/v1/flags"
START = utcnow() - timedelta(days=3)


def phq9(client, item9, *, shared=True, total_rest=0, hours=0):
    """A PHQ-9 with item 9 at `item9`; `total_rest` spread over the other items."""
    rest = [min(3, max(0, total_rest - 3 * i)) for i in range(8)]
    body = {
        "id": str(uuid.uuid4()),
        "answers": [*rest, item9],
        "shared": shared,
        "completed_at": (START + timedelta(hours=hours)).isoformat(),
    }
    answer = client.post("/api/v1/measures/phq9/responses", json=body)
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def urgent_flags(patient):
    return list(
        db.session.scalars(
            select(Flag)
            .where(Flag.patient_id == patient.id, Flag.kind == "phq9_item9")
            .order_by(Flag.raised_at)
            .execution_options(populate_existing=True)
        )
    )


def pushes(therapist):
    return db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == therapist.id, Notification.kind == "urgent_flag")
    )


def test_the_same_or_a_lower_item_9_level_updates_the_open_flag(as_user, therapist, patient):
    factories.push_subscription(therapist)
    app = as_user(patient)
    first = phq9(app, 2)
    again = phq9(app, 2, hours=24)
    lower = phq9(app, 1, hours=48)
    (flag,) = urgent_flags(patient)
    assert str(flag.source_id) == first["id"]
    assert flag.occurrences == 3 and str(flag.latest_source_id) == lower["id"]
    assert flag.last_seen_at == START + timedelta(hours=48)
    assert pushes(therapist) == 1  # one push, for the first
    (shown,) = as_user(therapist).get(FLAGS).get_json()["items"]
    assert shown["occurrences"] == 3
    assert shown["source_id"] == first["id"] and shown["latest_source_id"] == lower["id"]
    assert shown["item9_level"] == 2 and shown["item9_words"] == "more than half the days"
    assert again["id"] != lower["id"]


def test_a_higher_level_raises_a_new_urgent_flag_and_push(as_user, therapist, patient):
    factories.push_subscription(therapist)
    app = as_user(patient)
    phq9(app, 1)
    phq9(app, 3, hours=24)
    low, high = urgent_flags(patient)
    assert (low.level, high.level, low.occurrences, high.occurrences) == (1, 3, 1, 1)
    assert pushes(therapist) == 2
    # The next answer at 2 is within the open level-3 flag.
    phq9(app, 2, hours=48)
    assert [f.occurrences for f in urgent_flags(patient)] == [1, 2]


def test_any_answer_after_acknowledgement_raises_a_new_flag(as_user, therapist, patient):
    factories.push_subscription(therapist)
    app = as_user(patient)
    phq9(app, 3)
    (flag,) = urgent_flags(patient)
    done = as_user(therapist).post(
        f"{FLAGS}/{flag.id}/acknowledge", json={"outcome": "contacted_patient"}
    )
    assert done.status_code == 200
    phq9(app, 1, hours=24)
    old, new = urgent_flags(patient)
    assert old.acknowledged_at is not None and new.acknowledged_at is None
    assert new.level == 1 and pushes(therapist) == 2


def test_private_repeats_are_counted_without_showing_anything(as_user, therapist, patient):
    app = as_user(patient)
    phq9(app, 2, shared=False)
    private_repeat = phq9(app, 1, shared=False, hours=24)
    (shown,) = as_user(therapist).get(FLAGS).get_json()["items"]
    assert shown["severity"] == "urgent" and shown["occurrences"] == 2
    for hidden in ("source_id", "source_type", "source_at", "latest_source_id", "last_seen_at"):
        assert shown[hidden] is None, hidden
    assert shown["item9_level"] is None and shown["item9_words"] is None
    assert private_repeat["id"] not in str(shown)


def test_sharing_a_response_later_does_not_count_it_twice(as_user, therapist, patient):
    app = as_user(patient)
    phq9(app, 2, total_rest=24)
    repeat = phq9(app, 2, shared=False, total_rest=24, hours=24)
    shared = app.patch(
        f"/api/v1/measures/responses/{repeat['id']}", json={"version": 1, "shared": True}
    )
    assert shared.status_code == 200, shared.get_json()
    (flag,) = urgent_flags(patient)
    assert flag.occurrences == 2
    severe = db.session.scalars(select(Flag).where(Flag.kind == "phq9_severe")).all()
    assert [f.occurrences for f in severe] == [2]


def test_severe_scores_follow_the_same_shape(as_user, therapist, patient):
    app = as_user(patient)
    phq9(app, 0, total_rest=21)  # 21
    phq9(app, 0, total_rest=20, hours=24)  # 20: lower, updates
    phq9(app, 0, total_rest=24, hours=48)  # 24: higher, raises
    severe = db.session.scalars(
        select(Flag).where(Flag.kind == "phq9_severe").order_by(Flag.raised_at)
    ).all()
    assert [(f.level, f.occurrences) for f in severe] == [(21, 2), (24, 1)]
    assert not urgent_flags(patient)


def test_i_dont_feel_safe_check_ins_repeat_onto_the_open_flag(as_user, therapist, patient):
    factories.push_subscription(therapist)
    app = as_user(patient)
    for hours, shared in ((0, False), (20, False)):
        body = {
            "id": str(uuid.uuid4()),
            "recorded_at": (START + timedelta(hours=hours)).isoformat(),
            "mood": 2,
            "unsafe": True,
            "shared": shared,
            "note": "REPEAT-CANARY a private line",
        }
        assert app.post("/api/v1/checkins", json=body).status_code == 201
    (flag,) = db.session.scalars(select(Flag).where(Flag.kind == "unsafe_checkin")).all()
    assert flag.occurrences == 2 and pushes(therapist) == 1
    (shown,) = as_user(therapist).get(FLAGS).get_json()["items"]
    assert shown["severity"] == "urgent" and shown["source_id"] is None
    assert "REPEAT-CANARY" not in str(shown)
