// The API client: same-origin JSON, the CSRF token on unsafe requests,
// problem+json errors turned into ApiError, network failures into OfflineError.

import { noteServerDate } from "./clock.js";

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);
let csrfToken = null;

export function setCsrfToken(token) {
  csrfToken = token || null;
}

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = {
      // Extension members (RFC 9457), e.g. the sessions a booking clashes with.
      ...(problem && typeof problem === "object" ? problem : {}),
      status,
      type: problem?.type || "about:blank",
      title: problem?.title || "",
      detail: problem?.detail || "",
      errors: problem?.errors || {},
    };
  }
}

/** The network is unreachable (offline, DNS, connection refused). */
export class OfflineError extends Error {}

/** How long any request may take before it counts as offline (a hanging connection). */
export const DEFAULT_TIMEOUT_MS = 10000;

function deadline(ms) {
  if (AbortSignal.timeout) return AbortSignal.timeout(ms);
  const controller = new AbortController();
  setTimeout(() => controller.abort(), ms);
  return controller.signal;
}

async function send(path, method, body, timeout) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (UNSAFE.has(method) && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  const sentAt = Date.now();
  let response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
      // A request that never answers is offline too: what was written stays in
      // the outbox and is replayed (idempotently) later.
      signal: deadline(timeout),
    });
  } catch {
    throw new OfflineError("The network is not reachable.");
  }
  noteServerDate(response.headers.get("Date"), sentAt, Date.now());
  return response;
}

async function parse(response) {
  if (response.status === 204) return null;
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

const listeners = new Set();
/** Called with no argument when the server says the session has ended (401); returns a way to stop. */
export function onSignedOut(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * `api("/checkins", {method: "POST", body})` → the parsed JSON answer.
 * A stale CSRF token is refreshed from /auth/me once and the request retried.
 */
export async function api(path, { method = "GET", body, quiet401 = false, timeout = DEFAULT_TIMEOUT_MS } = {}) {
  let response = await send(path, method, body, timeout);
  if (response.status === 403 && UNSAFE.has(method)) {
    const problem = await parse(response.clone());
    if (problem?.type === "/problems/csrf" && (await refreshCsrf())) {
      response = await send(path, method, body, timeout);
    }
  }
  let data;
  try {
    data = await parse(response);
  } catch {
    // The body stopped arriving before the deadline ran out.
    throw new OfflineError("The network is not reachable.");
  }
  if (!response.ok) {
    if (response.status === 401 && !quiet401) for (const listener of listeners) listener();
    throw new ApiError(response.status, data);
  }
  return data;
}

async function refreshCsrf() {
  const response = await send("/auth/me", "GET", undefined, DEFAULT_TIMEOUT_MS);
  if (!response.ok) return false;
  const me = await parse(response);
  setCsrfToken(me?.csrf_token);
  return Boolean(me?.csrf_token);
}

/** Every page of a cursor-paged list, up to `limit` items. */
export async function listAll(path, { limit = 500 } = {}) {
  const items = [];
  let cursor = null;
  const join = path.includes("?") ? "&" : "?";
  do {
    const page = await api(cursor ? `${path}${join}cursor=${encodeURIComponent(cursor)}` : path);
    items.push(...(Array.isArray(page) ? page : page?.items || []));
    cursor = Array.isArray(page) ? null : page?.next_cursor;
  } while (cursor && items.length < limit);
  return items;
}

/** A calm sentence for something that could not be read from the server. */
export function unavailable(error, what) {
  const What = what.charAt(0).toUpperCase() + what.slice(1);
  if (error instanceof OfflineError) return `You're offline. ${What} will show when you're back online.`;
  if (error instanceof ApiError && error.status === 401) return `Sign in again to see ${what}.`;
  return `${What} could not be loaded just now.`;
}
