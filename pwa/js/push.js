// Web Push on this device: turn reminders on, keep the server's copy fresh, turn them off.
//
// THE PAYLOAD CONTRACT (server/push/services.py sends it, pwa/sw.js shows it)
//
//   Every push carries one JSON object, UTF-8, under 1 KB, with no health
//   data at all (a lock screen is not private):
//
//     {
//       "title": "Between",                         always this generic title
//       "body":  "A reflection prompt is waiting",  generic text chosen by kind
//       "url":   "/#/today",                        same-origin path + hash route to open
//                                                   (therapists: /therapist/index.html#/flags)
//       "tag":   "prompt_reminder"                  the kind: checkin_reminder,
//     }                                             prompt_reminder, measure_due,
//                                                   urgent_flag (therapists), test
//
//   - `push`: ALWAYS show a notification (title, body, tag; data.url = url);
//     browsers revoke the permission of sites whose pushes show nothing. The
//     server repeats a message at least once in rare cases; the same reminder
//     always has the same tag and Topic, so a repeat replaces, never stacks.
//   - `notificationclick`: focus an open window of the app and take it to
//     `url`, or open one there. Treat `url` as untrusted: same origin only.
//   - `pushsubscriptionchange`: subscribe again with the key from
//     GET /api/v1/push/vapid-public-key and POST subscription.toJSON() to
//     /api/v1/push/subscriptions with X-CSRF-Token (from GET /api/v1/auth/me).
//
// THE HTTP SIDE
//
//   GET    /api/v1/push/vapid-public-key  -> {"public_key": base64url uncompressed P-256 point}
//   POST   /api/v1/push/subscriptions     <- PushSubscription.toJSON():
//          {"endpoint", "expirationTime", "keys": {"p256dh", "auth"}} -> 201 new, 200 known
//   DELETE /api/v1/push/subscriptions     <- {"endpoint"} -> 204, or 404 if not ours
//
// Every function here resolves to {ok, status} and never throws, so a caller
// can show `status` without try/catch. Statuses: "enabled", "off",
// "unsupported", "ios-needs-home-screen" (show the Add to Home Screen steps),
// "denied" (blocked in the browser's settings), "dismissed" (the prompt was
// closed), "signed-out", "offline", "failed".

const API = "/api/v1";
const TIMEOUT_MS = 10000;
// Set when someone turned push off here (or signed out): opening the app then
// must not quietly subscribe again, even though the permission stays granted.
const TURNED_OFF = "between.push-off";

function remember(off) {
  try {
    if (off) localStorage.setItem(TURNED_OFF, "1");
    else localStorage.removeItem(TURNED_OFF);
  } catch {
    // Storage unavailable: nothing to remember it in.
  }
}

function turnedOff() {
  try {
    return localStorage.getItem(TURNED_OFF) === "1";
  } catch {
    return false;
  }
}

function isIos() {
  // iPadOS presents itself as a Mac; its touch points give it away.
  return /iPad|iPhone|iPod/.test(navigator.userAgent) || (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
}

function isStandalone() {
  return window.matchMedia("(display-mode: standalone)").matches || navigator.standalone === true;
}

/** "supported", "unsupported" or "ios-needs-home-screen"; synchronous, so a click keeps its activation. */
export function pushSupport() {
  // On iOS and iPadOS, Web Push exists only for apps opened from the Home Screen.
  if (isIos() && !isStandalone()) return "ios-needs-home-screen";
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    return "unsupported";
  }
  return "supported";
}

function result(ok, status) {
  return { ok, status };
}

function base64UrlToBytes(value) {
  const padded = value.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(value.length / 4) * 4, "=");
  return Uint8Array.from(atob(padded), (char) => char.charCodeAt(0));
}

function sameBytes(buffer, bytes) {
  if (!buffer) return false;
  const view = new Uint8Array(buffer);
  return view.length === bytes.length && view.every((byte, i) => byte === bytes[i]);
}

class PushFailure extends Error {
  constructor(status) {
    super(status);
    this.status = status;
  }
}

async function request(path, options = {}) {
  const init = { credentials: "same-origin", cache: "no-store", ...options };
  if (typeof AbortSignal !== "undefined" && AbortSignal.timeout) init.signal = AbortSignal.timeout(TIMEOUT_MS);
  try {
    return await fetch(`${API}${path}`, init);
  } catch {
    throw new PushFailure("offline");
  }
}

async function vapidKey() {
  const response = await request("/push/vapid-public-key");
  if (!response.ok) throw new PushFailure("failed");
  const { public_key: key } = await response.json();
  return base64UrlToBytes(key);
}

/** Send JSON with a CSRF token read fresh from /auth/me (a stored one may have expired). */
async function sendJson(method, body) {
  const me = await request("/auth/me");
  if (me.status === 401) throw new PushFailure("signed-out");
  if (!me.ok) throw new PushFailure("failed");
  const { csrf_token: token } = await me.json();
  const response = await request("/push/subscriptions", {
    method,
    headers: { "Content-Type": "application/json", "X-CSRF-Token": token || "" },
    body: JSON.stringify(body),
  });
  if (response.status === 401) throw new PushFailure("signed-out");
  return response;
}

async function send(subscription) {
  const response = await sendJson("POST", subscription.toJSON());
  if (!response.ok) throw new PushFailure("failed");
}

async function registration(register) {
  // `ready` never settles without a service worker; getRegistration does.
  let found = await navigator.serviceWorker.getRegistration();
  // A page the service worker does not already serve (the therapist workspace)
  // registers it here: the root-scope worker is what shows a push.
  if (!found && register) found = await navigator.serviceWorker.register(register, { scope: "/" });
  if (!found) throw new PushFailure("unsupported");
  return within(navigator.serviceWorker.ready, "no-push-service");
}

/** The current subscription, replaced if it was made with another server key (keys rotated). */
async function currentSubscription(pushManager, key, { create }) {
  let subscription = await pushManager.getSubscription();
  if (subscription && !sameBytes(subscription.options?.applicationServerKey, key)) {
    await subscription.unsubscribe();
    subscription = null;
  }
  if (!subscription && create) {
    subscription = await within(
      pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key }),
      "no-push-service",
    );
  }
  return subscription;
}

/**
 * `promise`, or a PushFailure(`status`) after `ms`: a browser with no push
 * service (or a service worker that never becomes ready) would otherwise
 * leave "Asking…" on screen for ever.
 */
function within(promise, status, ms = TIMEOUT_MS) {
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new PushFailure(status)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

async function settle(work) {
  try {
    return await work();
  } catch (error) {
    return result(false, error instanceof PushFailure ? error.status : "failed");
  }
}

/**
 * Turn reminders on for this device. Call it only from a click (or tap)
 * handler: browsers show the permission prompt only for a user gesture, and
 * Safari only if no other await comes before it. `register` ("/sw.js")
 * registers the service worker first where the page has none of its own.
 */
export async function enablePush({ register } = {}) {
  const support = pushSupport();
  if (support !== "supported") return result(false, support);
  let permission = Notification.permission;
  if (permission === "default") {
    try {
      permission = await Notification.requestPermission(); // first, while the gesture counts
    } catch {
      return result(false, "failed");
    }
  }
  if (permission === "denied") return result(false, "denied");
  if (permission !== "granted") return result(false, "dismissed");
  return settle(async () => {
    const { pushManager } = await registration(register);
    const subscription = await currentSubscription(pushManager, await vapidKey(), { create: true });
    await send(subscription);
    remember(false);
    return result(true, "enabled");
  });
}

/**
 * Where this device stands, without asking anything: "enabled" (subscribed
 * here), "off", "denied", "unsupported" or "ios-needs-home-screen". Whether
 * the server still knows the device is refreshSubscription()'s business.
 */
export async function pushState() {
  const support = pushSupport();
  if (support !== "supported") return support;
  if (Notification.permission === "denied") return "denied";
  if (Notification.permission !== "granted") return "off";
  try {
    const found = await navigator.serviceWorker.getRegistration();
    const subscription = found ? await found.pushManager.getSubscription() : null;
    return subscription ? "enabled" : "off";
  } catch {
    return "off";
  }
}

/**
 * Tell the server about this device again. Call it every time the app opens:
 * a subscription can change or die without notice (Apple's push service
 * even accepts pushes to dead ones), and the server drops devices that fail.
 * Never prompts; quietly does nothing where reminders are not turned on.
 */
export async function refreshSubscription() {
  const support = pushSupport();
  if (support !== "supported") return result(false, support);
  if (Notification.permission !== "granted") return result(false, "off");
  return settle(async () => {
    const { pushManager } = await registration();
    // With the permission already granted, subscribing needs no gesture;
    // that recovers a device whose subscription the browser dropped, unless
    // push was turned off here on purpose.
    const subscription = await currentSubscription(pushManager, await vapidKey(), { create: !turnedOff() });
    if (!subscription) return result(false, "off");
    await send(subscription);
    return result(true, "enabled");
  });
}

/** Turn reminders off for this device: unsubscribe here and tell the server. */
export async function disablePush() {
  remember(true);
  if (!("serviceWorker" in navigator)) return result(true, "off");
  return settle(async () => {
    const found = await navigator.serviceWorker.getRegistration();
    const subscription = found ? await found.pushManager.getSubscription() : null;
    if (!subscription) return result(true, "off");
    const { endpoint } = subscription;
    await subscription.unsubscribe(); // off on this device whatever the network does
    try {
      await sendJson("DELETE", { endpoint }); // 404: the server had already forgotten it
    } catch {
      // Offline or signed out: the push service answers the server's next
      // push with 410, and the server forgets the device then.
    }
    return result(true, "off");
  });
}
