"""The session brief: everything for the next integration session on one page."""

import uuid
from datetime import datetime

from sqlalchemy import func, or_, select

from server.auth.models import User
from server.care import queries as care_queries
from server.care.models import DosingSession, IntegrationSession
from server.care.phase import phase_at
from server.companion import queries as companion_queries
from server.db import utcnow
from server.extensions import db
from server.flags import queries as flag_queries
from server.flags.services import ITEM9_INDEX
from server.items import visible_to_care_team
from server.journal.models import CheckIn, JournalEntry
from server.measures import queries as measure_queries
from server.measures import scoring
from server.measures.models import MeasureResponse
from server.readside.items import (
    checkin_item,
    entries,
    ketamine_item,
    read_mark,
    responses,
    sessions,
    timeline_key,
)
from server.readside.models import ReadMark
from server.readside.scales import checkin_summary
from server.readside.sql import fetch_rows
from server.readside.window import DEFAULT_WINDOW

#: Dosing sessions the brief lists ahead of now.
UPCOMING_DOSING = 3
#: Check-in notes the brief lists (the newest), so a long window still prints.
BRIEF_CHECKIN_NOTES = 50


def brief(therapist: User, patient: User, *, now: datetime | None = None) -> dict:
    """Everything for the next integration session on one page; twenty-four statements.

    (Fewer when the patient has shared no questionnaire; never more with a
    longer history: tests/readside/test_brief.py counts them.)

    - `patient`: id, name, time zone and phase now.
    - `window`: `since` the last integration session (or DEFAULT_WINDOW),
      `until` now, and that session and the next one.
    - `discuss_next_session`: shared items in the window the patient marked
      to discuss, newest first, whatever their kind.
    - `entries`: the other shared entries in the window, with their prompts.
    - `checkin_notes`: the other shared check-ins in the window with a note,
      newest first, at most BRIEF_CHECKIN_NOTES; `checkin_notes_more` counts
      the older ones left out.
    - `mood`: average, lowest and highest mood of the window's shared
      check-ins, a daily series (every local day, None without a check-in),
      and the same figures for the previous window (from the integration
      session before, or as long again before `since`) with the change.
    - `checkins`: mood, sleep, anxiety and energy of the window's shared
      check-ins (range, average, daily averages), the latest check-in as
      recorded, the dose days, and the days without a shared check-in
      (`server.readside.scales`).
    - `scores`: per instrument, the latest shared response with severity,
      change from baseline and markers (`server.measures.queries`).
    - `sessions`: dosing sessions in the window and the next ones ahead.
    - `flags`: open visible flags, urgent first (the brief opens with them);
      a flag's source, its time and item-9 level are named only while it is
      shared.
    - `acknowledged_flags`: visible flags acknowledged since the window
      began, newest acknowledgement first, with the outcome and note.
    - `doses`: per dose, the next one and the latest ones, the checklist
      status and what the patient shared of it: intention, what they wrote
      back, the check after the dose (`server.companion.queries`; seven).
    - `last_dose`: the latest of those at or before now, or None.
    """
    now = now or utcnow()
    last_two = list(
        db.session.scalars(care_queries.latest_first(IntegrationSession, patient.id, now).limit(2))
    )
    last = last_two[0] if last_two else None
    since = last.scheduled_at if last else now - DEFAULT_WINDOW
    previous_since = last_two[1].scheduled_at if len(last_two) > 1 else since - (now - since)
    upcoming = care_queries.next_integration_session(patient.id, now)
    phase = phase_at(patient, now)

    discussed, checkin_notes, more_notes = _brief_checkins(therapist, patient.id, since)
    listed = entries(therapist, patient.id, [JournalEntry.written_at >= since])
    discussed += [entry for entry in listed if entry["discuss_next_session"]]
    discussed += responses(
        therapist,
        patient.id,
        [MeasureResponse.completed_at >= since, MeasureResponse.discuss_next_session.is_(True)],
    )
    discussed.sort(key=timeline_key, reverse=True)

    dosing = sessions(
        DosingSession, ketamine_item, patient.id, [DosingSession.scheduled_at >= since]
    )
    dosing.reverse()  # oldest first: the order they take place in
    in_window = [item for item in dosing if item["at"] <= now]
    mood, checkins = checkin_summary(
        patient,
        previous_since,
        since,
        now,
        [item["at"] for item in in_window if item["status"] != "cancelled"],
    )
    doses = companion_queries.care_team_view(patient, now)
    return {
        "patient": {
            "id": patient.id,
            "display_name": patient.display_name,
            "time_zone": patient.time_zone,
            "phase": phase.name,
        },
        "window": {
            "since": since,
            "until": now,
            "last_integration_session": last,
            "next_integration_session": upcoming,
        },
        "discuss_next_session": discussed,
        "entries": [entry for entry in listed if not entry["discuss_next_session"]],
        "checkin_notes": checkin_notes,
        "checkin_notes_more": more_notes,
        "mood": mood,
        "checkins": checkins,
        "scores": _latest_scores(patient.id),
        "sessions": {
            "in_window": in_window,
            "upcoming": [
                item for item in dosing if item["at"] > now and item["status"] == "scheduled"
            ][:UPCOMING_DOSING],
        },
        "flags": flag_queries.patient_flags([patient.id], open_only=True),
        "doses": doses,
        "last_dose": next((dose for dose in doses if dose["scheduled_at"] <= now), None),
        "acknowledged_flags": flag_queries.acknowledged_since([patient.id], since),
    }


def _brief_checkins(therapist: User, patient_id: uuid.UUID, since: datetime):
    """The window's shared check-ins to discuss, and the newest others with a note; one statement.

    Returns (to discuss, with a note, how many more with a note). Each check-in
    is ranked within its kind (to discuss or not) by a window function, so the
    notes are capped in SQL and counted without a second statement. An empty
    note is stored as no ciphertext (`server.journal.services`).
    """
    newest_first = (CheckIn.recorded_at.desc(), CheckIn.id.desc())
    kind = CheckIn.discuss_next_session
    ranked = (
        select(
            CheckIn.id,
            func.row_number().over(partition_by=kind, order_by=newest_first).label("rank"),
            func.count().over(partition_by=kind).label("of_kind"),
        )
        .where(
            CheckIn.patient_id == patient_id,
            visible_to_care_team(CheckIn),
            CheckIn.recorded_at >= since,
            or_(kind.is_(True), CheckIn.note_ciphertext.is_not(None)),
        )
        .subquery()
    )
    statement = (
        select(CheckIn, ReadMark.read_at, ranked.c.of_kind)
        .join(ranked, ranked.c.id == CheckIn.id)
        .outerjoin(ReadMark, read_mark(therapist, "checkin", CheckIn))
        .where(or_(kind.is_(True), ranked.c.rank <= BRIEF_CHECKIN_NOTES))
        .order_by(*newest_first)
    )
    discussed, notes, noted = [], [], 0
    for checkin, read_at, of_kind in db.session.execute(statement).all():
        if checkin.discuss_next_session:
            discussed.append(checkin_item(checkin, read_at))
        else:
            notes.append(checkin_item(checkin, read_at))
            noted = of_kind
    return discussed, notes, max(noted - BRIEF_CHECKIN_NOTES, 0)


def _latest_scores(patient_id: uuid.UUID) -> list[dict]:
    """The latest shared response of each instrument, with its trend; five statements.

    (One when the patient has shared none.) The trend figures come from
    `server.measures.queries.score_trends`, asked only for the responses
    since the oldest of the latest ones: it computes baselines and previous
    totals over the whole history either way, and a year of weekly
    questionnaires need not be loaded to show the last of each.
    """
    latest_times = fetch_rows(
        select(func.max(MeasureResponse.completed_at))
        .where(MeasureResponse.patient_id == patient_id, visible_to_care_team(MeasureResponse))
        .group_by(MeasureResponse.instrument)
    )
    if not latest_times:
        return []
    since = min(at for (at,) in latest_times)
    history = measure_queries.score_trends([patient_id], since=since)[patient_id]
    latest = {}
    for item in history:  # oldest first, so the last one of each instrument wins
        latest[item["instrument"]] = item
    return [
        {
            "instrument": name,
            "response_id": item["id"],
            "completed_at": item["completed_at"],
            "total": item["total"],
            "previous_total": item["previous_total"],
            "severity": item["severity"],
            "threshold": item["threshold"],
            "baseline_total": item["baseline_total"],
            "change_from_baseline": item["change_from_baseline"],
            "markers": item["markers"],
            "answers": item["answers"],
            "item9_level": item["answers"][ITEM9_INDEX] if name == "phq9" else None,
            "item9_words": (
                flag_queries.item9_words(item["answers"][ITEM9_INDEX]) if name == "phq9" else None
            ),
        }
        for name, item in ((name, latest[name]) for name in scoring.INSTRUMENTS if name in latest)
    ]
