// The phone's clock against the server's. Every API answer carries the
// server's time (the HTTP Date header); the difference is kept on this
// phone, so times written offline are corrected too. The server accepts
// times up to 15 minutes ahead and refuses more: a phone further off would
// see every check-in refused, so its times are put right here instead, and
// the patient is told the clock is off.

const KEY = "between.clock-offset";
const CORRECT_FROM = 60 * 1000; // below this, the phone's own clock is used as it is
const TELL_FROM = 5 * 60 * 1000; // from this, the status line says so
const SLOW_ANSWER = 5000; // an answer that took longer says too little about the clock

export const clockEvents = new EventTarget();
let offset = Number(localStorage.getItem(KEY)) || 0; // server minus phone, in ms

/** Learn from one API answer: `dateHeader` as sent by the server. */
export function noteServerDate(dateHeader, sentAt, receivedAt) {
  const server = Date.parse(dateHeader || "");
  if (Number.isNaN(server) || receivedAt - sentAt > SLOW_ANSWER) return;
  // Date has whole seconds: the server's time was within the second after it.
  const measured = server + 500 - (sentAt + receivedAt) / 2;
  const before = Math.abs(offset) >= TELL_FROM;
  offset = Math.abs(measured) < 2000 ? 0 : Math.round(measured);
  localStorage.setItem(KEY, String(offset));
  if (before !== Math.abs(offset) >= TELL_FROM) clockEvents.dispatchEvent(new Event("change"));
}

/** Now, by the server's clock when the phone's is more than a minute off. */
export function serverNow() {
  return Math.abs(offset) >= CORRECT_FROM ? new Date(Date.now() + offset) : new Date();
}

/** A sentence for the status line when the phone's clock is far off, else "". */
export function clockNotice() {
  if (Math.abs(offset) < TELL_FROM) return "";
  const minutes = Math.round(Math.abs(offset) / 60000);
  const amount = minutes >= 120 ? `${Math.round(minutes / 60)} hours` : `${minutes} minutes`;
  const way = offset < 0 ? "ahead" : "behind";
  return (
    `Your phone's clock is about ${amount} ${way}. What you log is still saved, ` +
    "timed by Between's clock; setting the phone's time right keeps reminders on time."
  );
}
