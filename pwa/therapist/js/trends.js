// Mood and score trends for the patient view and the brief: daily mood, each
// questionnaire's totals over its severity bands, dosing sessions marked, and
// the response / remission markers the server judged (SPEC 3).

import { h } from "/js/dom.js";
import { call } from "./client.js";
import { dataTable, legend, trendChart } from "./charts.js";
import { INSTRUMENTS, MAXIMA, formatPlainDay, formatWhen, plural } from "./format.js";

const DAY = 86400000;
let definitions = null;

/** The published bands and thresholds of each questionnaire (no health data; read once). */
async function measureDefinitions() {
  if (!definitions) {
    definitions = Promise.all(
      Object.keys(INSTRUMENTS).map((id) => call(`/measures/${id}`).then((d) => [id, d])),
    ).then(Object.fromEntries, (error) => {
      definitions = null;
      throw error;
    });
  }
  return definitions;
}

/** "2025-03-04T21:00:00-05:00" → the patient's day "2025-03-04" (the offset is theirs). */
function localDay(iso) {
  return String(iso).slice(0, 10);
}

function dayTime(day) {
  const [year, month, date] = day.split("-").map(Number);
  return new Date(year, month - 1, date, 12).getTime();
}

/** Daily mean mood from check-ins: [{t, v, day, count}], oldest first. */
function dailyMood(checkins) {
  const days = new Map();
  for (const item of checkins) {
    const day = localDay(item.recorded_at || item.at);
    const entry = days.get(day) || { sum: 0, count: 0 };
    entry.sum += item.mood;
    entry.count += 1;
    days.set(day, entry);
  }
  return [...days]
    .map(([day, { sum, count }]) => ({ day, t: dayTime(day), v: Math.round((sum / count) * 10) / 10, count }))
    .sort((a, b) => a.t - b.t);
}

/** The brief's mood days ({date, average, checkin_count}) as chart points. */
export function moodDays(days) {
  return days
    .filter((day) => day.average != null)
    .map((day) => ({ day: day.date, t: dayTime(day.date), v: day.average, count: day.checkin_count }));
}

/**
 * Scores of one questionnaire with the server's markers (SPEC 3): each
 * response is judged against its treatment series' baseline, response and
 * remission only from a baseline of 10 or more and never while item 9 is
 * above 0. `baselineTotal` is the brief's current baseline when given.
 */
function scoreSeries(responses, instrument, { baselineTotal } = {}) {
  const mine = responses
    .filter((item) => item.instrument === instrument)
    .map((item) => ({
      t: Date.parse(item.completed_at || item.at),
      v: item.total,
      severity: item.severity,
      id: item.id,
      baselineOf: item.baseline_of_series ?? null,
      baselineTotal: item.baseline_total ?? null,
      marks: [item.markers?.response ? "response" : null, item.markers?.remission ? "remission" : null].filter(Boolean),
    }))
    .sort((a, b) => a.t - b.t);
  const baseline = baselineTotal === undefined ? (mine.at(-1)?.baselineTotal ?? null) : baselineTotal;
  return { points: mine, baseline };
}

/**
 * The days a chart over from..to draws, each at its noon moved inside the
 * range: the day a window starts or ends in (an integration session at 15:00,
 * this morning) keeps its point at the edge instead of losing it.
 */
function daysWithin(points, from, to) {
  return points
    .filter((point) => point.t + DAY / 2 > from && point.t - DAY / 2 <= to)
    .map((point) => ({ ...point, t: Math.min(to, Math.max(from, point.t)) }));
}

/** The newest check-in's mood as recorded (never a day's average), or null. */
function newestMood(checkins) {
  let newest = null;
  for (const item of checkins || []) {
    const at = Date.parse(item.recorded_at || item.at);
    if (!newest || at > newest.at) newest = { at, mood: item.mood };
  }
  return newest?.mood ?? null;
}

function moodSummary(points, from, to, latest) {
  if (!points.length) return "No shared check-ins in this period.";
  const count = points.reduce((sum, point) => sum + point.count, 0);
  const average = points.reduce((sum, point) => sum + point.v * point.count, 0) / count;
  const days = Math.max(1, Math.round((to - from) / DAY));
  return (
    `${plural(count, "check-in")} on ${points.length} of ${plural(days, "day")}; ` +
    `average mood ${average.toFixed(1)} of 10` +
    (latest == null ? "." : `, latest check-in ${latest}.`)
  );
}

/** The series' key: a line when the chart draws one, else the lone point it draws. */
function seriesKey(points) {
  return points.length > 1 ? "line" : "dot";
}

/** The legend's dosing-session key, only when the chart draws one (the same range test as trendChart). */
function doseKeys(doses, from, to) {
  return doses.some((dose) => dose >= from && dose <= to) ? [["dose", "Dosing session"]] : [];
}

/** The mood chart with its legend and table: the same days in all three. */
function moodChart({ points: days, from, to, doses, title, latest }) {
  const points = daysWithin(days, from, to);
  const summary = moodSummary(points, from, to, latest);
  const keys = points.length ? [[seriesKey(points), "Daily average mood (0–10, higher is better)"]] : [];
  return h(
    "figure",
    { class: "chart-figure" },
    trendChart({ title, summary, points, from, to, max: 10, doses, height: 180 }),
    h("figcaption", {}, summary),
    legend([...keys, ...doseKeys(doses, from, to)]),
    dataTable(title, ["Day", "Average mood", "Check-ins"], points.map((p) => [formatPlainDay(p.day), String(p.v), String(p.count)])),
  );
}

/** One questionnaire's chart over its severity bands, or null when never answered. */
function scoreChart({ instrument, responses, from, to, doses, baselineTotal, definition, minimum = 1 }) {
  const series = scoreSeries(responses, instrument, { baselineTotal });
  const baseline = series.baseline;
  // What the chart draws is what its legend and table list.
  const points = series.points.filter((point) => point.t >= from && point.t <= to);
  if (!points.length || points.length < minimum) return null;
  const name = INSTRUMENTS[instrument];
  const max = MAXIMA[instrument];
  const latest = points.at(-1);
  // The mark each point is drawn with (remission over response, as trendChart draws them).
  const marks = points.map((point) => (point.marks.includes("remission") ? "remission" : point.marks.includes("response") ? "response" : null));
  const parts = [`${plural(points.length, "answer")}; latest ${latest.v} of ${max}${latest.severity ? ` (${latest.severity})` : ""}`];
  if (baseline != null) parts.push(`baseline ${baseline}`);
  if (latest.marks.includes("remission")) parts.push("in remission");
  else if (latest.marks.includes("response")) parts.push("meets response");
  const summary = `${parts.join("; ")}. Lower is better.`;
  const threshold = definition?.threshold
    ? { value: definition.threshold.cutoff, label: `${definition.threshold.cutoff}: ${definition.threshold.label}` }
    : null;
  const bands = definition?.bands || [];
  const keys = [[seriesKey(points), `${name} total`], ...doseKeys(doses, from, to)];
  if (threshold && !bands.length) keys.push(["threshold", threshold.label]);
  if (marks.includes("response")) keys.push(["response", "Response: 50 % or more below a baseline of 10 or more"]);
  if (marks.includes("remission")) keys.push(["remission", "Remission: below 5, from a baseline of 10 or more"]);
  return h(
    "figure",
    { class: "chart-figure" },
    trendChart({
      title: `${name} total`,
      summary,
      points,
      from,
      to,
      max,
      bands,
      threshold: bands.length ? null : threshold,
      doses,
    }),
    h("figcaption", {}, summary),
    legend(keys),
    dataTable(
      `${name} answers`,
      ["Answered", "Total", "Severity", "Markers"],
      points.map((p) => [
        formatWhen(new Date(p.t).toISOString()),
        String(p.v),
        p.severity || "—",
        [p.baselineOf ? `baseline of series ${p.baselineOf}` : "", ...p.marks].filter(Boolean).join(", ") || "—",
      ]),
    ),
  );
}

/**
 * Mood and every answered questionnaire, as one block of charts. For a window
 * (the brief), `baselines` gives each questionnaire's treatment baseline and a
 * score chart needs `minimum` answers in it to be worth drawing. The caption's
 * "latest" is the newest check-in as recorded: `latestCheckin` (the brief's),
 * else the newest of `checkins`.
 */
export async function trendCharts({ checkins, moodPoints, latestCheckin, responses, doses, from, to, baselines = {}, minimum = 1 }) {
  const defs = await measureDefinitions().catch(() => ({}));
  const points = moodPoints || dailyMood(checkins);
  const latest = latestCheckin ? latestCheckin.mood : newestMood(checkins);
  const blocks = [h("h3", {}, "Mood"), moodChart({ points, from, to, doses, title: "Daily mood", latest })];
  for (const instrument of Object.keys(INSTRUMENTS)) {
    const chart = scoreChart({
      instrument,
      responses,
      from,
      to,
      doses,
      baselineTotal: baselines[instrument],
      definition: defs[instrument],
      minimum,
    });
    if (chart) blocks.push(h("h3", {}, INSTRUMENTS[instrument]), chart);
  }
  return blocks;
}
