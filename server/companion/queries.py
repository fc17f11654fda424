"""What the patient's Today screen and the care team's brief read of the companion.

`summary` answers the patient in a fixed number of statements: sessions
ahead, the next dosing session's checklist and intention, the intention
coming back after a dose, the check after a dose when it is due, and
whether today is a dosing day. `doses_for_brief` answers the therapist.
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from server.auth.models import User
from server.care.models import DosingSession, IntegrationSession
from server.care.queries import took_place
from server.clinics.models import Clinic
from server.companion import checklist
from server.companion.models import (
    AfterDoseCheck,
    ChecklistTick,
    Intention,
    IntentionReflection,
)
from server.companion.schedule import DOSING_DAY_WAIT, NEXT_DAY_CHECK_OPEN, next_day_check_due
from server.extensions import db
from server.fields import zone

#: How far ahead the list of sessions reaches, and how many it shows.
UPCOMING_WINDOW = timedelta(days=90)
UPCOMING_MAX = 10
#: A session still counts as "ahead" (today's card) until this long after it starts.
STILL_AHEAD = timedelta(hours=6)
#: The intention comes back in the days after its dose for this long.
INTENTION_RETURNS_FOR = timedelta(days=7)


@dataclass
class Summary:
    upcoming: list[dict] = field(default_factory=list)
    next_dosing: dict | None = None
    next_integration: dict | None = None
    checklist: list[dict] | None = None
    intention: Intention | None = None
    intention_back: dict | None = None
    after_dose_check: dict | None = None
    dosing_day: dict | None = None
    clinic_name: str = ""
    clinic_phone: str | None = None


def _session_view(session, kind: str, clinic_name: str) -> dict:
    view = {
        "id": session.id,
        "kind": kind,
        "scheduled_at": session.scheduled_at,
        "status": session.status,
    }
    if kind == "dosing":
        view |= {
            "route": session.route,
            "setting": session.setting,
            "place": "At home" if session.setting == "home" else clinic_name,
        }
    else:
        view |= {"place": clinic_name, "duration_minutes": session.duration_minutes}
    return view


def _booked_between(model, patient_id, start: datetime, end: datetime) -> list:
    """The patient's sessions of `model` not cancelled, from `start` to before `end`, in order."""
    return list(
        db.session.scalars(
            select(model)
            .where(
                model.patient_id == patient_id,
                model.status != "cancelled",
                model.scheduled_at >= start,
                model.scheduled_at < end,
            )
            .order_by(model.scheduled_at, model.id)
        )
    )


def summary(patient: User, now: datetime) -> Summary:
    """The companion's part of the patient's Today screen at `now` (seven statements)."""
    clinic = db.session.get(Clinic, patient.clinic_id)
    result = Summary(clinic_name=clinic.name, clinic_phone=clinic.phone)
    looking_back = max(INTENTION_RETURNS_FOR, NEXT_DAY_CHECK_OPEN)
    end = now + UPCOMING_WINDOW
    dosing = _booked_between(DosingSession, patient.id, now - looking_back, end)
    integration = _booked_between(IntegrationSession, patient.id, now - STILL_AHEAD, end)
    ahead_dosing = [s for s in dosing if s.scheduled_at >= now - STILL_AHEAD]
    past_dosing = [s for s in dosing if s.scheduled_at <= now]
    views = [_session_view(s, "dosing", clinic.name) for s in ahead_dosing]
    views += [_session_view(s, "integration", clinic.name) for s in integration]
    views.sort(key=lambda view: view["scheduled_at"])
    result.upcoming = views[:UPCOMING_MAX]
    if ahead_dosing:
        result.next_dosing = _session_view(ahead_dosing[0], "dosing", clinic.name)
    if integration:
        result.next_integration = _session_view(integration[0], "integration", clinic.name)

    session_ids = [s.id for s in dosing]
    intentions = {
        row.ketamine_session_id: row
        for row in db.session.scalars(
            select(Intention).where(Intention.ketamine_session_id.in_(session_ids))
        )
    }
    checks = set(
        db.session.scalars(
            select(AfterDoseCheck.ketamine_session_id).where(
                AfterDoseCheck.ketamine_session_id.in_(session_ids)
            )
        )
    )

    if ahead_dosing:
        upcoming = ahead_dosing[0]
        ticked = checklist.ticked_keys([upcoming.id])[upcoming.id]
        result.checklist = checklist.status(
            upcoming, checklist.clinic_items(patient.clinic_id), ticked
        )
        result.intention = intentions.get(upcoming.id)

    tz = zone(patient.time_zone)
    today = now.astimezone(tz).date()
    todays = [s for s in dosing if s.scheduled_at.astimezone(tz).date() == today]
    if todays:
        session = todays[-1] if todays[-1].scheduled_at <= now else todays[0]
        result.dosing_day = {
            "ketamine_session_id": session.id,
            "scheduled_at": session.scheduled_at,
            "prompts_from": session.scheduled_at + DOSING_DAY_WAIT,
        }

    if past_dosing:
        last = past_dosing[-1]
        intention = intentions.get(last.id)
        if intention is not None and now - last.scheduled_at < INTENTION_RETURNS_FOR:
            result.intention_back = {"intention": intention, "ketamine_session_id": last.id}
        for session in reversed(past_dosing):
            due = next_day_check_due(session.scheduled_at, patient)
            if session.id in checks or now - session.scheduled_at >= NEXT_DAY_CHECK_OPEN:
                continue
            if due <= now:
                result.after_dose_check = {
                    "ketamine_session_id": session.id,
                    "scheduled_at": session.scheduled_at,
                    "due_at": due,
                }
            break
    return result


def own_intentions(patient_id: uuid.UUID) -> list[tuple[Intention, list[IntentionReflection]]]:
    """The patient's intentions, newest first, each with what they wrote back (two statements)."""
    intentions = list(
        db.session.scalars(
            select(Intention)
            .where(Intention.patient_id == patient_id)
            .order_by(Intention.written_at.desc(), Intention.id)
        )
    )
    reflections: dict[uuid.UUID, list[IntentionReflection]] = {i.id: [] for i in intentions}
    if intentions:
        for row in db.session.scalars(
            select(IntentionReflection)
            .where(IntentionReflection.intention_id.in_(list(reflections)))
            .order_by(IntentionReflection.written_at, IntentionReflection.id)
        ):
            reflections[row.intention_id].append(row)
    return [(intention, reflections[intention.id]) for intention in intentions]


def own_checks(patient_id: uuid.UUID) -> list[AfterDoseCheck]:
    """The patient's checks after a dose, newest first (one statement)."""
    return list(
        db.session.scalars(
            select(AfterDoseCheck)
            .where(AfterDoseCheck.patient_id == patient_id)
            .order_by(AfterDoseCheck.answered_at.desc(), AfterDoseCheck.id)
        )
    )


#: How many doses the care team's view shows: the next one and the latest past ones.
CARE_TEAM_DOSES = 6


def care_team_view(patient: User, now: datetime) -> list[dict]:
    """Per dose, newest first: the next dosing session and the latest ones before `now`.

    Each dose carries its checklist status, and what the patient shared of
    it: the intention, what they wrote back about it, the check after the
    dose. Private items are left out entirely (None or absent, never
    counted). Seven statements whatever the history.
    """
    next_one = db.session.scalars(
        select(DosingSession)
        .where(
            DosingSession.patient_id == patient.id,
            DosingSession.status != "cancelled",
            DosingSession.scheduled_at > now,
        )
        .order_by(DosingSession.scheduled_at, DosingSession.id)
        .limit(1)
    ).first()
    past = list(
        db.session.scalars(
            select(DosingSession)
            .where(
                DosingSession.patient_id == patient.id,
                took_place(DosingSession, now),
            )
            .order_by(DosingSession.scheduled_at.desc(), DosingSession.id)
            .limit(CARE_TEAM_DOSES - 1)
        )
    )
    sessions = ([next_one] if next_one is not None else []) + past
    ids = [s.id for s in sessions]
    intentions = {
        row.ketamine_session_id: row
        for row in db.session.scalars(
            select(Intention).where(
                Intention.ketamine_session_id.in_(ids), Intention.shared.is_(True)
            )
        )
    }
    reflections: dict[uuid.UUID, list[IntentionReflection]] = {}
    for row in db.session.scalars(
        select(IntentionReflection)
        .join(Intention, Intention.id == IntentionReflection.intention_id)
        .where(
            Intention.ketamine_session_id.in_(ids),
            Intention.shared.is_(True),
            IntentionReflection.shared.is_(True),
        )
        .order_by(IntentionReflection.written_at, IntentionReflection.id)
    ):
        reflections.setdefault(row.intention_id, []).append(row)
    checks = {
        row.ketamine_session_id: row
        for row in db.session.scalars(
            select(AfterDoseCheck).where(
                AfterDoseCheck.ketamine_session_id.in_(ids), AfterDoseCheck.shared.is_(True)
            )
        )
    }
    ticked = checklist.ticked_keys(ids)
    items = checklist.clinic_items(patient.clinic_id)
    doses = []
    for session in sessions:
        status = checklist.status(session, items, ticked[session.id])
        intention = intentions.get(session.id)
        check = checks.get(session.id)
        doses.append(
            {
                "ketamine_session_id": session.id,
                "scheduled_at": session.scheduled_at,
                "route": session.route,
                "dose_mg": session.dose_mg,
                "setting": session.setting,
                "status": session.status,
                "intention": _text(intention) if intention else None,
                "reflections": [_text(r) for r in reflections.get(intention.id, [])]
                if intention
                else [],
                "checklist": status,
                "checklist_open": sum(1 for item in status if not item["done"]),
                "after_dose_check": _check(check) if check else None,
            }
        )
    return doses


def _text(item) -> dict:
    return {"id": item.id, "body": item.body, "written_at": item.written_at_local}


def _check(check: AfterDoseCheck) -> dict:
    return {
        "id": check.id,
        "answered_at": check.answered_at_local,
        "answers": check.answers,
        "alerts": list(check.alerts),
        "red": check.red,
    }


#: The caseload shows what is not ticked once the next dose is this close.
CHECKLIST_SHOWN_BEFORE = timedelta(days=2)


def open_checklist_counts(
    clinic_id: uuid.UUID, sessions: list[tuple[uuid.UUID, datetime | None]], now: datetime
) -> dict[uuid.UUID, int]:
    """Items not ticked, per next dosing session `(id, scheduled_at)` that is at most
    CHECKLIST_SHOWN_BEFORE away; sessions further off are absent. Two statements always."""
    near = [sid for sid, at in sessions if at is not None and at - now <= CHECKLIST_SHOWN_BEFORE]
    items = checklist.clinic_items(clinic_id)
    rows = db.session.execute(
        select(DosingSession.id, DosingSession.setting, ChecklistTick.item_key)
        .outerjoin(ChecklistTick, ChecklistTick.ketamine_session_id == DosingSession.id)
        .where(DosingSession.id.in_(near))
    ).all()
    ticked: dict[uuid.UUID, set[str]] = {}
    settings: dict[uuid.UUID, str] = {}
    for session_id, setting, key in rows:
        settings[session_id] = setting
        ticked.setdefault(session_id, set())
        if key is not None:
            ticked[session_id].add(key)
    counts = {}
    for session_id, setting in settings.items():
        keys = {item["key"] for item in checklist.items_for_setting(setting, items)}
        counts[session_id] = len(keys - ticked[session_id])
    return counts


def export_for(patient_id: uuid.UUID) -> dict:
    """The patient's companion items for their own export, oldest first (four statements)."""
    intentions = sorted(
        own_intentions(patient_id), key=lambda pair: (pair[0].written_at, pair[0].id)
    )
    ticks = db.session.scalars(
        select(ChecklistTick)
        .where(ChecklistTick.patient_id == patient_id)
        .order_by(ChecklistTick.ticked_at, ChecklistTick.item_key)
    )
    return {
        "intentions": [intention for intention, _ in intentions],
        "intention_reflections": [r for _, reflections in intentions for r in reflections],
        "after_dose_checks": list(reversed(own_checks(patient_id))),
        "checklist_ticks": list(ticks),
    }
