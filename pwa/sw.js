// Between's service worker, at the root scope.
//
// - The app shell is precached in a versioned cache ("between-shell-<VERSION>");
//   VERSION is a hash of the shell files (tests/browser/shell.py checks it and
//   `python -m tests.browser.shell --write` updates it), so a changed file
//   always reaches patients.
// - Navigations: network first (with navigation preload), the cached shell
//   when offline or when the server fails.
// - Shell files: cache first. Nothing under /api/ is ever cached: it is health data.
// - Push: always shows a notification; a click opens the right screen.

const PREFIX = "between-";
const VERSION = "df31df603018";
const SHELL_CACHE = `${PREFIX}shell-${VERSION}`;
const SHELL = [
  "/",
  "/manifest.webmanifest",
  "/css/base.css",
  "/css/app.css",
  "/js/app.js",
  "/js/api.js",
  "/js/db.js",
  "/js/dom.js",
  "/js/clock.js",
  "/js/outbox.js",
  "/js/session.js",
  "/js/drafts.js",
  "/js/prompts.js",
  "/js/crisis-data.js",
  "/js/crisis-defaults.js",
  "/js/scale.js",
  "/js/feelings.js",
  "/js/sealed.js",
  "/js/companion.js",
  "/js/companion-cards.js",
  "/js/install.js",
  "/js/router.js",
  "/js/recent.js",
  "/js/paged-list.js",
  "/js/signout-core.js",
  "/js/screens/signin.js",
  "/js/screens/invite.js",
  "/js/screens/today.js",
  "/js/screens/journal.js",
  "/js/screens/entry.js",
  "/js/screens/measures.js",
  "/js/screens/questionnaire.js",
  "/js/screens/trend.js",
  "/js/screens/checkins.js",
  "/js/screens/week.js",
  "/js/screens/sharing.js",
  "/js/screens/settings.js",
  "/js/screens/settings-account.js",
  "/js/screens/crisis.js",
  "/js/screens/waiting.js",
  "/js/screens/signout.js",
  "/js/screens/deleted.js",
  "/js/screens/sessions.js",
  "/js/screens/checklist.js",
  "/js/screens/intention.js",
  "/js/screens/after-dose.js",
  "/js/screens/dosing-day.js",
  "/js/screens/safety-plan.js",
  "/icons/icon.svg",
  "/icons/icon-192.png",
  "/icons/icon-512.png",
  "/icons/maskable-192.png",
  "/icons/maskable-512.png",
  "/icons/apple-touch-icon.png",
];
// Owned by the push feature and changed on its own schedule: fetched from the
// network first, the cached copy only when offline.
const NETWORK_FIRST = ["/js/push.js"];

async function precache() {
  const cache = await caches.open(SHELL_CACHE);
  // cache: "reload" skips the HTTP cache so the shell matches VERSION.
  await cache.addAll(SHELL.map((url) => new Request(url, { cache: "reload" })));
  await Promise.all(
    NETWORK_FIRST.map((url) =>
      fetch(url, { cache: "reload" })
        .then((response) => response.ok && cache.put(url, response))
        .catch(() => {}),
    ),
  );
}

self.addEventListener("install", (event) => {
  event.waitUntil(precache());
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      if (self.registration.navigationPreload) {
        await self.registration.navigationPreload.enable();
      }
      const names = await caches.keys();
      await Promise.all(
        names
          .filter((name) => name.startsWith(PREFIX) && name !== SHELL_CACHE)
          .map((name) => caches.delete(name)),
      );
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("message", (event) => {
  if (event.data?.type === "skip-waiting") self.skipWaiting();
  // Logout: keep only the shell files themselves (public, the same for everyone).
  if (event.data?.type === "purge") event.waitUntil(purge());
});

async function purge() {
  const keep = new Set([...SHELL, ...NETWORK_FIRST].map((url) => new URL(url, self.location.origin).href));
  for (const name of await caches.keys()) {
    if (!name.startsWith(PREFIX)) continue;
    if (name !== SHELL_CACHE) {
      await caches.delete(name);
      continue;
    }
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      if (!keep.has(request.url)) await cache.delete(request);
    }
  }
}

/** How long opening the app waits for the network before the cached shell opens it. */
const NAVIGATION_TIMEOUT_MS = 4000;

async function navigation(event) {
  const network = (async () => (await event.preloadResponse) || (await fetch(event.request)))();
  event.waitUntil(network.catch(() => {}));
  const cache = await caches.open(SHELL_CACHE);
  const cached = await cache.match("/");
  try {
    // A connection that never answers must not keep the app (and Need help now) from opening.
    const late = new Promise((resolve) => setTimeout(() => resolve(cached), NAVIGATION_TIMEOUT_MS));
    const response = cached ? await Promise.race([network, late]) : await network;
    if (response.status >= 500) return cached || response;
    return response;
  } catch {
    return cached || Response.error();
  }
}

async function networkFirst(request) {
  try {
    const response = await fetch(request);
    if (response.ok) {
      const cache = await caches.open(SHELL_CACHE);
      await cache.put(request, response.clone());
    }
    return response;
  } catch {
    return (await caches.match(request)) || Response.error();
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(SHELL_CACHE);
  return (await cache.match(request, { ignoreSearch: true })) || fetch(request);
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  // Health data: straight to the network, never into a cache.
  if (url.pathname.startsWith("/api/")) return;
  if (request.mode === "navigate") {
    // Only the patient app's page; other pages (the therapist workspace) are their own.
    if (url.pathname === "/" || url.pathname === "/index.html") event.respondWith(navigation(event));
  } else if (NETWORK_FIRST.includes(url.pathname)) {
    event.respondWith(networkFirst(request));
  } else if (SHELL.includes(url.pathname)) {
    event.respondWith(cacheFirst(request));
  }
});

// --- Push ------------------------------------------------------------------

function sameOriginUrl(value) {
  try {
    const url = new URL(value || "/", self.location.origin);
    return url.origin === self.location.origin ? url.href : self.location.origin + "/";
  } catch {
    return self.location.origin + "/";
  }
}

self.addEventListener("push", (event) => {
  let payload = {};
  try {
    payload = event.data ? event.data.json() : {};
  } catch {
    payload = {};
  }
  // Always show something: a push without a notification costs the permission.
  const title = typeof payload.title === "string" && payload.title ? payload.title : "Between";
  const options = {
    body: typeof payload.body === "string" ? payload.body : "",
    data: { url: sameOriginUrl(payload.url) },
    icon: "/icons/icon-192.png",
    badge: "/icons/maskable-192.png",
  };
  if (typeof payload.tag === "string" && payload.tag) options.tag = payload.tag;
  event.waitUntil(self.registration.showNotification(title, options));
});

/** Focus an open window of the app and take it to `url`, or open one. */
async function openApp(url) {
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  // The app the link belongs to: the patient app at "/", the therapist
  // workspace at /therapist/index.html. A window of the other one is left alone.
  const page = new URL(url).pathname;
  const samePage = (each) => {
    const open = new URL(each.url).pathname;
    return open === page || (page === "/" && open === "/index.html");
  };
  const client = windows.find((each) => each.url.startsWith(self.location.origin) && samePage(each));
  if (client) {
    await client.focus().catch(() => {}); // focus needs the click's user activation
    client.postMessage({ type: "navigate", url });
    return client;
  }
  return self.clients.openWindow(url);
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(openApp(sameOriginUrl(event.notification.data?.url)));
});

function base64UrlToBytes(value) {
  const padded = value.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(value.length / 4) * 4, "=");
  return Uint8Array.from(atob(padded), (char) => char.charCodeAt(0));
}

async function applicationServerKey(oldSubscription) {
  const known = oldSubscription?.options?.applicationServerKey;
  if (known) return known;
  const response = await fetch("/api/v1/push/vapid-public-key", { credentials: "same-origin" });
  if (!response.ok) throw new Error("no VAPID key");
  const body = await response.json();
  return base64UrlToBytes(body.public_key);
}

/** A same-origin JSON request with the session's CSRF token; null when signed out. */
async function sendSubscriptionChange(method, body) {
  const me = await fetch("/api/v1/auth/me", { credentials: "same-origin", cache: "no-store" });
  if (!me.ok) return null; // signed out: the app re-subscribes when it next opens
  const { csrf_token: token } = await me.json();
  return fetch("/api/v1/push/subscriptions", {
    method,
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": token || "" },
    body: JSON.stringify(body),
  });
}

/**
 * The push service replaced or dropped this device's subscription: subscribe
 * again if the browser has not already, tell the server about the new one and
 * let it forget the old one. Returns the new subscription.
 */
async function resubscribe(oldSubscription, newSubscription) {
  const subscription =
    newSubscription ||
    (await self.registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: await applicationServerKey(oldSubscription),
    }));
  const stored = await sendSubscriptionChange("POST", subscription.toJSON()); // {endpoint, expirationTime, keys}
  if (stored?.ok && oldSubscription?.endpoint && oldSubscription.endpoint !== subscription.endpoint) {
    await sendSubscriptionChange("DELETE", { endpoint: oldSubscription.endpoint }); // 404: already gone
  }
  return subscription;
}

self.addEventListener("pushsubscriptionchange", (event) => {
  event.waitUntil(resubscribe(event.oldSubscription, event.newSubscription));
});
