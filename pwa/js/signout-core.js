// Signing out: end the server session, then remove everything of this user
// from the device (IndexedDB and our caches), so the next person sees nothing.

import { OfflineError, api } from "./api.js";
import { wipe } from "./db.js";
import { clearAllDrafts } from "./drafts.js";
import { SENT_HERE } from "./outbox.js";
import { ACCOUNT_DELETED } from "./session.js";

const PENDING = "between.logout-pending";

export async function finishServerLogout() {
  const me = await api("/auth/me", { quiet401: true }).catch((error) => {
    if (error instanceof OfflineError) throw error;
    return null;
  });
  if (me?.csrf_token) {
    const { setCsrfToken } = await import("./api.js");
    setCsrfToken(me.csrf_token);
    await api("/auth/logout", { method: "POST", quiet401: true });
  }
  localStorage.removeItem(PENDING);
}

/** Stop this phone getting the person's reminders: unsubscribe here and tell the server. */
async function pushOff() {
  try {
    const { disablePush } = await import("./push.js");
    // Off on the device at once; the server's copy goes while the session
    // still exists. A slow network must not hold up signing out.
    await Promise.race([disablePush(), new Promise((done) => setTimeout(done, 8000))]);
  } catch {
    // push.js unavailable (offline, never cached): nothing was turned on here.
  }
}

/** Everything of the people who used this phone goes; the public app shell stays. */
async function clearDevice() {
  clearAllDrafts();
  sessionStorage.removeItem(SENT_HERE);
  await wipe();
  if ("caches" in window) {
    // Every cache of ours goes, except the app shell: the same public files
    // for everyone, kept so the app (and its crisis screen) still opens offline.
    const names = await caches.keys();
    await Promise.all(
      names
        .filter((name) => name.startsWith("between-") && !name.startsWith("between-shell-"))
        .map((name) => caches.delete(name)),
    );
  }
  // The worker drops anything in the shell cache that is not a shell file.
  navigator.serviceWorker?.controller?.postMessage({ type: "purge" });
}

/**
 * The server has deleted the account (and ended its session): nothing of it
 * stays on this phone either, and the app says so on a signed-out screen.
 */
export async function forgetDeletedAccount() {
  await pushOff(); // the server forgot this phone with the account; the browser's subscription goes too
  localStorage.removeItem(PENDING);
  await clearDevice();
  sessionStorage.setItem(ACCOUNT_DELETED, "1");
  location.hash = "#/deleted";
  location.reload();
}

export async function signOutNow() {
  await pushOff(); // before logout: the server forgets the device only for its owner
  try {
    await api("/auth/logout", { method: "POST", quiet401: true });
  } catch (error) {
    // Offline: the server session is ended as soon as the app is online again.
    if (error instanceof OfflineError) localStorage.setItem(PENDING, "1");
  }
  await clearDevice();
  location.hash = "#/signin";
  location.reload();
}
