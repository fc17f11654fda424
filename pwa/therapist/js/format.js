// Words for times, durations and the names the API uses, shared by the screens.

export { formatWhen } from "/js/dom.js";

const MINUTE = 60 * 1000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
const dateOnly = new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", month: "short", year: "numeric" });
const dateShort = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short" });

/** "3 hours ago", "yesterday", "in 2 days". */
export function ago(iso, now = Date.now()) {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return "";
  const diff = time - now;
  const abs = Math.abs(diff);
  if (abs < MINUTE) return "just now";
  if (abs < HOUR) return relative.format(Math.round(diff / MINUTE), "minute");
  if (abs < DAY) return relative.format(Math.round(diff / HOUR), "hour");
  return relative.format(Math.round(diff / DAY), "day");
}

/** A span of time in plain words: "45 min", "3 h 5 min", "2 days 4 h". */
export function duration(ms) {
  const minutes = Math.max(0, Math.floor(ms / MINUTE));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  if (days) return `${days} ${days === 1 ? "day" : "days"}${hours ? ` ${hours} h` : ""}`;
  if (hours) return `${hours} h${rest ? ` ${rest} min` : ""}`;
  return `${rest} min`;
}

export function formatDate(iso) {
  const time = Date.parse(iso);
  return Number.isNaN(time) ? "" : dateOnly.format(time);
}

export function formatShortDate(value) {
  const time = typeof value === "number" ? value : Date.parse(value);
  return Number.isNaN(time) ? "" : dateShort.format(time);
}

/** "2025-03-04" (a patient's local day) as a readable date, without moving it across zones. */
export function formatPlainDay(day) {
  const [year, month, date] = String(day).split("-").map(Number);
  if (!year) return "";
  return dateShort.format(new Date(year, month - 1, date));
}

/** The value for <input type="datetime-local"> from an ISO time (in this computer's zone). */
export function toLocalInput(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const pad = (n) => String(n).padStart(2, "0");
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}`
  );
}

export const PHASES = {
  preparation: "Preparation",
  dosing_day: "Dosing day",
  early_integration: "Early integration",
  integration: "Integration",
};

export const ROUTES = {
  iv: "IV",
  im: "IM",
  intranasal: "Intranasal",
  sublingual: "Sublingual",
  oral: "Oral",
};

export const INSTRUMENTS = { phq9: "PHQ-9", gad7: "GAD-7", pcl5: "PCL-5" };
export const MAXIMA = { phq9: 27, gad7: 21, pcl5: 80 };

export const THEMES = [
  "intention", "body", "emotion", "insight", "relationships", "meaning", "commitment",
  "safety", "spiritual", "nature", "identity",
];

export function capitalise(text) {
  return text ? text.charAt(0).toUpperCase() + text.slice(1).replaceAll("_", " ") : "";
}

export function plural(count, one, many = `${one}s`) {
  return `${count} ${count === 1 ? one : many}`;
}

/** "IV, 35 mg, at the clinic" */
export function dosingSummary(session) {
  const parts = [ROUTES[session.route] || session.route];
  if (session.dose_mg != null) parts.push(`${session.dose_mg} mg`);
  if (session.setting) parts.push(session.setting === "home" ? "at home" : "at the clinic");
  return parts.join(", ");
}
