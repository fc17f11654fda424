// The caseload, read once and kept in memory (never on disk) so screens that
// need a patient's name do not each ask again. Kept for the person who read
// it only: after a sign-out or a new sign-in it is read afresh.

import { call, state } from "./client.js";

let kept = { owner: null, rows: null };

/** Every caseload row, fresh from the server. */
export async function loadCaseload() {
  const page = await call("/patients");
  kept = { owner: state.me?.id ?? null, rows: page.items };
  return page.items;
}

/** One patient's caseload row (from memory when there), or null if not on my caseload. */
export async function caseloadRow(patientId) {
  const mine = kept.owner != null && kept.owner === state.me?.id;
  const find = (rows) => rows.find((row) => row.patient_id === patientId) || null;
  return (mine && find(kept.rows)) || find(await loadCaseload());
}
