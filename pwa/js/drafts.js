// Drafts: what is being typed is kept on the device as it is typed, so
// closing the app or a locked phone loses nothing. A draft is removed once
// it is saved to the outbox, and by logout. Drafts belong to the person
// signed in: after one person's session ends, the next one to sign in on the
// same phone never sees (or sends) what the last one was writing.
//
// Every change is sealed under the device key (sealed.js) and written at
// once to localStorage, as ciphertext only. Sealing takes a moment (WebCrypto
// is asynchronous), so each change is sealed as it comes and a sealed copy
// is written only if no newer one was written before it: the latest words
// always win, and an older draft never lands after a newer one. If
// localStorage refuses (full, or blocked), the sealed draft goes to
// IndexedDB instead. Without a device key (the session has ended) nothing is
// written, and what was kept stays sealed until the same person signs in.

import { get, put, remove } from "./db.js";
import { openValue, sealValue } from "./sealed.js";
import { session } from "./session.js";

const PREFIX = "between.draft:";

function local(action) {
  try {
    return { ok: true, value: action(localStorage) };
  } catch {
    return { ok: false, value: null };
  }
}

function toBase64(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes)));
}

function fromBase64(value) {
  return Uint8Array.from(atob(value), (char) => char.charCodeAt(0));
}

/** Remove every draft of everyone from this device (signing out, a deleted account). */
export function clearAllDrafts() {
  local((store) => {
    const keys = [];
    for (let index = 0; index < store.length; index += 1) {
      const key = store.key(index);
      if (key?.startsWith(PREFIX)) keys.push(key);
    }
    for (const key of keys) store.removeItem(key);
  });
}

function boxText(box) {
  return JSON.stringify({ iv: toBase64(box.iv), data: toBase64(box.data) });
}

/** The sealed draft in `text` (as written to localStorage), or null when it is not one. */
function sealedBox(text) {
  try {
    const box = JSON.parse(text);
    return box?.iv && box?.data ? { iv: fromBase64(box.iv), data: fromBase64(box.data) } : null;
  } catch {
    return null;
  }
}

/** Seal the signed-in person's drafts an earlier version kept in clear. */
export async function sealOldDrafts() {
  const mine = `${PREFIX}${session.me?.id}:`;
  const old = local((store) => {
    const found = [];
    for (let index = 0; index < store.length; index += 1) {
      const key = store.key(index);
      const text = key?.startsWith(mine) ? store.getItem(key) : null;
      if (text !== null && !sealedBox(text)) found.push([key, text]);
    }
    return found;
  }).value;
  for (const [key, text] of old || []) {
    const box = await sealValue(`draft:${key.slice(mine.length)}`, text);
    if (!box) return;
    // Only if it was not changed meanwhile (then it is sealed already).
    if (local((store) => store.getItem(key)).value === text) local((store) => store.setItem(key, boxText(box)));
  }
}

export function keeper(name, { onSaved } = {}) {
  const key = `${session.me?.id ?? "nobody"}:${name}`;
  const localKey = PREFIX + key;
  const sealedAs = `draft:${name}`;
  // IndexedDB writes (the fallback) run one after the other, in the order they were made.
  let queue = Promise.resolve();
  const then = (work) => {
    queue = queue.then(work).catch(() => {});
    return queue;
  };
  let made = 0; // changes sealed so far
  let written = 0; // the newest change written
  let inDb = false; // whether IndexedDB may hold this draft too
  const forget = () => {
    if (!inDb) return queue;
    inDb = false;
    return then(() => remove("drafts", key));
  };
  const write = (box) => {
    const text = boxText(box);
    if (local((store) => store.setItem(localKey, text)).ok) {
      onSaved?.();
      forget();
      return;
    }
    local((store) => store.removeItem(localKey)); // no older words left here to win over these
    inDb = true;
    then(async () => {
      await put("drafts", { key, value: box, saved_at: Date.now() });
      onSaved?.();
    });
  };
  return {
    async load() {
      const kept = local((store) => store.getItem(localKey)).value;
      const older = (await get("drafts", key).catch(() => null))?.value ?? null;
      if (older !== null) inDb = true;
      const found = kept ?? older;
      if (found === null) return null;
      if (kept !== null) forget(); // the copy in localStorage is the newer one
      const box = typeof found === "string" ? sealedBox(found) : found;
      if (!box) {
        // Kept in clear by an earlier version: sealed now, and the clear copy is replaced.
        this.save(found);
        return found;
      }
      return (await openValue(sealedAs, box)) ?? null;
    },
    save(value) {
      made += 1;
      const change = made;
      sealValue(sealedAs, value)
        .then((box) => {
          if (!box || change < written) return;
          written = change;
          write(box);
        })
        .catch(() => {});
    },
    async clear() {
      written = made + 1; // a change still being sealed must not bring the draft back
      made = written;
      local((store) => store.removeItem(localKey));
      inDb = true;
      await forget();
    },
    stop() {},
  };
}
