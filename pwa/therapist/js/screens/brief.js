// The session brief: one page to read (or print) before the next integration
// session. Open flags come first (urgent ones at the top), then the flags
// acknowledged since last time with what was done, then what the patient asked
// to discuss, their entries with the prompts they answer, the notes of their
// other shared check-ins, the mood and score trend since last time, and the
// dosing sessions.

import { h } from "/js/dom.js";
import { call, failure } from "../client.js";
import { KIND_TITLES, flagFacts } from "../flag-view.js";
import { INSTRUMENTS, MAXIMA, PHASES, capitalise, dosingSummary, formatDate, formatWhen, plural } from "../format.js";
import { doseSections } from "../companion-brief.js";
import { itemView } from "../items.js";
import { moodDays, trendCharts } from "../trends.js";

function signed(value) {
  return value > 0 ? `+${value}` : String(value);
}

function section(id, title, ...children) {
  return h("section", { class: "brief-section", "aria-labelledby": id }, h("h2", { id }, title), ...children);
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

function scoresTable(scores) {
  if (!scores.length) return h("p", { class: "empty" }, "No shared questionnaires yet.");
  return h(
    "table",
    { class: "scores" },
    h("caption", { class: "visually-hidden" }, "Latest questionnaire scores"),
    h(
      "thead",
      {},
      h("tr", {}, ["Questionnaire", "Latest", "Answered", "Baseline", "Change", "Markers"].map((label) => h("th", { scope: "col" }, label))),
    ),
    h(
      "tbody",
      {},
      scores.map((score) => {
        const marks = [];
        if (score.markers?.withheld === "safety_item") marks.push("response and remission not shown while item 9 is above 0");
        if (score.markers?.remission) marks.push("remission");
        if (score.markers?.response) marks.push("response");
        if (score.markers?.change) marks.push(`${score.markers.change.label}, ${score.markers.change.direction}`);
        if (score.threshold?.met) marks.push(score.threshold.label);
        return h(
          "tr",
          {},
          h("th", { scope: "row" }, INSTRUMENTS[score.instrument] || score.instrument),
          h(
            "td",
            {},
            `${score.total} of ${MAXIMA[score.instrument]}${score.severity ? `, ${score.severity}` : ""}`,
            score.previous_total == null ? "" : ` (previous ${score.previous_total})`,
            score.instrument === "phq9"
              ? h("span", { class: `item9${score.item9_level > 0 ? " is-positive" : ""}` }, `Item 9: ${score.item9_words || "not at all"}`)
              : "",
          ),
          h("td", {}, h("time", { datetime: score.completed_at }, formatWhen(score.completed_at))),
          h("td", {}, score.baseline_total == null ? "—" : String(score.baseline_total)),
          h("td", {}, score.change_from_baseline == null ? "—" : signed(score.change_from_baseline)),
          h("td", {}, marks.join(", ") || "—"),
        );
      }),
    ),
  );
}

function flagItem(flag, patientId, { done = false } = {}) {
  return h(
    "li",
    { class: done ? "acknowledged" : flag.severity },
    h("strong", {}, done ? "" : flag.severity === "urgent" ? "Urgent: " : "Needs a look: ", KIND_TITLES[flag.kind] || flag.kind, ". "),
    flag.description,
    " ",
    h("span", { class: "muted" }, "Raised ", h("time", { datetime: flag.raised_at }, formatWhen(flag.raised_at)), "."),
    ...flagFacts(flag, patientId),
    done
      ? h(
          "p",
          {},
          "Acknowledged ",
          h("time", { datetime: flag.acknowledged_at }, formatWhen(flag.acknowledged_at)),
          flag.outcome ? `: ${OUTCOME_WORDS[flag.outcome] || flag.outcome}.` : ".",
          flag.note ? [" Note: ", h("span", { class: "text" }, flag.note)] : "",
        )
      : null,
  );
}

const OUTCOME_WORDS = {
  contacted_patient: "contacted the patient",
  reviewed_at_session: "reviewed at session",
  safety_plan_reviewed: "safety plan reviewed",
  no_action_needed: "no action needed",
  other: "other",
};

export async function render(main, { params }) {
  const { patientId } = params;
  const heading = h("h1", {}, "Session brief");
  main.append(
    h("nav", { class: "crumbs no-print", "aria-label": "Breadcrumb" }, h("a", { href: "#/caseload" }, "Caseload"), " › ", h("a", { href: `#/patients/${patientId}`, class: "patient-link" }, "Patient"), " › ", h("span", { "aria-current": "page" }, "Session brief")),
    heading,
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
  const { patient, window: period, mood, scores, sessions, flags } = brief;
  const acknowledged = brief.acknowledged_flags || [];
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
    responses,
    doses,
    from: since,
    to: until,
    baselines: Object.fromEntries(scores.map((score) => [score.instrument, score.baseline_total])),
    minimum: 2, // one answer in the window is a row of the table, not a trend
  });
  const parts = [
    h(
      "p",
      { class: "facts" },
      next ? ["For the integration session on ", h("time", { datetime: next.scheduled_at }, formatWhen(next.scheduled_at)), ". "] : "No integration session booked. ",
      `Covers ${formatDate(period.since)} to ${formatDate(period.until)}`,
      period.last_integration_session ? " (since the last integration session)" : " (the last 30 days: no integration session yet)",
      `. Phase now: ${PHASES[patient.phase] || patient.phase}.`,
    ),
    h(
      "p",
      { class: "actions no-print" },
      h("button", { type: "button", class: "primary", onclick: () => window.print() }, "Print the brief"),
      h("a", { class: "button", href: `#/patients/${patientId}` }, "Back to the timeline"),
    ),
    // Open flags head the brief, urgent first (the server's order).
    flags.length
      ? section(
          "brief-flags",
          `Open flags (${flags.length})`,
          h("ul", { class: "flag-list" }, flags.map((flag) => flagItem(flag, patientId))),
          h("p", { class: "no-print" }, h("a", { href: "#/flags" }, "Acknowledge on the flags page")),
        )
      : section("brief-flags", "Open flags", h("p", { class: "empty" }, "No open flags.")),
    acknowledged.length
      ? section(
          "brief-acknowledged",
          "Flags acknowledged since last time",
          h("ul", { class: "flag-list" }, acknowledged.map((flag) => flagItem(flag, patientId, { done: true }))),
        )
      : null,
    section(
      "brief-discuss",
      "To discuss",
      brief.discuss_next_session.length
        ? h("div", { class: "items" }, brief.discuss_next_session.map((item) => itemView(item)))
        : h("p", { class: "empty" }, "Nothing marked to discuss."),
    ),
    section(
      "brief-entries",
      "Journal entries",
      brief.entries.length
        ? h("div", { class: "items" }, brief.entries.map((item) => itemView(item)))
        : h("p", { class: "empty" }, "No other shared entries since last time."),
    ),
    // Only when there are some: a check-in's note is optional, and most have none.
    brief.checkin_notes?.length
      ? section(
          "brief-checkins",
          "From check-ins",
          h("div", { class: "items" }, brief.checkin_notes.map((item) => itemView(item))),
          brief.checkin_notes_more
            ? h("p", { class: "muted" }, `${plural(brief.checkin_notes_more, "older note")} not listed here: see the timeline.`)
            : null,
        )
      : null,
    section(
      "brief-trend",
      "Mood and scores since last time",
      h("p", {}, moodWords(mood)),
      ...charts,
      h("h3", {}, "Latest scores"),
      scoresTable(scores),
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
    h("p", { class: "muted print-only" }, `Printed ${formatWhen(new Date().toISOString())}. Confidential health information.`),
  ];
  // Drawn in one go, so "loaded" (no .loading) always means "all there".
  body.className = "brief";
  body.replaceChildren(...parts.filter(Boolean));
}
