// A small encrypted cache for health data the patient needs offline (sessions
// ahead, the safety plan). Values are sealed with AES-GCM under a key made on
// this device as non-extractable: script can use it, never read it out. The
// key and the sealed values live in IndexedDB, which logout deletes whole.
// Each value is bound to its name and to the signed-in person, so one
// person's copy can never be opened as another's.

import { getValue, setValue } from "./db.js";
import { session } from "./session.js";

const KEY_NAME = "seal-key";
let keyPromise = null;

async function key() {
  if (!keyPromise) {
    keyPromise = (async () => {
      const kept = await getValue(KEY_NAME).catch(() => null);
      if (kept) return kept;
      const made = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, [
        "encrypt",
        "decrypt",
      ]);
      await setValue(KEY_NAME, made);
      return made;
    })().catch((error) => {
      keyPromise = null;
      throw error;
    });
  }
  return keyPromise;
}

function context(name) {
  return new TextEncoder().encode(`between:${session.me?.id ?? "nobody"}:${name}`);
}

/** Keep `value` (JSON) sealed under `name` for the signed-in person. */
export async function seal(name, value) {
  if (!session.me) return;
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = new TextEncoder().encode(JSON.stringify(value));
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: context(name) },
    await key(),
    data,
  );
  await setValue(`sealed:${name}`, { iv, sealed, user_id: session.me.id });
}

/** The value kept under `name` for the signed-in person, or null. */
export async function unseal(name) {
  if (!session.me) return null;
  const kept = await getValue(`sealed:${name}`).catch(() => null);
  if (!kept || kept.user_id !== session.me.id) return null;
  try {
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: kept.iv, additionalData: context(name) },
      await key(),
      kept.sealed,
    );
    return JSON.parse(new TextDecoder().decode(plain));
  } catch {
    return null;
  }
}

/** Forget the key (after logout deleted the database, a new one is made). */
export function forgetKey() {
  keyPromise = null;
}
