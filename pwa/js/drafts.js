// Drafts: what is being typed is kept on the device as it is typed, so
// closing the app or a locked phone loses nothing. A draft is removed once
// it is saved to the outbox, and by logout. Drafts belong to the person
// signed in: after one person's session ends, the next one to sign in on the
// same phone never sees (or sends) what the last one was writing.
//
// Every change is written at once, in localStorage: it is synchronous, so the
// latest words are kept before the next key press, and a reload or a closed
// app straight after typing brings back exactly them. (An IndexedDB write, or
// one put off until typing pauses, can be cut off by the page closing, and an
// older draft comes back.) If localStorage refuses (full, or blocked), the
// draft goes to IndexedDB, one write after the other, so an older write never
// lands after a newer one.

import { get, put, remove } from "./db.js";
import { session } from "./session.js";

const PREFIX = "between.draft:";

function local(action) {
  try {
    return { ok: true, value: action(localStorage) };
  } catch {
    return { ok: false, value: null };
  }
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

export function keeper(name, { onSaved } = {}) {
  const key = `${session.me?.id ?? "nobody"}:${name}`;
  const localKey = PREFIX + key;
  // IndexedDB writes (the fallback, and clearing drafts kept there by an
  // earlier version) run one after the other, in the order they were made.
  let queue = Promise.resolve();
  const then = (work) => {
    queue = queue.then(work).catch(() => {});
    return queue;
  };
  let inDb = false; // whether IndexedDB may hold this draft too
  const forget = () => {
    if (!inDb) return queue;
    inDb = false;
    return then(() => remove("drafts", key));
  };
  return {
    async load() {
      const kept = local((store) => store.getItem(localKey)).value;
      // A draft kept in IndexedDB (an earlier version, or localStorage refused) counts only when there is none here.
      const older = (await get("drafts", key).catch(() => null))?.value ?? null;
      if (older === null) return kept;
      inDb = true;
      if (kept !== null) {
        forget();
        return kept;
      }
      if (local((store) => store.setItem(localKey, older)).ok) forget();
      return older;
    },
    save(value) {
      if (local((store) => store.setItem(localKey, value)).ok) {
        onSaved?.();
        forget();
        return;
      }
      local((store) => store.removeItem(localKey)); // no older words left here to win over these
      inDb = true;
      then(async () => {
        await put("drafts", { key, value, saved_at: Date.now() });
        onSaved?.();
      });
    },
    async clear() {
      local((store) => store.removeItem(localKey));
      inDb = true;
      await forget();
    },
    stop() {},
  };
}
