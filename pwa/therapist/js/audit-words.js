// What each audit action means, in plain words, as the log shows it: what the
// person in the Who column did (the Patient column says to whose data). One
// entry per action the server records (server/audit/actions.py); a test holds
// the two lists equal. An action this list does not know shows by its name.

export const ACTION_WORDS = {
  // Reading a patient's data
  caseload_read: "Opened their caseload, listing the patient",
  timeline_read: "Read the patient's timeline",
  brief_read: "Read the patient's session brief",
  patient_summary_read: "Read the patient's summary",
  schedule_read: "Read the patient's dosing and integration sessions",
  flags_read: "Read the patient's open flags",
  measure_plan_read: "Read which questionnaires the patient is asked to fill",
  measure_table_read: "Read the patient's questionnaire answers item by item",
  item_marked_read: "Marked the patient's shared items read",
  audit_log_read: "Read the audit log",
  patient_access_refused: "Asked for a patient outside their care team and was refused",
  companion_read: "Read the patient's intentions, checklists and checks after doses",
  safety_plan_read: "Read the patient's safety plan",
  prompt_assignments_read: "Read which prompts the patient was asked to answer",
  // Care: sessions, flags, plans
  ketamine_session_created: "Booked a dosing session",
  ketamine_session_changed: "Moved or changed a dosing session",
  ketamine_session_cancelled: "Cancelled a dosing session",
  integration_session_created: "Booked an integration session",
  integration_session_changed: "Moved or changed an integration session",
  integration_session_cancelled: "Cancelled an integration session",
  flag_acknowledged: "Acknowledged a flag",
  flag_settings_changed: "Changed how long an urgent flag waits before it is escalated",
  measure_plan_changed: "Changed which questionnaires the patient is asked to fill",
  series_start_changed: "Marked or unmarked a dosing session as the start of a series",
  crisis_resources_changed: "Changed the clinic's crisis resources",
  clinic_settings_changed: "Changed the clinic's name, country, phone or opening hours",
  push_schedule_changed: "Changed when patients are prompted around dosing sessions",
  clinic_checklist_changed: "Changed the clinic's preparation checklist",
  prompt_assignment_withdrawn: "Withdrew a prompt the patient was asked to answer",
  // The patient's own choices
  sharing_changed: "Shared an item or made it private",
  sharing_default_changed: "Changed whether new items are shared",
  item_deleted: "Deleted an item",
  data_exported: "Exported their data",
  account_deleted: "Deleted their account",
  push_device_moved: "Took over a device that had notifications on for another account",
  // Accounts and sign-in
  invite_created: "Invited someone",
  invite_revoked: "Revoked an invitation",
  invite_reissued: "Gave an invitation a new link",
  invite_accepted: "Accepted an invitation and made their account",
  login: "Signed in",
  login_failed: "Failed to sign in: wrong email or password",
  login_throttled: "Was refused sign-in after too many failed attempts",
  login_failed_totp: "Failed to sign in: wrong authenticator code",
  logout: "Signed out",
  reauth_failed: "Gave a wrong password before a sensitive change",
  reauth_throttled: "Was refused a sensitive change after too many wrong passwords",
  password_changed: "Changed their password",
  sessions_revoked: "Signed someone out on every device",
  token_created: "Was issued an app token",
  token_revoked: "Revoked an app token",
  totp_enrolment_started: "Began setting up two-step sign-in",
  totp_enrolled: "Turned on two-step sign-in",
  totp_disabled: "Turned off two-step sign-in",
  totp_reset: "Reset someone's two-step sign-in",
  recovery_code_used: "Signed in with a recovery code",
};

/** The plain words for an action, or its name when this list does not know it. */
export function actionWords(action) {
  return ACTION_WORDS[action] || action;
}
