"""What the flags feature does when other features report: `init_app` connects it.

Flags judges the other features' items, so it imports them (downward) and
listens to their signals; they never call flags. New items and items
shared later (check-ins, questionnaire responses, checks after a dose) run
the rules; a patient deleting their account leaves the care team a notice;
the scans that depend on time passing run in the push worker's loop; a
questionnaire response shows the flags it raised
(`server.measures.queries.provide_flag_kinds`).
"""

from datetime import timedelta

from flask import Flask

from server.auth.models import User
from server.companion.models import AfterDoseCheck
from server.extensions import db
from server.flags import checkin_rules, measure_rules, notices, queries, tasks
from server.flags.services import raise_flag
from server.journal.models import CheckIn
from server.measures import queries as measure_queries
from server.measures.models import MeasureResponse
from server.push import worker
from server.signals import account_deleting, item_created, item_shared

#: How often the flags' scans run (missed check-ins, escalation, old notices).
FLAG_SCAN_EVERY = timedelta(minutes=10)


def init_app(app: Flask) -> None:
    """Connect the flags' receivers (idempotent: blinker keeps one connection each)."""
    item_created.connect(on_item_created)
    item_shared.connect(on_item_shared)
    account_deleting.connect(notices.on_account_deleting)
    worker.add_periodic_task(app, worker.PeriodicTask("flag scans", FLAG_SCAN_EVERY, tasks.run))
    measure_queries.provide_flag_kinds(app, queries.measure_flag_kinds)


def on_item_created(item, **_):
    if isinstance(item, CheckIn):
        checkin_rules.check_checkin(item)
    elif isinstance(item, MeasureResponse):
        measure_rules.check_response(item, _patient(item))
    elif isinstance(item, AfterDoseCheck):
        check_after_dose(item, _patient(item))


def on_item_shared(item, **_):
    """An item shared later runs the rules that read shared items (each cause once)."""
    if isinstance(item, CheckIn):
        checkin_rules.check_mood(item)
    elif isinstance(item, MeasureResponse):
        measure_rules.check_response(item, _patient(item))
    elif isinstance(item, AfterDoseCheck):
        check_after_dose(item, _patient(item))


def _patient(item) -> User:
    return db.session.get(User, item.patient_id)  # the caller: already loaded


def check_after_dose(check: AfterDoseCheck, patient: User) -> None:
    """Red answers: urgent, shared or private; repeated urinary symptoms: shared only.

    The care team must hear about chest pain or use outside the plan, as
    with the questionnaire's safety item. The flag points at the dose, not
    at the check: the care team sees which session to ask about, never an
    answer (and a private check stays unread).
    """
    common = {
        "patient_id": patient.id,
        "clinic_id": patient.clinic_id,
        "source_type": "ketamine_session",
        "source_id": check.ketamine_session_id,
    }
    if check.red:
        raise_flag("after_dose_red", dedupe_key=f"after_dose_red:{check.id}", **common)
    if "urinary_repeated" in check.alerts and check.shared:
        raise_flag("after_dose_urinary", dedupe_key=f"after_dose_urinary:{check.id}", **common)
