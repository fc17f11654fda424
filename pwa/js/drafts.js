// Drafts: what is being typed is kept on the device as it is typed, so
// closing the app or a locked phone loses nothing. A draft is removed once
// it is saved to the outbox, and by logout.

import { get, put, remove } from "./db.js";

export function keeper(key) {
  let timer = null;
  let latest = null;
  const write = () => {
    timer = null;
    if (latest !== null) put("drafts", { key, value: latest, saved_at: Date.now() }).catch(() => {});
  };
  const onHide = () => {
    if (document.visibilityState === "hidden" && timer) {
      clearTimeout(timer);
      write();
    }
  };
  document.addEventListener("visibilitychange", onHide);
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
    },
  };
}
