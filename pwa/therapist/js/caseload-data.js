// The caseload, read once and kept in memory (never on disk) so screens that
// need a patient's name do not each ask again. Forgotten when the session ends.

import { call } from "./client.js";

let rows = null;

/** Every caseload row, fresh from the server. */
export async function loadCaseload() {
  const page = await call("/patients");
  rows = page.items;
  return rows;
}

/** One patient's caseload row (from memory when there), or null if not on my caseload. */
export async function caseloadRow(patientId) {
  const find = () => rows?.find((row) => row.patient_id === patientId) || null;
  return find() || ((await loadCaseload()) && find());
}

export function forgetCaseload() {
  rows = null;
}
