// Who is signed in. A small copy of "me" (no health data, no CSRF token) is
// kept in IndexedDB so the app opens and takes check-ins while offline.

import { api, setCsrfToken } from "./api.js";
import { getValue, setValue } from "./db.js";

const KEPT = ["id", "role", "display_name", "clinic_id", "time_zone", "share_by_default"];

// `ended`: the server ended the session (or this device holds no key for
// it): the app shows only the open screens until the patient signs in again.
export const session = { me: null, verified: false, ended: false };
/** Set in this tab once its patient deleted their account; a sign-in clears it. */
export const ACCOUNT_DELETED = "between.account-deleted";

function keep(me) {
  return Object.fromEntries(KEPT.map((key) => [key, me[key]]));
}

export async function setMe(me, { verified = true } = {}) {
  session.me = me;
  session.verified = verified && Boolean(me);
  if (session.verified) session.ended = false;
  setCsrfToken(me?.csrf_token);
  if (me && verified) {
    sessionStorage.removeItem(ACCOUNT_DELETED);
    await setValue("me", keep(me));
  }
}

/** Ask the server who we are (and get a fresh CSRF token). Throws when offline. */
export async function refreshMe() {
  const me = await api("/auth/me", { quiet401: true });
  await setMe(me);
  return me;
}

/** The last signed-in user on this device, used only while offline. */
export function cachedMe() {
  return getValue("me");
}

export async function signIn(email, password) {
  const me = await api("/auth/login", { method: "POST", body: { email, password } });
  await setMe(me);
  return me;
}

/** Local edits of my settings (e.g. the sharing default) keep the cached copy current. */
export async function patchMe(fields) {
  if (!session.me) return;
  session.me = { ...session.me, ...fields };
  await setValue("me", keep(session.me));
}
