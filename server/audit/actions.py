"""Every action the audit log records, and what it means to someone reading the log.

`record` refuses a name that is not here, and a test finds every name the
code records, so this list is the whole vocabulary of the log. The admin
view offers it as the action filter's choices (`GET /audit/actions`).
"""

ACTIONS: dict[str, str] = {
    # Reads of a patient's data by someone else
    "caseload_read": "A therapist opened their caseload (one event per patient listed)",
    "timeline_read": "A therapist read a patient's timeline",
    "brief_read": "A therapist read a patient's session brief",
    "patient_summary_read": "A therapist read a patient's summary (name, phase, sessions, flags)",
    "schedule_read": "A therapist read a patient's dosing and integration sessions",
    "flags_read": "A therapist (or an admin, escalated ones) read a patient's open flags",
    "measure_plan_read": "A therapist read which questionnaires a patient is asked to fill",
    "measure_table_read": "A therapist read a patient's questionnaire answers item by item",
    "item_marked_read": "A therapist marked shared items read",
    "audit_log_read": "An admin read this audit log",
    "patient_access_refused": "Staff asked for a patient outside their care team (answered 404)",
    "companion_read": "A therapist read a patient's intentions, checklists and checks after doses",
    "safety_plan_read": "A therapist read a patient's shared safety plan",
    "prompt_assignments_read": "A therapist read which prompts a patient was asked to answer, "
    "and which have a shared answer",
    # Care: sessions, flags, plans
    "ketamine_session_created": "A dosing session was booked",
    "ketamine_session_changed": "A dosing session was moved or changed",
    "ketamine_session_cancelled": "A dosing session was cancelled",
    "integration_session_created": "An integration session was booked",
    "integration_session_changed": "An integration session was moved or changed",
    "integration_session_cancelled": "An integration session was cancelled",
    "flag_acknowledged": "A therapist acknowledged a flag, with what was done",
    "flag_settings_changed": "An admin changed how long an urgent flag waits before escalation",
    "measure_plan_changed": "A therapist changed which questionnaires a patient is asked to fill",
    "prompt_assignment_withdrawn": "A therapist withdrew a prompt a patient was asked to answer",
    "series_start_changed": "A therapist marked or unmarked a dosing session as a new series",
    "crisis_resources_changed": "An admin changed the clinic's crisis resources",
    "clinic_settings_changed": "An admin changed the clinic's name, country, phone or hours",
    "push_schedule_changed": "An admin changed when patients are prompted around dosing sessions",
    "clinic_checklist_changed": "Staff changed the clinic's preparation checklist",
    # The patient's own choices
    "sharing_changed": "A patient shared an item or made it private",
    "sharing_default_changed": "A patient changed whether new items are shared",
    "item_deleted": "A patient deleted an item",
    "data_exported": "A patient exported their data",
    "account_deleted": "A patient deleted their account",
    "push_device_moved": "A device that had notifications on for this account was taken over "
    "by another account signed in on it; what was queued for it was cancelled",
    # Accounts and sign-in
    "invite_created": "Someone was invited",
    "invite_revoked": "A pending invitation was revoked; its link stopped working",
    "invite_reissued": "A pending invitation got a new link; the old one stopped working",
    "invite_accepted": "An invitation was accepted and its account made",
    "login": "Signed in",
    "login_failed": "A sign-in was refused (wrong email or password); names the account if real",
    "login_throttled": "A sign-in was refused unchecked after too many recent failures",
    "login_failed_totp": "A sign-in was refused (wrong authenticator code)",
    "logout": "Signed out",
    "reauth_failed": "A password asked again before a sensitive change was wrong",
    "reauth_throttled": "A password asked again was refused unchecked: too many recent wrong ones",
    "password_changed": "A password was changed",
    "sessions_revoked": "An admin signed a person out everywhere",
    "token_created": "An app token was issued",
    "token_revoked": "An app token was revoked",
    "totp_enrolment_started": "Two-step sign-in set-up began",
    "totp_enrolled": "Two-step sign-in was turned on",
    "totp_disabled": "Two-step sign-in was turned off",
    "totp_reset": "An admin (or the operator) reset a person's two-step sign-in",
    "recovery_code_used": "A recovery code was used to sign in",
}


class UnknownAuditAction(ValueError):
    """A programming error: an action missing from ACTIONS (never user input)."""


def known(action: str) -> str:
    if action not in ACTIONS:
        raise UnknownAuditAction(f"{action!r} is not in server.audit.actions.ACTIONS")
    return action
