"""Reading and writing the safety plan. Functions flush, never commit."""

import json
import uuid

from sqlalchemy import select

from server.auth.models import User
from server.db import insert_first, utcnow
from server.errors import stale
from server.extensions import db
from server.safetyplan.models import SECTIONS, SafetyPlan


def empty() -> dict:
    return {
        "sections": {name: [] for name in SECTIONS},
        "shared": False,
        "version": 0,
        "updated_at": None,
    }


def view(plan: SafetyPlan | None) -> dict:
    if plan is None:
        return empty()
    stored = json.loads(plan.sections_json)
    return {
        "sections": {name: list(stored.get(name, [])) for name in SECTIONS},
        "shared": plan.shared,
        "version": plan.version,
        "updated_at": plan.updated_at,
    }


def plan_of(patient_id: uuid.UUID) -> SafetyPlan | None:
    return db.session.scalar(select(SafetyPlan).where(SafetyPlan.patient_id == patient_id))


def _clean(sections: dict) -> dict:
    return {
        name: [line.strip() for line in sections.get(name, []) if line.strip()] for name in SECTIONS
    }


def save(patient: User, data: dict) -> tuple[SafetyPlan, bool]:
    """Write the whole plan; returns `(plan, sharing_changed)`.

    `version` must be the one read (0 for the first plan). Sending the plan
    just written again (same words, the version before) answers the stored
    plan: a replayed request changes nothing.
    """
    sections = _clean(data["sections"])
    text = json.dumps(sections, sort_keys=True)
    plan = plan_of(patient.id)
    if (
        plan is not None
        and data["version"] == plan.version - 1
        and plan.sections_json == text
        and plan.shared == data["shared"]
    ):
        return plan, False
    current = plan.version if plan is not None else 0
    if data["version"] != current:
        stale("The plan")
    if plan is None:
        plan = SafetyPlan(id=uuid.uuid4(), patient_id=patient.id, shared=data["shared"])
        plan.sections_json = text
        insert_first(db.session, plan, "The plan")
        return plan, plan.shared
    changed = plan.shared != data["shared"]
    plan.sections_json = text
    plan.shared = data["shared"]
    plan.updated_at = utcnow()
    db.session.flush()
    return plan, changed
