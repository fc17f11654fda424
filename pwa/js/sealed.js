// The one way health data is kept on this device: sealed with AES-GCM under
// the device key. That key is derived (HKDF) from a secret the server gives
// only to the signed-in patient (GET /me/device-key) and made non-extractable
// at once: script can use it, never read it out, and only the CryptoKey is
// kept (in IndexedDB, which keeps it non-extractable). Sign-out deletes it
// with the database; a session the server ended (a 401) drops it too, with
// the offline copies (what waits to be sent stays, and opens only once the
// same person signs in again and the same key is derived). Each value is bound to the person and to what it is (its
// name), so one person's copy never opens as another's, nor as another thing.
//
// Users: the drafts, the outbox, and the offline copies (recent history,
// sessions ahead, the safety plan).

import { api } from "./api.js";
import { done, getValue, remove, setValue, transaction } from "./db.js";
import { session } from "./session.js";

const KEY_NAME = "device-key";
const LEGACY_KEY_NAME = "seal-key"; // a key made on the device by an earlier version
const text = new TextEncoder();
let held = null; // { userId, promise }
let generation = 0; // bumped by dropKey, so a key fetched meanwhile is not kept

function fromBase64url(value) {
  const binary = atob(value.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

async function derive(userId) {
  const { key: secret } = await api("/me/device-key", { quiet401: true });
  const raw = fromBase64url(secret);
  const base = await crypto.subtle.importKey("raw", raw, "HKDF", false, ["deriveKey"]);
  raw.fill(0);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: text.encode("between device key 1"), info: text.encode(`between:${userId}`) },
    base,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

async function load(userId, since) {
  const kept = await getValue(KEY_NAME).catch(() => null);
  if (kept?.user_id === userId && kept.key) return kept.key;
  // Only a patient's session the server vouches for gets the secret (not a device offline).
  if (!session.verified || session.me?.role !== "patient") return null;
  const key = await derive(userId);
  if (since !== generation || session.me?.id !== userId) return null;
  await setValue(KEY_NAME, { user_id: userId, key });
  await remove("kv", LEGACY_KEY_NAME).catch(() => {});
  return key;
}

/** The signed-in person's device key, or null (signed out, or the session ended). */
export function deviceKey() {
  const userId = session.me?.id;
  if (!userId) return Promise.resolve(null);
  if (held?.userId !== userId) {
    const promise = load(userId, generation).catch(() => null);
    const mine = { userId, promise };
    held = mine;
    // Not there yet (offline, or not signed in again): ask again next time.
    promise.then((key) => {
      if (!key && held === mine) held = null;
    });
  }
  return held.promise;
}

/** Whether this device holds the key of `userId` (without asking the server). */
export async function hasKey(userId) {
  const kept = await getValue(KEY_NAME).catch(() => null);
  return Boolean(kept?.key && kept.user_id === userId);
}

// Every open tab of the app drops the key together: one tab hearing the
// session ended tells the others, which forget the key they hold in memory.
const tabs = "BroadcastChannel" in self ? new BroadcastChannel("between-device-key") : null;
const dropped = new Set();

function forget() {
  generation += 1;
  held = null;
}

/** Call `listener` when another tab dropped the key (the session ended there). */
export function onKeyDropped(listener) {
  dropped.add(listener);
}

tabs?.addEventListener("message", (event) => {
  if (event.data !== "dropped") return;
  forget();
  for (const listener of dropped) listener();
});

/** Delete every offline copy (`sealed:…`: recent history, the companion summary, the safety plan). */
async function forgetCopies() {
  const keys = await transaction("kv", "readonly", (store) => done(store.getAllKeys()));
  await Promise.all(keys.filter((key) => String(key).startsWith("sealed:")).map((key) => remove("kv", key)));
}

/**
 * The server ended the session: the key and the offline copies go; what waits
 * to be sent stays, sealed, until the same person signs in again.
 */
export async function dropKey() {
  forget();
  await remove("kv", KEY_NAME).catch(() => {});
  await forgetCopies().catch(() => {});
  tabs?.postMessage("dropped");
}

function context(name) {
  return text.encode(`between:${session.me?.id ?? "nobody"}:${name}`);
}

/** `value` (JSON) sealed for the signed-in person as `name`: {iv, data}, or null without a key. */
export async function sealValue(name, value) {
  const key = await deviceKey();
  if (!key) return null;
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: context(name) },
    key,
    text.encode(JSON.stringify(value)),
  );
  return { iv, data };
}

/** What `sealValue(name, …)` sealed, or undefined when it does not open (no key, another person's). */
export async function openValue(name, box) {
  const key = await deviceKey();
  if (!key || !box?.iv || !box?.data) return undefined;
  try {
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: box.iv, additionalData: context(name) }, key, box.data);
    return JSON.parse(new TextDecoder().decode(plain));
  } catch {
    return undefined;
  }
}

/** Keep `value` (JSON) sealed under `name` for the signed-in person. */
export async function seal(name, value) {
  if (!session.me) return;
  const box = await sealValue(name, value);
  if (box) await setValue(`sealed:${name}`, { ...box, user_id: session.me.id });
}

/** The value kept under `name` for the signed-in person, or null. */
export async function unseal(name) {
  if (!session.me) return null;
  const kept = await getValue(`sealed:${name}`).catch(() => null);
  if (!kept || kept.user_id !== session.me.id) return null;
  return (await openValue(name, kept)) ?? null;
}
