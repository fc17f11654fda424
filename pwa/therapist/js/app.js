// The therapist workspace: boot, who is signed in, a hash router over screens
// (one module each, loaded on demand), and the idle clock of the staff session.
// Nothing here is imported by the patient app, and nothing is stored on the
// device: what a screen shows lives in its DOM and goes when the session ends.

import { h } from "/js/dom.js";
import { createRouter, markCurrentLink } from "/js/router.js";
import { call, onSession, onSignOutElsewhere, setMe, signOut, state, whoAmI } from "./client.js";
import { startIdle, stopIdle } from "./idle.js";

const THERAPIST = ["therapist"];
const ADMIN = ["admin"];
const STAFF = ["therapist", "admin"];

// [pattern, screen module, {keys: names of the captured groups, roles, open}]
const ROUTES = [
  [/^\/signin$/, "signin", { open: true }],
  [/^\/signout$/, "signout", { open: true }],
  // An admin's invitation link: choose a password, then set up two-step sign-in.
  [/^\/invite\/([\w-]+)$/, "invite", { keys: ["token"], open: true }],
  [/^\/enrol$/, "enrol", { enrol: true }],
  [/^\/caseload$/, "caseload", { roles: THERAPIST }],
  [/^\/patients\/([\w-]+)$/, "patient", { keys: ["patientId"], roles: THERAPIST }],
  // A flag's source: the patient's timeline, opened on that item.
  [/^\/patients\/([\w-]+)\/items\/([\w-]+)$/, "patient", { keys: ["patientId", "itemId"], roles: THERAPIST }],
  [/^\/patients\/([\w-]+)\/brief$/, "brief", { keys: ["patientId"], roles: THERAPIST }],
  [/^\/patients\/([\w-]+)\/schedule$/, "schedule", { keys: ["patientId"], roles: THERAPIST }],
  [/^\/patients\/([\w-]+)\/safety-plan$/, "safety-plan", { keys: ["patientId"], roles: THERAPIST }],
  [/^\/patients\/([\w-]+)\/measures$/, "measures", { keys: ["patientId"], roles: THERAPIST }],
  [/^\/flags$/, "flags", { roles: STAFF }],
  [/^\/prompts$/, "prompts", { roles: THERAPIST }],
  [/^\/checklist$/, "checklist", { roles: STAFF }],
  [/^\/invites$/, "invites", { roles: STAFF }],
  [/^\/account$/, "account", { roles: STAFF }],
  [/^\/audit$/, "audit", { roles: ADMIN }],
  [/^\/crisis-resources$/, "crisis", { roles: ADMIN }],
  [/^\/staff$/, "staff", { roles: ADMIN }],
  [/^\/clinic$/, "clinic", { roles: ADMIN }],
  [/^\/outcomes$/, "outcomes", { roles: ADMIN }],
];

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const announcer = document.getElementById("announce");
const accountLink = document.getElementById("account-link");
/**
 * Where to go after signing in again: {path, person} (a route and an account
 * id, never data). Only `person` is taken back there: anyone else signing in
 * next in this browser starts at their home. `person` is null for a link opened
 * before anyone signed in on this page (an email, a notification).
 */
let returnTo = null;
/** The id of the last person signed in on this page, kept after they sign out. */
let lastPerson = null;
/** Why the sign-in screen is showing, for its first line. */
let signInReason = null;

const router = createRouter({
  routes: ROUTES,
  start: "/",
  load: (name) => import(`./screens/${name}.js`),
  guard,
  prepare,
  context: (found) => ({
    announce,
    me: state.me,
    reason: found.name === "signin" ? takeSignInReason() : null,
    signedIn,
    setFlagCount,
  }),
  unloadable: () => [
    h("h1", { tabindex: "-1" }, "This page could not load"),
    h("p", {}, "Check the connection and try again."),
  ],
  failed: (view, error) => {
    // A screen's own messages cover the API's answers; this is for the unexpected.
    console.error(error);
    if (state.me) {
      view.append(h("p", { class: "attention" }, "Something went wrong on this page. Reload it to try again."));
    }
  },
});

const navigate = router.navigate;

function home() {
  return state.me?.role === "admin" ? "/audit" : "/caseload";
}

function needsEnrolment(me) {
  return Boolean(me?.totp_required && !me.totp_enrolled);
}

/** Say something to screen readers without moving focus. */
function announce(text) {
  announcer.textContent = "";
  // A new text node on the next frame is announced even when the text repeats.
  requestAnimationFrame(() => {
    announcer.textContent = text;
  });
}

function showChrome() {
  const me = state.me;
  const full = Boolean(me && !needsEnrolment(me));
  nav.hidden = !full;
  document.getElementById("who").hidden = !me;
  document.getElementById("who-name").textContent = me ? me.display_name || me.email : "";
  accountLink.hidden = !full;
  for (const item of nav.querySelectorAll("li[data-role]")) {
    item.hidden = !me || item.dataset.role !== me.role;
  }
}

function markCurrent(path) {
  if (path === "/account") accountLink.setAttribute("aria-current", "page");
  else accountLink.removeAttribute("aria-current");
  markCurrentLink(nav.querySelectorAll("a"), path);
}

/** Who may open this screen: true to show it; nothing when sent elsewhere. */
function guard(path, found) {
  const me = state.me;
  if (me) lastPerson = me.id;
  if (!found) return navigate(me ? (needsEnrolment(me) ? "/enrol" : home()) : "/signin");
  if (!found.open && !me) {
    // After a sign-out on this page (Back, a stale link), the route is the last person's.
    returnTo = { path, person: lastPerson };
    return navigate("/signin");
  }
  if (me && me.role === "patient" && !found.open) return showPatientNotice();
  if (me && needsEnrolment(me) && !found.open && !found.enrol) return navigate("/enrol");
  if (found.name === "signin" && me && !needsEnrolment(me)) return navigate(home());
  if (found.roles && !found.roles.includes(me.role)) return navigate(home());
  return true;
}

function prepare(path, found) {
  const me = state.me;
  showChrome();
  markCurrent(path);
  const working = me && me.role === "therapist" && !needsEnrolment(me) && !found.open;
  if (working && !FLAG_SCREENS.has(found.name)) refreshFlagCount();
}

function takeSignInReason() {
  const reason = signInReason;
  signInReason = null;
  return reason;
}

function showPatientNotice() {
  showChrome();
  nav.hidden = true;
  router.show(
    h("h1", {}, "This workspace is for clinic staff"),
    h("p", {}, "Your journal is in the Between app."),
    h("p", {}, h("a", { href: "/" }, "Open your journal")),
  );
  document.title = "Between for clinicians";
}

/** The open-flag count beside "Flags" in the navigation (null hides it). */
function setFlagCount(count) {
  const badge = document.getElementById("flag-count");
  badge.hidden = !count;
  badge.textContent = count ? String(count) : "";
  const link = badge.closest("a");
  link.setAttribute("aria-label", count ? `Flags, ${count} open` : "Flags");
}

/** Screens that load the flags themselves and set the count from them. */
const FLAG_SCREENS = new Set(["caseload", "flags"]);

/** The count for every other screen: an urgent flag must show wherever the
 * therapist starts (a reload on a patient's page, a link from an email). */
async function refreshFlagCount() {
  const who = state.me.id;
  const asked = router.current();
  try {
    const summary = await call("/flags/summary");
    // Only for the same person on the same screen: a count arriving after a
    // sign-out, or after a screen that set it from its own list, is stale.
    if (state.me?.id === who && asked === router.current()) setFlagCount(summary.open);
  } catch {
    // Offline or signed out: the badge keeps what it showed.
  }
}

/** Called by sign-in and enrolment once the person may work. */
function signedIn(me) {
  setFlagCount(null); // whoever was here before, their count is not this person's
  if (!needsEnrolment(me)) watchIdle();
  const mine = returnTo && (returnTo.person == null || returnTo.person === me.id);
  const target = mine && !/^\/(signin|signout|enrol)/.test(returnTo.path) ? returnTo.path : null;
  returnTo = null;
  navigate(needsEnrolment(me) ? "/enrol" : target || home());
}

/** The server ended the session (idle, revoked, signed out elsewhere). */
function sessionEnded(type) {
  if (state.me) endHere(type);
}

/** The session is over: clear the screen at once and show sign-in. */
function endHere(type) {
  const path = location.hash.replace(/^#/, "");
  if (state.me) lastPerson = state.me.id;
  if (!/^\/(signin|signout)/.test(path)) returnTo = { path, person: lastPerson };
  stopIdle();
  router.show(); // no patient data stays on a laptop left open
  setFlagCount(null);
  setMe(null);
  signInReason =
    type === "/problems/session-expired"
      ? "You were signed out after 15 minutes without activity, to protect your patients' privacy. Sign in again to carry on."
      : "Your session has ended. Sign in again to carry on.";
  navigate("/signin");
}

function watchIdle() {
  startIdle({
    stay: () => call("/auth/me"),
    leave: () => navigate("/signout"),
    ended: async () => {
      main.replaceChildren(); // nothing stays on screen while the server is told
      await signOut(); // the server would end it too; this makes sure at once
      endHere("/problems/session-expired");
    },
  });
}

/** A notification click in the service worker takes this window to its screen. */
function listenToServiceWorker() {
  navigator.serviceWorker?.addEventListener("message", (event) => {
    if (event.data?.type !== "navigate" || typeof event.data.url !== "string") return;
    const target = new URL(event.data.url, location.origin);
    if (target.origin === location.origin && target.pathname === location.pathname) {
      location.hash = target.hash || "#/caseload";
    }
  });
}

/**
 * Urgent-flag notifications turned on here: tell the server about this device
 * again (a subscription can change or die unnoticed). Never turns them on.
 */
function refreshPush() {
  if (!("Notification" in window) || Notification.permission !== "granted") return;
  import("/js/push.js")
    .then(async (push) => {
      if ((await push.pushState()) === "enabled") await push.refreshSubscription();
    })
    .catch(() => {});
}

async function boot() {
  document.getElementById("skip-link").addEventListener("click", (event) => {
    event.preventDefault();
    main.setAttribute("tabindex", "-1");
    main.focus();
  });
  onSession({
    ended: sessionEnded,
    enrolNeeded: () => {
      if (state.me) state.me.totp_enrolled = false;
      navigate("/enrol");
    },
  });
  // Signed out in another tab: the session is gone here too, so nothing stays on screen.
  onSignOutElsewhere(() => sessionEnded("/problems/signed-out"));
  listenToServiceWorker();
  try {
    const me = await whoAmI();
    if (me && !needsEnrolment(me) && me.role !== "patient") watchIdle();
    if (me?.role === "therapist") refreshPush();
  } catch {
    main.replaceChildren(
      h("h1", {}, "Between could not be reached"),
      h("p", {}, "Check the connection, then reload this page."),
    );
    return;
  }
  window.addEventListener("hashchange", router.route);
  await router.route();
}

boot();
