"""A patient's timeline: what they shared and their sessions, newest first."""

from datetime import datetime, timedelta

from sqlalchemy import select

from server.audit.models import AuditEvent
from server.extensions import db
from server.readside.timeline import timeline
from tests import factories
from tests.readside.world import NOW, PRIVATE_BODY, PRIVATE_NOTE, local


def _url(patient) -> str:
    return f"/api/v1/patients/{patient.id}/timeline"


def _get(client, patient, **query):
    response = client.get(_url(patient), query_string=query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _ids(items) -> list[str]:
    return [item["id"] for item in items]


def _expected(world) -> list[str]:
    s, c, e, r = world.sessions, world.checkins, world.entries, world.responses
    newest_first = [
        s["k3"],  # booked ahead: no `until` by default
        s["i3"],
        c["d0"],
        c["d2b"],
        s["cancelled"],
        r["d2_phq9"],
        c["d2a"],
        e["d3_discuss"],
        e["d4_prompt"],
        r["d4_gad7"],
        c["d5"],
        s["k2"],
        s["i2"],  # where the window starts
    ]
    return [str(item.id) for item in newest_first]


def test_the_timeline_opens_on_the_last_integration_session(as_user, therapist, world, frozen):
    page = _get(as_user(therapist), world.patient)
    assert datetime.fromisoformat(page["since"]) == world.sessions["i2"].scheduled_at
    assert page["until"] is None and page["next_cursor"] is None
    assert _ids(page["items"]) == _expected(world)


def test_items_read_as_the_patient_shared_them(as_user, therapist, world, frozen):
    items = {item["id"]: item for item in _get(as_user(therapist), world.patient)["items"]}
    checkin = items[str(world.checkins["d5"].id)]
    assert checkin["type"] == "checkin" and checkin["read"] is False
    assert checkin["note"] == "The session stirred up a lot."
    assert (checkin["mood"], checkin["anxiety"], checkin["emotions"]) == (
        3,
        7,
        ["overwhelmed", "tender"],
    )
    # The time as the patient lived it: 20:00 in New York, with its offset.
    assert checkin["at"] == checkin["recorded_at"] == "2025-06-10T20:00:00-04:00"
    entry = items[str(world.entries["d4_prompt"].id)]
    assert entry["body"] == "The music, mostly, and a feeling of being held."
    assert entry["prompt_text"] == "What stayed with you from the session?"
    assert entry["ketamine_session_id"] == str(world.sessions["k2"].id)
    response = items[str(world.responses["d2_phq9"].id)]
    assert (response["instrument"], response["total"], response["severity"]) == ("phq9", 7, "mild")
    assert response["answers"] == [1, 1, 1, 1, 1, 1, 1, 0, 0]
    dose = items[str(world.sessions["k2"].id)]
    assert (dose["type"], dose["route"], dose["dose_mg"], dose["status"]) == (
        "ketamine_session",
        "im",
        35.0,
        "completed",
    )
    assert dose["read"] is None
    assert items[str(world.sessions["cancelled"].id)]["status"] == "cancelled"


def test_private_items_never_appear(as_user, therapist, world, frozen):
    page = _get(as_user(therapist), world.patient, since=local(30, 0).isoformat())
    text = str(page)
    assert PRIVATE_NOTE not in text and PRIVATE_BODY not in text
    private = {
        str(world.checkins["d1_private"].id),
        str(world.checkins["d0_private"].id),
        str(world.entries["d1_private"].id),
        str(world.responses["d1_private"].id),
    }
    assert private.isdisjoint(_ids(page["items"]))
    assert str(world.entries["d10"].id) in _ids(page["items"])


def test_since_and_until_choose_the_range(as_user, therapist, world):
    page = _get(
        as_user(therapist),
        world.patient,
        since=local(5, 0).isoformat(),
        until=local(2, 12).isoformat(),
    )
    w = world
    assert _ids(page["items"]) == [
        str(w.checkins["d2a"].id),
        str(w.entries["d3_discuss"].id),
        str(w.entries["d4_prompt"].id),
        str(w.responses["d4_gad7"].id),
        str(w.checkins["d5"].id),
        str(w.sessions["k2"].id),
    ]
    response = as_user(therapist).get(
        _url(world.patient),
        query_string={"since": local(2, 0).isoformat(), "until": local(3, 0).isoformat()},
    )
    assert response.status_code == 422 and "until" in response.get_json()["errors"]


def test_without_an_integration_session_it_opens_thirty_days_back(
    as_user, clinic, therapist, frozen
):
    patient = factories.user(clinic, "patient", therapist=therapist)
    factories.checkin(patient, recorded_at=NOW - timedelta(days=31))
    recent = factories.checkin(patient, recorded_at=NOW - timedelta(days=29))
    page = _get(as_user(therapist), patient)
    assert datetime.fromisoformat(page["since"]) == NOW - timedelta(days=30)
    assert _ids(page["items"]) == [str(recent.id)]


def test_pages_follow_each_other_without_gaps_or_repeats(as_user, therapist, world, frozen):
    client = as_user(therapist)
    seen, cursor = [], None
    for _ in range(4):
        query = {"limit": 4} | ({"cursor": cursor} if cursor else {})
        page = _get(client, world.patient, **query)
        seen += _ids(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == _expected(world)
    # The cursor hides the time it points at, and is bound to this reader and patient.
    first = _get(client, world.patient, limit=1)["next_cursor"]
    assert "2025" not in first


def test_a_cursor_works_only_where_it_was_made(as_user, clinic, therapist, world, frozen):
    client = as_user(therapist)
    cursor = _get(client, world.patient, limit=2)["next_cursor"]
    other = factories.user(clinic, "patient", therapist=therapist)
    response = client.get(_url(other), query_string={"cursor": cursor})
    assert response.status_code == 422 and "cursor" in response.get_json()["errors"]
    response = client.get(_url(world.patient), query_string={"cursor": "not-a-cursor"})
    assert response.status_code == 422


def test_ties_at_one_instant_keep_a_stable_order_across_pages(as_user, clinic, therapist):
    patient = factories.user(clinic, "patient", therapist=therapist)
    at = NOW - timedelta(days=1)
    made = [factories.checkin(patient, recorded_at=at) for _ in range(3)]
    made += [factories.entry(patient, written_at=at) for _ in range(3)]
    client = as_user(therapist)
    whole = _ids(_get(client, patient, since=(at - timedelta(hours=1)).isoformat())["items"])
    assert sorted(whole) == sorted(str(item.id) for item in made)
    paged, cursor = [], None
    while True:
        query = {"since": (at - timedelta(hours=1)).isoformat(), "limit": 2}
        page = _get(client, patient, **query | ({"cursor": cursor} if cursor else {}))
        paged += _ids(page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert paged == whole


def test_read_marks_show_on_the_timeline(as_user, therapist, world, frozen):
    client = as_user(therapist)
    entry = world.entries["d3_discuss"]
    assert client.post(f"/api/v1/entries/{entry.id}/read").status_code == 204
    items = {item["id"]: item for item in _get(client, world.patient)["items"]}
    assert items[str(entry.id)]["read"] is True
    assert items[str(world.entries["d4_prompt"].id)]["read"] is False


def test_an_unshared_item_disappears_at_once(as_user, therapist, world, frozen):
    client = as_user(therapist)
    response = world.responses["d2_phq9"]
    assert str(response.id) in _ids(_get(client, world.patient)["items"])
    answer = as_user(world.patient).patch(
        f"/api/v1/measures/responses/{response.id}", json={"version": 1, "shared": False}
    )
    assert answer.status_code == 200, answer.get_json()
    assert str(response.id) not in _ids(_get(client, world.patient)["items"])


def test_reading_the_timeline_is_audited(as_user, therapist, world):
    _get(as_user(therapist), world.patient)
    (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "timeline_read"))
    assert (event.actor_id, event.patient_id) == (therapist.id, world.patient.id)


def _history(patient, therapist, days: int) -> None:
    start = NOW - timedelta(days=days)
    for day in range(days):
        at = start + timedelta(days=day)
        factories.checkin(patient, recorded_at=at, note="a line", shared=day % 4 != 0)
        if day % 3 == 0:
            factories.entry(patient, written_at=at + timedelta(hours=2))
        if day % 7 == 0:
            factories.measure_response(patient, "phq9", completed_at=at + timedelta(hours=3))
        if day % 10 == 0:
            factories.ketamine_session(patient, scheduled_at=at + timedelta(hours=4))
            factories.integration_session(patient, therapist, scheduled_at=at + timedelta(days=2))


def test_the_timeline_costs_the_same_statements_for_a_short_or_long_history(
    as_user, clinic, therapist, count_statements, frozen
):
    short = factories.user(clinic, "patient", therapist=therapist)
    long = factories.user(clinic, "patient", therapist=therapist)
    _history(short, therapist, 3)
    _history(long, therapist, 120)
    client = as_user(therapist)

    def cost(patient, **query):
        with count_statements() as statements:
            page = _get(client, patient, **query)
        return len(statements), page

    since = (NOW - timedelta(days=200)).isoformat()
    few, page = cost(short, since=since)
    assert len(page["items"]) < 50
    many, page = cost(long, since=since)
    assert len(page["items"]) == 50 and page["next_cursor"]
    assert many == few
    assert cost(long, since=since, cursor=page["next_cursor"])[0] == few
    # Without `since`, one more statement finds the last integration session.
    assert cost(long)[0] == cost(short)[0] == few + 1


def test_the_timeline_is_dumped_as_its_schema_says(as_user, therapist, world, frozen):
    """The route dumps with a compiled TimelineSchema (for speed); the schema is the contract."""
    from server.readside.schemas import TimelineSchema

    db.session.expire_all()  # read back as stored, as the request does
    since = NOW - timedelta(days=400)
    expected = TimelineSchema().dump(timeline(therapist, world.patient, since=since))
    kinds = {item["type"] for item in expected["items"]}
    assert kinds == {
        "checkin",
        "entry",
        "measure_response",
        "ketamine_session",
        "integration_session",
    }
    assert expected["next_cursor"] is None
    assert _get(as_user(therapist), world.patient, since=since.isoformat()) == expected
