// The caseload as the server answers it. Screens about one patient read that
// patient's summary (`GET /patients/{id}`) instead of the whole caseload.

import { call } from "./client.js";

/** Every caseload row, fresh from the server. */
export async function loadCaseload() {
  const page = await call("/patients");
  return page.items;
}
