"""The session brief: one page to prepare the next integration session."""

from datetime import datetime, timedelta

from sqlalchemy import select

from server.audit.models import AuditEvent
from server.extensions import db
from server.readside.brief import BRIEF_CHECKIN_NOTES, brief
from tests import factories
from tests.readside.world import NOW, PRIVATE_BODY, PRIVATE_NOTE, local, read_brief


def _ids(items) -> list[str]:
    return [item["id"] for item in items]


def test_the_brief_covers_the_time_since_the_last_integration_session(
    as_user, therapist, world, frozen
):
    brief = read_brief(as_user(therapist), world.patient)
    s = world.sessions
    assert brief["patient"] == {
        "id": str(world.patient.id),
        "display_name": "Ana Reyes",
        "time_zone": "America/New_York",
        "phase": "integration",
    }
    window = brief["window"]
    assert datetime.fromisoformat(window["since"]) == s["i2"].scheduled_at
    assert datetime.fromisoformat(window["until"]) == NOW
    # The cancelled session two days ago does not restart the window.
    assert window["last_integration_session"]["id"] == str(s["i2"].id)
    assert window["next_integration_session"]["id"] == str(s["i3"].id)


def test_what_the_patient_wants_to_discuss_comes_first(as_user, therapist, world, frozen):
    brief = read_brief(as_user(therapist), world.patient)
    # Every kind the patient marked, newest first.
    assert _ids(brief["discuss_next_session"]) == [
        str(world.entries["d3_discuss"].id),
        str(world.responses["d4_gad7"].id),
        str(world.checkins["d5"].id),
    ]
    assert brief["discuss_next_session"][0]["body"] == "I want to talk about my father."
    assert brief["discuss_next_session"][2]["note"] == "The session stirred up a lot."
    # The other shared entries of the window follow, with the prompt they answer;
    # the one from before the window and the private one do not.
    (entry,) = brief["entries"]
    assert entry["id"] == str(world.entries["d4_prompt"].id)
    assert entry["prompt_text"] == "What stayed with you from the session?"


def test_mood_against_the_previous_window(as_user, therapist, world, frozen):
    mood = read_brief(as_user(therapist), world.patient)["mood"]
    # Shared check-ins since day 6: 3, 4, 6, 7 (the private 2 and 1 are left out).
    assert (mood["average"], mood["min"], mood["max"], mood["checkin_count"]) == (5.0, 3, 7, 4)
    # Between the two integration sessions before (days 18 to 6): 2, 8, 6.
    previous = mood["previous"]
    assert (previous["average"], previous["min"], previous["max"]) == (5.33, 2, 8)
    assert datetime.fromisoformat(previous["since"]) == world.sessions["i1"].scheduled_at
    assert mood["change"] == -0.33
    # Every day of the window, the patient's days, null where nothing was shared.
    assert [(day["date"], day["average"]) for day in mood["days"]] == [
        ("2025-06-09", None),
        ("2025-06-10", 3.0),
        ("2025-06-11", None),
        ("2025-06-12", None),
        ("2025-06-13", 5.0),
        ("2025-06-14", None),
        ("2025-06-15", 7.0),
    ]
    assert mood["days"][4] == {
        "date": "2025-06-13",
        "average": 5.0,
        "min": 4,
        "max": 6,
        "checkin_count": 2,
    }


def test_scores_show_the_latest_shared_response_and_its_trend(as_user, therapist, world, frozen):
    shown = read_brief(as_user(therapist), world.patient)
    scores = {score["instrument"]: score for score in shown["scores"]}
    phq9 = scores["phq9"]
    assert phq9["response_id"] == str(world.responses["d2_phq9"].id)
    assert (phq9["total"], phq9["severity"]) == (7, "mild")
    assert (phq9["baseline_total"], phq9["change_from_baseline"]) == (16, -9)
    marked = phq9["markers"]
    assert (marked["response"], marked["remission"], marked["reliable_change"]) == (
        True,
        False,
        "improved",
    )
    # The private GAD-7 of 15 is newer, but the therapist sees the shared 8.
    gad7 = scores["gad7"]
    assert (gad7["response_id"], gad7["total"]) == (str(world.responses["d4_gad7"].id), 8)
    assert gad7["baseline_total"] is None
    assert "pcl5" not in scores


SLEPT = "Slept through the night for the first time in a while."


def test_shared_check_in_notes_follow_newest_first(as_user, therapist, world, frozen):
    patient = world.patient
    slept = factories.checkin(
        patient, recorded_at=local(3, 7), mood=6, sleep_quality=8, note=SLEPT, shared=True
    )
    walk = factories.checkin(
        patient, recorded_at=local(1, 18), mood=5, note="A long walk.", shared=True
    )
    # Before the window, without a note, and private: none of them.
    factories.checkin(patient, recorded_at=local(7, 9), note="Before the window.", shared=True)
    factories.checkin(patient, recorded_at=local(1, 12), mood=4, shared=True)
    factories.checkin(patient, recorded_at=local(1, 13), note=PRIVATE_NOTE, shared=False)
    client = as_user(therapist)
    assert client.post(f"/api/v1/checkins/{walk.id}/read").status_code in (200, 201, 204)

    brief = read_brief(client, patient)
    notes = brief["checkin_notes"]
    assert _ids(notes) == [str(walk.id), str(slept.id)]
    assert brief["checkin_notes_more"] == 0
    assert (notes[0]["note"], notes[0]["read"]) == ("A long walk.", True)
    assert notes[1]["note"] == SLEPT and notes[1]["read"] is False
    assert (notes[1]["mood"], notes[1]["sleep_quality"]) == (6, 8)
    assert datetime.fromisoformat(notes[1]["recorded_at"]) == local(3, 7)
    assert PRIVATE_NOTE not in str(brief) and "Before the window." not in str(brief)


def test_a_note_to_discuss_is_listed_once(as_user, therapist, world, frozen):
    brief = read_brief(as_user(therapist), world.patient)
    # Day 5's check-in has a note and is marked to discuss: listed there only.
    assert str(world.checkins["d5"].id) in _ids(brief["discuss_next_session"])
    assert brief["checkin_notes"] == [] and brief["checkin_notes_more"] == 0


def test_the_brief_lists_the_newest_notes_and_counts_the_rest(as_user, clinic, therapist, frozen):
    patient = factories.user(clinic, "patient", therapist=therapist)
    limit = BRIEF_CHECKIN_NOTES
    made = [
        factories.checkin(
            patient, recorded_at=NOW - timedelta(hours=hour + 1), note=f"Note {hour}", shared=True
        )
        for hour in range(limit + 2)
    ]
    # Private notes neither show nor count; the one to discuss is listed there instead.
    for minute in range(3):
        factories.checkin(
            patient, recorded_at=NOW - timedelta(minutes=minute + 1), note="Hidden.", shared=False
        )
    talk = factories.checkin(
        patient,
        recorded_at=NOW - timedelta(minutes=30),
        note="Talk.",
        discuss_next_session=True,
        shared=True,
    )
    brief = read_brief(as_user(therapist), patient)
    assert _ids(brief["checkin_notes"]) == [str(checkin.id) for checkin in made[:limit]]
    assert brief["checkin_notes_more"] == 2
    assert _ids(brief["discuss_next_session"]) == [str(talk.id)]
    assert "Hidden." not in str(brief)


def test_sessions_and_open_flags(as_user, therapist, world, frozen):
    brief = read_brief(as_user(therapist), world.patient)
    assert _ids(brief["sessions"]["in_window"]) == [str(world.sessions["k2"].id)]
    assert _ids(brief["sessions"]["upcoming"]) == [str(world.sessions["k3"].id)]
    flags = brief["flags"]
    assert [flag["kind"] for flag in flags] == ["phq9_item9", "phq9_severe"]
    assert flags[1]["source_id"] == str(world.responses["baseline"].id)


def test_nothing_private_reaches_theread_brief(as_user, therapist, world, frozen):
    brief = read_brief(as_user(therapist), world.patient)
    text = str(brief)
    assert PRIVATE_NOTE not in text and PRIVATE_BODY not in text
    for item in (world.responses["d1_private"], world.flags["private"]):
        assert str(item.id) not in text


def test_unsharing_takes_an_item_out_of_theread_brief(as_user, therapist, world, frozen):
    client = as_user(therapist)
    owner = as_user(world.patient)
    checkin = world.checkins["d5"]
    answer = owner.patch(f"/api/v1/checkins/{checkin.id}", json={"version": 1, "shared": False})
    assert answer.status_code == 200, answer.get_json()
    brief = read_brief(client, world.patient)
    assert str(checkin.id) not in _ids(brief["discuss_next_session"])
    assert brief["mood"]["checkin_count"] == 3 and brief["mood"]["min"] == 4


def test_a_new_patient_gets_an_emptyread_brief(as_user, clinic, therapist, frozen):
    patient = factories.user(clinic, "patient", therapist=therapist)
    brief = read_brief(as_user(therapist), patient)
    assert datetime.fromisoformat(brief["window"]["since"]) == NOW - timedelta(days=30)
    assert brief["discuss_next_session"] == brief["entries"] == brief["scores"] == []
    assert brief["mood"]["average"] is None and brief["mood"]["change"] is None
    assert len(brief["mood"]["days"]) == 31
    assert brief["flags"] == [] and brief["sessions"] == {"in_window": [], "upcoming": []}


def test_reading_the_brief_is_audited(as_user, therapist, world):
    read_brief(as_user(therapist), world.patient)
    (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "brief_read"))
    assert (event.actor_id, event.patient_id) == (therapist.id, world.patient.id)


def _history(patient, therapist, days: int) -> None:
    start = NOW - timedelta(days=days)
    for day in range(days):
        at = start + timedelta(days=day)
        factories.checkin(
            patient,
            recorded_at=at,
            discuss_next_session=day % 5 == 0,
            note=f"Day {day}." if day % 2 else None,
            shared=True,
        )
        if day % 3 == 0:
            factories.entry(patient, written_at=at + timedelta(hours=2), discuss_next_session=True)
        if day % 7 == 0:
            factories.measure_response(patient, "phq9", completed_at=at + timedelta(hours=3))
            factories.measure_response(patient, "gad7", completed_at=at + timedelta(hours=3))
        if day % 14 == 0:
            factories.ketamine_session(patient, scheduled_at=at + timedelta(hours=4))
            factories.integration_session(patient, therapist, scheduled_at=at + timedelta(days=3))
            factories.flag(patient, "phq9_severe", raised_at=at)


def test_the_brief_costs_the_same_statements_for_a_short_or_long_history(
    as_user, clinic, therapist, count_statements, frozen
):
    short = factories.user(clinic, "patient", therapist=therapist)
    long = factories.user(clinic, "patient", therapist=therapist)
    _history(short, therapist, 2)
    _history(long, therapist, 150)
    client = as_user(therapist)

    def cost(patient):
        with count_statements() as statements:
            read_brief(client, patient)
        return len(statements)

    assert cost(long) == cost(short)
    with count_statements() as statements:
        brief(therapist, long, now=NOW)
    assert len(statements) == 24  # the acknowledged flags are one


def test_the_brief_is_dumped_as_its_schema_says(as_user, therapist, world, frozen):
    """The route dumps with a compiled copy of BriefSchema (speed); the schema is the contract."""
    from server.readside.schemas import BriefSchema

    db.session.expire_all()  # read back as stored, as the request does
    result = brief(therapist, world.patient)
    expected = BriefSchema().dump(result)
    # The world fills every part: items of each kind, scores, sessions, flags.
    assert all(expected[part] for part in ("discuss_next_session", "entries", "scores", "flags"))
    assert expected["window"]["last_integration_session"] is not None
    assert read_brief(as_user(therapist), world.patient) == expected
