// The therapist workspace's way to the API: the patient app's client (same
// CSRF and problem+json handling), plus what staff sessions need: every answer
// tells the idle clock that the server saw us, a 401 ends the session here,
// and a 403 for missing two-step sign-in sends the person to enrol.

import { ApiError, api, listAll as listAllPages, setCsrfToken } from "/js/api.js";
import { h, problemMessages } from "/js/dom.js";
import { sawServer } from "./idle.js";

export { ApiError, OfflineError } from "/js/api.js";

/** Who is signed in (the /auth/me answer), or null. */
export const state = { me: null };

const handlers = { ended: () => {}, enrolNeeded: () => {} };

/** The app says what to do when the server ends the session or asks for enrolment. */
export function onSession({ ended, enrolNeeded }) {
  Object.assign(handlers, { ended, enrolNeeded });
}

export function setMe(me) {
  state.me = me;
  setCsrfToken(me?.csrf_token);
}

async function guard(request) {
  const sent = Date.now();
  try {
    const result = await request();
    sawServer({ sent });
    return result;
  } catch (error) {
    if (error instanceof ApiError) {
      if (error.status === 401) handlers.ended(error.problem.type);
      else if (error.problem.type === "/problems/totp-enrolment-required") handlers.enrolNeeded();
      else sawServer({ sent });
    }
    throw error;
  }
}

/** `call("/patients")` → the parsed answer; see /js/api.js for the options. */
export function call(path, options = {}) {
  return guard(() => api(path, { ...options, quiet401: true }));
}

/** Every page of a cursor-paged list, up to `limit` items. */
export function listAll(path, options) {
  return guard(() => listAllPages(path, options));
}

/** Sign in; the server answers 401 for any wrong email, password or code. */
export async function signIn(email, password, totp) {
  const body = { email, password };
  if (totp) body.totp = totp;
  const sent = Date.now();
  const me = await api("/auth/login", { method: "POST", body, quiet401: true });
  setMe(me);
  sawServer({ fresh: true, sent });
  return me;
}

/** Ask the server who we are; null when signed out. Refreshes the idle clock. */
export async function whoAmI() {
  const sent = Date.now();
  try {
    const me = await api("/auth/me", { quiet401: true });
    setMe(me);
    sawServer({ sent });
    return me;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      setMe(null);
      return null;
    }
    throw error;
  }
}

// Set (to a time, no health data) when this browser signs out, so the
// workspace's other tabs clear their screens at once too.
const SIGNED_OUT_KEY = "between.therapist.signed-out";

/** End the session on the server; whatever the answer, it is over here, and in other tabs. */
export async function signOut() {
  try {
    await api("/auth/logout", { method: "POST", quiet401: true });
  } catch {
    // Already ended (401) or offline: the cookie is worthless either way once
    // the server's idle clock runs out.
  }
  setMe(null);
  try {
    localStorage.setItem(SIGNED_OUT_KEY, String(Date.now()));
  } catch {
    // No storage (private mode): other tabs end at their next request or idle end.
  }
}

/** `callback()` when another tab of this browser signs out (the cookie is gone for us too). */
export function onSignOutElsewhere(callback) {
  window.addEventListener("storage", (event) => {
    if (event.key === SIGNED_OUT_KEY && event.newValue) callback();
  });
}

/** A one-line, calm message for a failed request. */
export function failure(error, what = "That") {
  if (error instanceof ApiError) {
    // A stale version: someone else changed it. Other conflicts (an email already
    // taken, an id reused) say what they are in the server's own words.
    if (error.status === 409 && (error.problem?.errors?.version || !error.problem?.detail)) {
      return `${what} changed meanwhile. Reload it and try again.`;
    }
    if (error.status === 409) return error.problem.detail;
    return problemMessages(error.problem).join(" ") || `${what} did not work.`;
  }
  return "The server could not be reached. Check the connection and try again.";
}

/**
 * A screen's first load under a live "Loading…" line (`text`): answers what
 * `request()` answered, or null once the line says why it failed (`what`).
 */
export async function loadUnder(main, request, what, text = "Loading…") {
  const status = h("p", { class: "muted loading", role: "status" }, text);
  main.append(status);
  try {
    const answer = await request();
    status.remove();
    return answer;
  } catch (error) {
    status.classList.remove("loading");
    status.textContent = failure(error, what);
    return null;
  }
}

/** `?a=1&b=2` from an object, leaving out empty values. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, value);
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}
