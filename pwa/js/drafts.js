// Drafts: what is being typed is kept on the device as it is typed, so
// closing the app or a locked phone loses nothing. A draft is removed once
// it is saved to the outbox, and by logout. Drafts belong to the person
// signed in: after one person's session ends, the next one to sign in on the
// same phone never sees (or sends) what the last one was writing.

import { get, put, remove } from "./db.js";
import { session } from "./session.js";

export function keeper(name, { onSaved } = {}) {
  const key = `${session.me?.id ?? "nobody"}:${name}`;
  let timer = null;
  let latest = null;
  const write = () => {
    timer = null;
    if (latest === null) return;
    put("drafts", { key, value: latest, saved_at: Date.now() })
      .then(() => onSaved?.())
      .catch(() => {});
  };
  const onHide = (event) => {
    // The app going to the background or closing: write now, not in 300 ms.
    if (timer && (document.visibilityState === "hidden" || event?.type === "pagehide")) {
      clearTimeout(timer);
      write();
    }
  };
  document.addEventListener("visibilitychange", onHide);
  window.addEventListener("pagehide", onHide);
  return {
    async load() {
      return (await get("drafts", key).catch(() => null))?.value ?? null;
    },
    save(value) {
      latest = value;
      if (timer) clearTimeout(timer);
      timer = setTimeout(write, 300);
    },
    async clear() {
      if (timer) clearTimeout(timer);
      timer = null;
      latest = null;
      await remove("drafts", key).catch(() => {});
    },
    stop() {
      if (timer) {
        clearTimeout(timer);
        write();
      }
      document.removeEventListener("visibilitychange", onHide);
      window.removeEventListener("pagehide", onHide);
    },
  };
}
