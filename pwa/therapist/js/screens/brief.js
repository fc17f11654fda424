// The session brief: one laptop screen to read before the next integration
// session. Safety comes first (open flags, urgent at the top, the item-9 level,
// the flags acknowledged since last time), then the summary (scores, check-in
// ranges with the dose days, days without a check-in, the last dose, what the
// patient asked to discuss). Below it every entry is folded, to open one by
// one or all at once; it prints as shown, folded or open.

import { h } from "/js/dom.js";
import { call, failure } from "../client.js";
import { INSTRUMENTS, PHASES, capitalise, dosingSummary, formatShortDate, formatWhen, plural } from "../format.js";
import { safetyBlock, summaryBlock } from "../brief-summary.js";
import { doseSections } from "../companion-brief.js";
import { itemView } from "../items.js";
import { moodDays, trendCharts } from "../trends.js";

function signed(value) {
  return value > 0 ? `+${value}` : String(value);
}

function moodWords(mood) {
  if (!mood.checkin_count) return "No shared check-ins since last time.";
  const parts = [
    `Average mood ${mood.average.toFixed(1)} of 10 over ${plural(mood.checkin_count, "check-in")} (lowest ${mood.min}, highest ${mood.max}).`,
  ];
  if (mood.change != null) {
    parts.push(
      `Previous period ${mood.previous.average.toFixed(1)}: ${mood.change === 0 ? "no change" : `${signed(mood.change.toFixed(1))}`}.`,
    );
  }
  return parts.join(" ");
}

function section(id, title, ...children) {
  return h("section", { class: "brief-section", "aria-labelledby": id }, h("h2", { id }, title), ...children);
}

const KINDS = { checkin: "Check-in", entry: "Journal entry", measure_response: "Questionnaire" };

/** The first words of what the patient wrote, for an entry's folded line. */
function firstWords(item) {
  const text = item.type === "entry" ? item.body : item.type === "checkin" ? item.note || `Mood ${item.mood} of 10` : `${item.total}${item.severity ? `, ${item.severity}` : ""}`;
  return text.length > 110 ? `${text.slice(0, 108).trimEnd()}…` : text;
}

/** One entry, folded to a line: its kind, time and first words; opened, all of it. */
function fold(item) {
  return h(
    "details",
    { class: "entry-fold", id: `brief-item-${item.id}` },
    h(
      "summary",
      {},
      h("span", { class: "fold-kind" }, item.type === "measure_response" ? INSTRUMENTS[item.instrument] || item.instrument : KINDS[item.type]),
      h("time", { datetime: item.at }, formatWhen(item.at)),
      h("span", { class: "fold-words" }, firstWords(item)),
    ),
    itemView(item),
  );
}

function folds(items) {
  return h("div", { class: "folds" }, items.map(fold));
}

export async function render(main, { params }) {
  const { patientId } = params;
  const heading = h("h1", {}, "Session brief");
  const expandAll = h("button", { type: "button", class: "small", "aria-expanded": "false", "aria-controls": "brief-full" }, "Open all entries");
  const printButton = h("button", { type: "button", class: "small primary", onclick: () => window.print() }, "Print the brief");
  main.append(
    h("nav", { class: "crumbs no-print", "aria-label": "Breadcrumb" }, h("a", { href: "#/caseload" }, "Caseload"), " › ", h("a", { href: `#/patients/${patientId}`, class: "patient-link" }, "Patient"), " › ", h("span", { "aria-current": "page" }, "Session brief")),
    h("div", { class: "brief-head" }, heading, h("p", { class: "actions no-print" }, expandAll, printButton)),
  );
  const body = h("div", { class: "loading" }, "Preparing the brief…");
  main.append(body);

  let brief;
  let responses = [];
  try {
    brief = await call(`/patients/${patientId}/brief`);
  } catch (error) {
    body.className = "";
    body.replaceChildren(h("p", { class: "attention" }, error.status === 404 ? "This patient is not on your caseload." : failure(error, "The brief")));
    return;
  }
  const { patient, window: period, mood, scores, sessions } = brief;
  heading.textContent = `Session brief: ${patient.display_name}`;
  main.querySelector(".patient-link").textContent = patient.display_name;
  const since = Date.parse(period.since);
  const until = Date.parse(period.until);
  const next = period.next_integration_session;

  try {
    // The questionnaires of the window, for the score charts (the brief has the latest of each).
    const page = await call(`/patients/${patientId}/timeline?limit=200`);
    responses = page.items.filter((item) => item.type === "measure_response");
  } catch {
    responses = [];
  }
  const doses = sessions.in_window.filter((item) => item.status !== "cancelled").map((item) => Date.parse(item.at));

  const charts = await trendCharts({
    moodPoints: moodDays(mood.days),
    latestCheckin: brief.checkins.latest,
    responses,
    doses,
    from: since,
    to: until,
    baselines: Object.fromEntries(scores.map((score) => [score.instrument, score.baseline_total])),
    minimum: 2, // one answer in the window is a row of the table, not a trend
  });
  const full = h(
    "div",
    { id: "brief-full", class: "brief-full" },
    section(
      "brief-discuss",
      "To discuss",
      brief.discuss_next_session.length ? folds(brief.discuss_next_session) : h("p", { class: "empty" }, "Nothing marked to discuss."),
    ),
    section(
      "brief-entries",
      "Journal entries",
      brief.entries.length ? folds(brief.entries) : h("p", { class: "empty" }, "No other shared entries since last time."),
    ),
    // Only when there are some: a check-in's note is optional, and most have none.
    brief.checkin_notes?.length
      ? section(
          "brief-checkins",
          "From check-ins",
          folds(brief.checkin_notes),
          brief.checkin_notes_more
            ? h("p", { class: "muted" }, `${plural(brief.checkin_notes_more, "older note")} not listed here: see the timeline.`)
            : null,
        )
      : null,
    section(
      "brief-trend",
      "Mood and scores since last time",
      h("p", {}, moodWords(mood)),
      h("details", { class: "entry-fold charts-fold" }, h("summary", {}, "Charts of mood and scores"), ...charts),
    ),
    section(
      "brief-sessions",
      "Dosing sessions",
      sessions.in_window.length || sessions.upcoming.length
        ? h(
            "ul",
            { class: "plain" },
            [...sessions.in_window, ...sessions.upcoming].map((item) =>
              h("li", {}, h("time", { datetime: item.at }, formatWhen(item.at)), ` · ${dosingSummary(item)} · ${capitalise(item.status)}`),
            ),
          )
        : h("p", { class: "empty" }, "None since last time, and none booked."),
    ),
    ...doseSections(brief.doses, section),
  );
  const allFolds = () => [...full.querySelectorAll("details.entry-fold")];
  expandAll.addEventListener("click", () => {
    const open = expandAll.getAttribute("aria-expanded") !== "true";
    for (const details of allFolds()) details.open = open;
    expandAll.setAttribute("aria-expanded", String(open));
    expandAll.textContent = open ? "Fold all entries" : "Open all entries";
  });

  const parts = [
    h(
      "p",
      { class: "facts" },
      next ? ["For the integration session on ", h("time", { datetime: next.scheduled_at }, formatWhen(next.scheduled_at)), ". "] : "No integration session booked. ",
      `Covers ${formatShortDate(period.since)} to ${formatShortDate(period.until)}`,
      period.last_integration_session ? ", since the last integration session" : ", the last 30 days (no integration session yet)",
      `. Phase: ${PHASES[patient.phase] || patient.phase}.`,
    ),
    safetyBlock(brief, patientId),
    summaryBlock(brief, patientId),
    h("p", { class: "muted no-print fold-hint" }, "Below, each entry is folded to its first words: open one, or all of them. The brief prints as shown, folded or open."),
    full,
    h("p", { class: "muted print-only" }, `Printed ${formatWhen(new Date().toISOString())}. Confidential health information.`),
  ];
  // Drawn in one go, so "loaded" (no .loading) always means "all there".
  body.className = "brief";
  body.replaceChildren(...parts.filter(Boolean));
}
