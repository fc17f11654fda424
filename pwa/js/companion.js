// The KAP session companion's data on the device: the summary the server
// gives for Today (sessions ahead, checklist, intention, what is due after a
// dose) and the safety plan, both kept sealed (sealed.js) for offline use.

import { api } from "./api.js";
import { seal, unseal } from "./sealed.js";
import { session } from "./session.js";

export const ROUTE_WORDS = {
  iv: "IV (into a vein)",
  im: "Intramuscular (an injection)",
  intranasal: "Nasal spray",
  sublingual: "Lozenge (under the tongue)",
  oral: "By mouth",
};

/**
 * What the server gives at `path`, kept sealed under `name` for reading offline:
 * fresh() reads and keeps it (throws when offline), cached() the kept one,
 * keep(value) keeps a newer one.
 */
function keptCopy(name, path) {
  const keep = (value) => seal(name, value).catch(() => {});
  return {
    async fresh() {
      const value = await api(path);
      await keep(value);
      return value;
    },
    cached: () => unseal(name),
    keep,
  };
}

const summary = keptCopy("companion", "/me/companion");

/** The summary now, or the kept one when the network is not there: {summary, offline}. */
export async function companion() {
  try {
    return { summary: await summary.fresh(), offline: false };
  } catch (error) {
    return { summary: await summary.cached(), offline: true, error };
  }
}

/** The patient's safety plan, kept for offline like the summary. */
export const safetyPlan = keptCopy("safety-plan", "/me/safety-plan");

/** Date and time in the patient's own zone, e.g. "Thu 12 Mar, 10:00". */
export function whenInMyZone(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const options = {
    weekday: "short",
    day: "numeric",
    month: "short",
    hour: "numeric",
    minute: "2-digit",
  };
  try {
    return new Intl.DateTimeFormat(undefined, { ...options, timeZone: session.me?.time_zone }).format(date);
  } catch {
    return new Intl.DateTimeFormat(undefined, options).format(date);
  }
}

export function sessionTitle(item) {
  return item.kind === "dosing" ? "Dosing session" : "Integration session";
}

/** One line of words about a session: place, and the route for a dosing session. */
export function sessionDetails(item) {
  const parts = [item.place || (item.setting === "home" ? "At home" : "At the clinic")];
  if (item.kind === "dosing" && item.route) parts.push(ROUTE_WORDS[item.route] || item.route);
  if (item.kind === "integration" && item.duration_minutes) parts.push(`${item.duration_minutes} minutes`);
  return parts.join(" · ");
}
