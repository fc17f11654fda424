// The patient app: boot, routing between screens (one module each, loaded
// on demand), the outbox status line, and the service worker.

import { ApiError, OfflineError, onSignedOut } from "./api.js";
import { clockEvents, clockNotice } from "./clock.js";
import { h } from "./dom.js";
import { sealOldDrafts } from "./drafts.js";
import { events as outboxEvents, flush, queued, sealOld, sentSinceStart } from "./outbox.js";
import { watchInstallOffer } from "./install.js";
import { createRouter, markCurrentLink } from "./router.js";
import { deviceKey, dropKey, hasKey, onKeyDropped } from "./sealed.js";
import { cachedMe, refreshMe, session, setMe } from "./session.js";

const ROUTES = [
  [/^\/signin$/, "signin", { open: true }],
  [/^\/invite\/([\w-]+)$/, "invite", { open: true, keys: ["token"] }],
  [/^\/crisis$/, "crisis", { open: true }],
  [/^\/deleted$/, "deleted", { open: true }],
  [/^\/today$/, "today"],
  [/^\/journal$/, "journal"],
  [/^\/journal\/new(?:\/([\w-]+))?$/, "entry", { keys: ["promptId"] }],
  [/^\/journal\/([\w-]+)\/edit$/, "entry", { keys: ["entryId"] }],
  [/^\/measures$/, "measures"],
  [/^\/measures\/([a-z0-9]+)$/, "questionnaire", { keys: ["instrument"] }],
  [/^\/trend$/, "trend"],
  [/^\/checkins$/, "checkins"],
  [/^\/week$/, "week"],
  [/^\/checkins\/day\/(\d{4}-\d{2}-\d{2})$/, "checkins", { keys: ["day"] }],
  [/^\/sharing$/, "sharing"],
  [/^\/settings$/, "settings"],
  [/^\/waiting$/, "waiting"],
  [/^\/sessions$/, "sessions"],
  [/^\/checklist\/([\w-]+)$/, "checklist", { keys: ["sessionId"] }],
  [/^\/intention\/([\w-]+)$/, "intention", { keys: ["sessionId"] }],
  [/^\/after-dose\/([\w-]+)$/, "after-dose", { keys: ["sessionId"] }],
  [/^\/dosing-day$/, "dosing-day"],
  [/^\/safety-plan$/, "safety-plan"],
  [/^\/signout$/, "signout"],
];

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const status = document.getElementById("sync-status");
let signInNeeded = false;

const router = createRouter({
  routes: ROUTES,
  start: "/today",
  load: (name) => import(`./screens/${name}.js`),
  guard,
  prepare: showNav,
  context: () => ({ me: session.me }),
  unloadable: () => [
    h("h1", { tabindex: "-1" }, "This screen could not load"),
    h("p", {}, "Check your connection and try again. Anything you wrote is kept."),
  ],
  // Never a blank screen: what was written is safe in the outbox either way.
  failed: (view) =>
    view.replaceChildren(
      h("h1", {}, "Something went wrong"),
      h("p", {}, "This screen could not be shown. Anything you wrote is kept on this phone."),
      h("p", {}, h("a", { href: "#/today" }, "Back to today")),
    ),
});

const navigate = router.navigate;

/** Who may open this screen: true to show it; nothing when the patient was sent elsewhere. */
function guard(path, found) {
  if (!found) return navigate(session.me ? "/today" : "/signin");
  if (!found.open && (!session.me || session.ended)) {
    // Back to where the patient was going (e.g. a notification's screen) after signing in.
    sessionStorage.setItem("between.after-signin", path);
    return navigate("/signin");
  }
  if (found.name === "signin" && session.me && session.verified) return navigate("/today");
  if (session.me && session.me.role !== "patient" && !found.open) return showStaffNotice();
  return true;
}

function showNav(path) {
  nav.hidden = !session.me || session.ended;
  markCurrentLink(nav.querySelectorAll("a"), path);
}

function showStaffNotice() {
  nav.hidden = true;
  router.show(
    h("h1", {}, "This app is for patients"),
    h("p", {}, "Therapists and clinic staff work in the therapist workspace."),
    h("p", {}, h("a", { href: "/therapist/index.html" }, "Open the therapist workspace")),
    h("p", {}, h("a", { href: "#/signout" }, "Sign out")),
  );
  document.title = "Between";
}

async function updateStatus() {
  const items = session.me ? await queued() : [];
  const held = items.filter((item) => item.state === "held").length;
  const waiting = items.length - held;
  const parts = [];
  if (!navigator.onLine) parts.push("You're offline. What you write is kept on this phone.");
  if (clockNotice()) parts.push(clockNotice());
  if (signInNeeded && session.me) {
    status.replaceChildren(
      ...(items.length
        ? [`${items.length} waiting to send, kept sealed on this phone. `, h("a", { href: "#/signin" }, "Sign in again to send them")]
        : []),
    );
    return;
  }
  if (waiting) {
    parts.push(
      waiting === 1
        ? "1 thing waiting to send."
        : `${waiting} things waiting to send.`,
    );
  }
  const children = [parts.join(" ")];
  if (held) {
    children.push(
      " ",
      h("a", { href: "#/waiting" }, held === 1 ? "1 needs your attention" : `${held} need your attention`),
    );
  } else if (waiting) {
    children.push(" ", h("a", { href: "#/waiting" }, "See what's waiting"));
  } else if (session.me && navigator.onLine && sentSinceStart()) {
    children.push("Everything you wrote is sent.");
  }
  status.replaceChildren(...children);
}

async function finishPendingLogout() {
  if (localStorage.getItem("between.logout-pending") !== "1") return false;
  try {
    const { finishServerLogout } = await import("./signout-core.js");
    await finishServerLogout();
  } catch {
    // Still offline: stay signed out here and try again next time.
  }
  return true;
}

async function boot() {
  watchInstallOffer();
  registerServiceWorker();
  document.getElementById("skip-link").addEventListener("click", (event) => {
    event.preventDefault();
    main.setAttribute("tabindex", "-1");
    main.focus();
  });
  const early = helpWhileStarting();
  const loggingOut = await finishPendingLogout();
  if (!loggingOut) {
    try {
      await refreshMe();
      keyUp();
    } catch (error) {
      // Offline (or the server failing): the patient can still write, sealed
      // under the key this device holds. The session ended (a 401): the key
      // goes, and the app asks to sign in; what waits stays sealed until then.
      const cached = await cachedMe().catch(() => null);
      if (cached) {
        await setMe(cached, { verified: false });
        if (error instanceof ApiError && error.status === 401) await sessionEnded();
        else if (!(await hasKey(cached.id))) session.ended = true;
      }
    }
  }
  const ended = async ({ elsewhere = false } = {}) => {
    if (session.me && !session.ended) {
      await sessionEnded({ elsewhere });
      router.route();
    }
  };
  onSignedOut(() => ended());
  onKeyDropped(() => ended({ elsewhere: true }));
  outboxEvents.addEventListener("change", updateStatus);
  outboxEvents.addEventListener("signin-needed", () => ended());
  outboxEvents.addEventListener("signed-in", () => {
    signInNeeded = false;
    updateStatus();
  });
  const helpShown = early.stop();
  window.addEventListener("hashchange", router.route);
  outboxEvents.addEventListener("signed-in", () => {
    keyUp();
    sync();
    keepForOffline();
  });
  window.addEventListener("online", () => {
    updateStatus();
    sync();
  });
  window.addEventListener("offline", updateStatus);
  clockEvents.addEventListener("change", updateStatus);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") sync();
  });
  // Need help now, drawn while the checks ran, stays as it is for the same person:
  // drawn again, it would move the patient's place (and focus) under their finger.
  const unchanged = helpShown !== null && location.hash === "#/crisis" && helpShown === session.me?.id && !session.ended;
  if (!unchanged) await router.route();
  updateStatus();
  sync();
  keepForOffline();
}

/**
 * Need help now never waits on the server: while the start-up checks run (up to
 * a request's timeout on a connection that hangs), the crisis screen opens at
 * once, for the person last signed in on this phone, when the app starts on it
 * or its link in the header is followed. `stop()` ends this and says for whom
 * the screen is still showing (null when it is not).
 */
function helpWhileStarting() {
  let stopped = false;
  let shownFor = null;
  let shownAt = null;
  const open = async () => {
    if (location.hash !== "#/crisis") return;
    // Signed out with the server not yet told: nobody is signed in here.
    if (!session.me && localStorage.getItem("between.logout-pending") !== "1") {
      const cached = await cachedMe().catch(() => null);
      if (cached && !session.me && !stopped) await setMe(cached, { verified: false });
    }
    if (stopped) return;
    shownFor = session.me?.id ?? null;
    router.route();
    shownAt = router.current();
  };
  window.addEventListener("hashchange", open);
  open();
  return {
    stop() {
      stopped = true;
      window.removeEventListener("hashchange", open);
      return shownAt !== null && shownAt === router.current() ? shownFor : null;
    },
  };
}

/** Fetch the device key now, so what is written offline later can be sealed; seal what an earlier version left in clear. */
async function keyUp() {
  if (!(await deviceKey())) return;
  await sealOld().catch(() => {});
  await sealOldDrafts().catch(() => {});
}

/** The server ended the session: the device key goes and nobody is greeted or let in. */
async function sessionEnded({ elsewhere = false } = {}) {
  // Only a session that was open ends (a refused sign-in on the sign-in screen is no news).
  if (!session.me || session.ended) return;
  session.verified = false;
  session.ended = true;
  signInNeeded = true;
  // Told by another tab, which dropped the key already (and may have signed in again since).
  if (!elsewhere) await dropKey();
  updateStatus();
}

let retryTimer = null;
let retryDelay = 15000;

/** Send what waits; while the server fails, try again now and then (15 s doubling to 5 min). */
async function sync() {
  if (!session.me) return;
  await flush();
  clearTimeout(retryTimer);
  const waiting = (await queued()).some((item) => item.state === "waiting");
  if (waiting && navigator.onLine && !signInNeeded) {
    retryTimer = setTimeout(sync, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 300000);
  } else {
    retryDelay = 15000;
  }
}

/** What the app needs to work offline and is not health data: crisis list, questionnaires. */
function keepForOffline() {
  if (!session.verified) return;
  import("./crisis-data.js").then((crisis) => crisis.freshResources()).catch(() => {});
  import("./prompts.js").then((prompts) => prompts.keepDefinitions()).catch(() => {});
  // A subscription can change or die unnoticed: tell the server about this device on every open.
  if ("Notification" in window && Notification.permission === "granted") {
    import("./push.js").then((push) => push.refreshSubscription()).catch(() => {});
  }
}

function registerServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.addEventListener("message", (event) => {
    if (event.data?.type === "navigate" && typeof event.data.url === "string") {
      const target = new URL(event.data.url, location.origin);
      if (target.origin === location.origin) location.hash = target.hash || "#/today";
    }
  });
  let reloading = false;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (reloading) location.reload();
  });
  navigator.serviceWorker
    .register("/sw.js", { scope: "/" })
    .then((registration) => {
      const offer = (worker) => {
        if (!worker || !navigator.serviceWorker.controller) return;
        const button = h(
          "button",
          {
            type: "button",
            class: "quiet",
            onclick: () => {
              reloading = true;
              worker.postMessage({ type: "skip-waiting" });
            },
          },
          "A new version is ready — refresh",
        );
        document.getElementById("update").replaceChildren(button);
      };
      offer(registration.waiting);
      registration.addEventListener("updatefound", () => {
        const worker = registration.installing;
        worker?.addEventListener("statechange", () => {
          if (worker.state === "installed") offer(worker);
        });
      });
    })
    .catch(() => {});
}

boot();
