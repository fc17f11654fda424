"""Everything stored about one patient, read for their export.

One statement per table (joins where an item needs a name or a prompt's
text), whatever the number of rows, so an export of years of journaling
costs the same number of round trips as an empty one. Each function
returns rows the export schemas dump as they are.
"""

import uuid

from sqlalchemy import or_, select
from sqlalchemy.orm import aliased, selectinload

from server.audit.models import AuditEvent
from server.auth.models import ApiToken, CareTeamMember, LoginSession, User
from server.care.models import DosingSession, IntegrationSession
from server.clinics.models import Clinic
from server.extensions import db
from server.flags.models import Flag
from server.items import DeletedItem
from server.journal.models import CheckIn, JournalEntry, Prompt, PromptAssignment
from server.measures.models import MeasureResponse
from server.measures.queries import measure_plan
from server.push.models import Notification, PushSubscription


def _all(statement) -> list:
    return list(db.session.scalars(statement))


def _owned(owner, owner_id: uuid.UUID, *order) -> list:
    """Every row of `owner`'s table whose `owner` column is `owner_id`, in `order`."""
    return _all(select(owner.class_).where(owner == owner_id).order_by(*order))


def _with_prompt_text(model, key: str, patient_id: uuid.UUID, *order) -> list[dict]:
    """Rows of `model` with the text of the prompt each names (None if none)."""
    rows = db.session.execute(
        select(model, Prompt.text)
        .outerjoin(Prompt, Prompt.id == model.prompt_id)
        .where(model.patient_id == patient_id)
        .order_by(*order)
    )
    return [{key: row, "prompt_text": text} for row, text in rows]


def clinic(patient: User) -> Clinic | None:
    return db.session.get(Clinic, patient.clinic_id)


def care_team(patient_id: uuid.UUID) -> list[dict]:
    rows = db.session.execute(
        select(CareTeamMember.therapist_id, User.display_name, CareTeamMember.added_at)
        .join(User, User.id == CareTeamMember.therapist_id)
        .where(CareTeamMember.patient_id == patient_id)
        .order_by(CareTeamMember.added_at, CareTeamMember.therapist_id)
    )
    return [row._asdict() for row in rows]


def plan(patient_id: uuid.UUID):
    return measure_plan(patient_id)


def checkins(patient_id: uuid.UUID) -> list[CheckIn]:
    return _owned(CheckIn.patient_id, patient_id, CheckIn.recorded_at, CheckIn.id)


def entries(patient_id: uuid.UUID) -> list[dict]:
    """Entries with the text of the prompt each answers (None if none, or it was removed)."""
    order = (JournalEntry.written_at, JournalEntry.id)
    return _with_prompt_text(JournalEntry, "entry", patient_id, *order)


def measure_responses(patient_id: uuid.UUID) -> list[MeasureResponse]:
    order = (MeasureResponse.completed_at, MeasureResponse.id)
    return _owned(MeasureResponse.patient_id, patient_id, *order)


def ketamine_sessions(patient_id: uuid.UUID) -> list[DosingSession]:
    order = (DosingSession.scheduled_at, DosingSession.id)
    return _owned(DosingSession.patient_id, patient_id, *order)


def integration_sessions(patient_id: uuid.UUID) -> list[dict]:
    therapist = aliased(User)
    rows = db.session.execute(
        select(IntegrationSession, therapist.display_name)
        .outerjoin(therapist, therapist.id == IntegrationSession.therapist_id)
        .where(IntegrationSession.patient_id == patient_id)
        .order_by(IntegrationSession.scheduled_at, IntegrationSession.id)
        # The dosing sessions each follows, in one more statement.
        .options(selectinload(IntegrationSession.follows))
    )
    return [{"session": session, "therapist_name": name} for session, name in rows]


def prompt_assignments(patient_id: uuid.UUID) -> list[dict]:
    # An assignment always names a prompt (the outer join finds it alike).
    order = (PromptAssignment.created_at, PromptAssignment.id)
    return _with_prompt_text(PromptAssignment, "assignment", patient_id, *order)


def flags(patient_id: uuid.UUID) -> list[Flag]:
    return _owned(Flag.patient_id, patient_id, Flag.raised_at, Flag.id)


def push_subscriptions(user_id: uuid.UUID) -> list[PushSubscription]:
    order = (PushSubscription.created_at, PushSubscription.id)
    return _owned(PushSubscription.user_id, user_id, *order)


def notifications(user_id: uuid.UUID) -> list[Notification]:
    return _owned(Notification.user_id, user_id, Notification.due_at, Notification.id)


def deleted_items(patient_id: uuid.UUID) -> list[DeletedItem]:
    return _owned(DeletedItem.patient_id, patient_id, DeletedItem.deleted_at, DeletedItem.id)


def api_tokens(user_id: uuid.UUID) -> list[ApiToken]:
    return _owned(ApiToken.user_id, user_id, ApiToken.created_at)


def login_sessions(user_id: uuid.UUID) -> list[LoginSession]:
    return _owned(LoginSession.user_id, user_id, LoginSession.created_at)


def audit_trail(user_id: uuid.UUID) -> list[dict]:
    """Events about the patient's data and events the patient caused, oldest first.

    The actor's name is joined in so the patient reads who looked, not an id.
    Where and from which browser is shown only for the patient's own actions:
    a therapist's address is that therapist's data, not the patient's.
    """
    actor = aliased(User)
    rows = db.session.execute(
        select(AuditEvent, actor.display_name)
        .outerjoin(actor, actor.id == AuditEvent.actor_id)
        .where(or_(AuditEvent.patient_id == user_id, AuditEvent.actor_id == user_id))
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    trail = []
    for event, actor_name in rows:
        own = event.actor_id == user_id
        trail.append(
            {
                "id": event.id,
                "at": event.at,
                "action": event.action,
                "actor_id": event.actor_id,
                "actor_role": event.actor_role,
                "actor_name": actor_name,
                "by_me": own,
                "object_type": event.object_type,
                "object_id": event.object_id,
                "ip_address": event.ip_address if own else None,
                "user_agent": event.user_agent if own else None,
            }
        )
    return trail
