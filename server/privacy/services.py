"""A patient's own data: everything exported, or everything deleted.

Both run in a fixed number of statements per table. Nothing here logs or
raises with what the patient wrote; the audit log records only that an
export or a deletion happened.
"""

import uuid

from sqlalchemy import Table, delete, or_, select, union_all, update

from server.audit.models import AuditEvent
from server.audit.services import record
from server.auth.models import Invite, User
from server.auth.passwords import verify_password
from server.care.models import DosingSession
from server.companion import queries as companion_queries
from server.db import utcnow
from server.errors import abort
from server.extensions import db
from server.flags.models import Flag
from server.journal.models import PromptAssignment
from server.privacy import fhir_bundle, queries
from server.push.models import Notification
from server.safetyplan import services as safetyplan_services
from server.signals import account_deleting

FORMAT = "between-export"
FORMAT_VERSION = 1


# --- export ----------------------------------------------------------------------


def _record_export(patient: User, object_type: str) -> None:
    """Audit the patient's download of their own data, in one of its formats."""
    record(
        "data_exported",
        actor=patient,
        patient_id=patient.id,
        object_type=object_type,
        object_id=patient.id,
    )


def export_data(patient: User) -> dict:
    """Everything stored about `patient`, for `ExportSchema`; audited as `data_exported`.

    The event is recorded first, so the export's own audit trail shows it.
    """
    _record_export(patient, "export")
    db.session.flush()
    pid = patient.id
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "exported_at": utcnow(),
        "profile": patient,
        "clinic": queries.clinic(patient),
        "settings": patient,
        "care_team": queries.care_team(pid),
        "measure_plan": queries.plan(pid),
        "checkins": queries.checkins(pid),
        "entries": queries.entries(pid),
        "measure_responses": queries.measure_responses(pid),
        "ketamine_sessions": queries.ketamine_sessions(pid),
        "integration_sessions": queries.integration_sessions(pid),
        "prompt_assignments": queries.prompt_assignments(pid),
        "flags": queries.flags(pid),
        "devices": queries.push_subscriptions(pid),
        "notifications": queries.notifications(pid),
        "deleted_items": queries.deleted_items(pid),
        "api_tokens": queries.api_tokens(pid),
        "login_sessions": queries.login_sessions(pid),
        "audit_trail": queries.audit_trail(pid),
        "companion": companion_queries.export_for(pid),
        "safety_plan": safetyplan_services.view(safetyplan_services.plan_of(pid)),
    }


def export_fhir(patient: User) -> dict:
    """The patient and their measures as a FHIR R4 Bundle; audited as `data_exported`."""
    _record_export(patient, "fhir_export")
    return fhir_bundle.bundle(
        patient, queries.clinic(patient), queries.measure_responses(patient.id)
    )


# --- deletion --------------------------------------------------------------------


def delete_account(patient: User, password: str) -> None:
    """Delete `patient`'s account and every row about them; flushes, the request commits.

    The password confirms that the person at the keyboard is the patient. The
    audit log keeps its events (ids only, never content) and gains
    `account_deleted`; everything else naming the patient goes: their items,
    tombstones, sessions, flags, devices, notifications, sessions and tokens,
    care-team links and the invitation that brought them. Their browser
    sessions and bearer tokens stop working with the rows; the caller also
    clears the cookie of the session making the request.
    """
    if not verify_password(patient.password_hash, password):
        abort(422, "The password is not right.", errors={"password": ["Wrong."]})
    pid = patient.id
    record("account_deleted", actor=patient, patient_id=pid, object_type="user", object_id=pid)
    db.session.flush()
    # Features with their own cleanup (push forgets devices and the outbox) act
    # first; the sweep below then removes whatever is left, so a receiver that
    # failed cannot leave rows behind.
    account_deleting.send(patient)
    _delete_rows_without_a_foreign_key(patient)
    _delete_rows_naming(pid)


def _delete_rows_without_a_foreign_key(patient: User) -> None:
    """Rows about the patient that no foreign key ties to them, so no cascade reaches.

    - Notifications to the care team caused by the patient's flags, dosing
      sessions or assignments (`cause_id` is not a foreign key).
    - Invitations that brought the patient, or are addressed to their email:
      `accepted_user_id` is SET NULL, which would keep their name and email.
    """
    causes = union_all(
        select(Flag.id).where(Flag.patient_id == patient.id),
        select(DosingSession.id).where(DosingSession.patient_id == patient.id),
        select(PromptAssignment.id).where(PromptAssignment.patient_id == patient.id),
    )
    db.session.execute(
        delete(Notification)
        .where(Notification.cause_id.in_(causes.scalar_subquery()))
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        delete(Invite)
        .where(or_(Invite.accepted_user_id == patient.id, Invite.email == patient.email))
        .execution_options(synchronize_session=False)
    )


def _delete_rows_naming(user_id: uuid.UUID) -> None:
    """Every row with a foreign key to the user, table by table, then the user.

    Read from the metadata rather than listed by hand, so a table a feature
    adds later is covered the day it is added. Tables are visited children
    first (reverse dependency order), so no statement trips a foreign key
    even where a cascade is missing. A column declared ON DELETE SET NULL
    names someone who acted on another person's row (`created_by_id`,
    `acknowledged_by_id`): it is cleared, the row stays. The audit log is
    left alone: it holds ids, never content, and must outlive the account.
    """
    users = User.__table__
    for table in reversed(db.metadata.sorted_tables):
        if table is users or table is AuditEvent.__table__:
            continue
        owners, actors = _user_columns(table, users)
        if owners:
            db.session.execute(table.delete().where(or_(*(c == user_id for c in owners))))
        for column in actors:
            db.session.execute(update(table).where(column == user_id).values({column.name: None}))
    db.session.execute(users.delete().where(users.c.id == user_id))
    db.session.flush()


def _user_columns(table: Table, users: Table) -> tuple[list, list]:
    owners, actors = [], []
    for key in table.foreign_keys:
        if key.column.table is not users:
            continue
        (actors if (key.ondelete or "").upper() == "SET NULL" else owners).append(key.parent)
    return owners, actors
