// The idle clock of a staff session (SPEC 8: 15 minutes).
//
// The server keeps `seen`, the last time it saw this session, and moves it on
// at most once a minute (server/auth/sessions.py). We cannot read it, so we
// keep the bounds it must lie in: `lo` ≤ seen ≤ `hi`. A request arriving at t
// moves it for sure when t - hi ≥ 60 s, and maybe when only t - lo ≥ 60 s; we
// only know t lies between sending and the answer, so `lo` follows send times
// and `hi` answer times. The end is counted from `lo`, so we never promise more
// time than the server gives, even when an answer is slow.
// Tabs share the bounds through localStorage (a time, no health data).

const IDLE_MS = 15 * 60 * 1000;
const WARN_MS = 2 * 60 * 1000; // how long before the end the warning shows
const REFRESH_MS = 60 * 1000; // the server moves `seen` at most this often
const MARGIN_MS = 5 * 1000; // clocks and rounding: end a little early, never late
const KEY = "between.therapist.seen";

let lo = 0;
let hi = 0;
let running = false;
let timer = null;
let ticker = null;
let actions = { stay: async () => {}, leave: async () => {}, ended: () => {} };

const dialog = () => document.getElementById("idle-dialog");

/**
 * The server answered a request of this session, sent at `sent` (ms). The
 * request reached the server between `sent` and now, so `lo` moves by the
 * send time and `hi` by the answer's. `fresh`: a login, which sets seen.
 */
export function sawServer({ fresh = false, sent = Date.now() } = {}) {
  const answered = Date.now();
  if (fresh || (hi && sent - hi >= REFRESH_MS)) {
    // Login sets seen on arrival; so does a request sent a minute after seen's latest possible time.
    lo = sent;
    hi = answered;
  } else if (!hi) {
    // First sight of a session that began before this page: seen is at most a minute old.
    lo = sent - REFRESH_MS;
    hi = answered;
  } else {
    // Whether or not this request moved `seen`, it is now less than a minute before its arrival.
    if (answered - lo >= REFRESH_MS) hi = Math.max(hi, answered);
    lo = Math.max(lo, sent - REFRESH_MS);
  }
  share();
  if (running) plan();
}

function share() {
  try {
    localStorage.setItem(KEY, JSON.stringify({ lo, hi }));
  } catch {
    // Private mode without storage: each tab keeps its own clock.
  }
}

function fromOtherTab(event) {
  if (event.key !== KEY || !event.newValue) return;
  try {
    const other = JSON.parse(event.newValue);
    lo = Math.max(lo, Number(other.lo) || 0);
    hi = Math.max(hi, Number(other.hi) || 0);
  } catch {
    return;
  }
  if (running) plan();
}

/** Start watching: `stay` refreshes the session, `leave` signs out, `ended` shows sign-in. */
export function startIdle(callbacks) {
  actions = callbacks;
  if (!running) {
    running = true;
    window.addEventListener("storage", fromOtherTab);
    // Timers sleep with the laptop; check at once when it wakes.
    document.addEventListener("visibilitychange", plan);
    const box = dialog();
    box.querySelector("#idle-stay").addEventListener("click", stay);
    box.querySelector("#idle-leave").addEventListener("click", () => actions.leave());
    // Escape means "I'm here": the same as staying.
    box.addEventListener("cancel", (event) => {
      event.preventDefault();
      stay();
    });
  }
  plan();
}

export function stopIdle() {
  running = false;
  lo = hi = 0;
  clearTimeout(timer);
  clearInterval(ticker);
  window.removeEventListener("storage", fromOtherTab);
  document.removeEventListener("visibilitychange", plan);
  closeDialog();
}

function endsAt() {
  return lo + IDLE_MS - MARGIN_MS;
}

function plan() {
  if (!running) return;
  clearTimeout(timer);
  const left = endsAt() - Date.now();
  if (left <= 0) {
    end();
  } else if (left <= WARN_MS) {
    openDialog();
    timer = setTimeout(plan, left);
  } else {
    closeDialog();
    timer = setTimeout(plan, left - WARN_MS);
  }
}

function countdown() {
  const left = Math.max(0, Math.ceil((endsAt() - Date.now()) / 1000));
  const minutes = Math.floor(left / 60);
  const seconds = String(left % 60).padStart(2, "0");
  dialog().querySelector("#idle-left").textContent = `Signing out in ${minutes}:${seconds}.`;
}

function openDialog() {
  const box = dialog();
  countdown();
  if (!box.open) {
    box.showModal();
    box.querySelector("#idle-stay").focus();
    clearInterval(ticker);
    ticker = setInterval(countdown, 1000);
  }
}

function closeDialog() {
  clearInterval(ticker);
  const box = dialog();
  if (box?.open) box.close();
}

async function stay() {
  const button = dialog().querySelector("#idle-stay");
  button.disabled = true;
  try {
    await actions.stay(); // an authenticated GET: the server moves `seen`
  } finally {
    button.disabled = false;
  }
  plan();
}

function end() {
  const wasRunning = running;
  stopIdle();
  if (wasRunning) actions.ended();
}
