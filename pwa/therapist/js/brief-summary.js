// The top of the session brief, on one laptop screen: safety first (open
// flags, the item-9 level, flags acknowledged since the last integration
// session), then the summary: scores with their change and markers, the
// check-in scales' ranges by day with the dose days marked, the days without a
// check-in, the last dose, and what the patient asked to discuss.

import { h, s } from "/js/dom.js";
import { KIND_TITLES, sourceLink } from "./flag-view.js";
import { INSTRUMENTS, MAXIMA, dosingSummary, formatPlainDay, formatShortDate, formatWhen, plural } from "./format.js";

const SCALES = [
  ["mood", "Mood"],
  ["sleep_quality", "Sleep"],
  ["anxiety", "Anxiety"],
  ["energy", "Energy"],
];

const OUTCOME_WORDS = {
  contacted_patient: "contacted the patient",
  reviewed_at_session: "reviewed at session",
  safety_plan_reviewed: "safety plan reviewed",
  no_action_needed: "no action needed",
  other: "other",
};

function signed(value) {
  return value > 0 ? `+${value}` : String(value);
}

function card(id, title, ...children) {
  return h("section", { class: "brief-card", "aria-labelledby": id }, h("h3", { id }, title), ...children);
}

function when(iso) {
  return h("time", { datetime: iso }, formatWhen(iso));
}

function day(iso) {
  return h("time", { datetime: iso }, formatShortDate(iso));
}

/** One open or acknowledged flag on one line or two: what, the item-9 level, when, where from. */
function flagLine(flag, patientId, { done = false } = {}) {
  const link = sourceLink(flag, patientId);
  return h(
    "li",
    { class: done ? "acknowledged" : flag.severity },
    h("strong", {}, done ? "" : flag.severity === "urgent" ? "Urgent: " : "Needs a look: ", KIND_TITLES[flag.kind] || flag.kind, ". "),
    done ? "" : [flag.description, " "],
    flag.item9_words ? h("span", { class: "item9 is-positive" }, `Item 9: ${flag.item9_words}. `) : "",
    h("span", { class: "muted" }, done ? "Acknowledged " : "Raised ", when(done ? flag.acknowledged_at : flag.raised_at)),
    done && flag.outcome ? `: ${OUTCOME_WORDS[flag.outcome] || flag.outcome}.` : ".",
    done && flag.note ? [" Note: ", h("span", { class: "text" }, flag.note)] : "",
    !done && link ? [" ", link] : "",
  );
}

function item9Line(scores) {
  const phq9 = scores.find((score) => score.instrument === "phq9");
  if (!phq9) return h("p", { class: "item9-level" }, h("strong", {}, "Item 9: "), "no PHQ-9 shared yet.");
  return h(
    "p",
    { class: `item9-level${phq9.item9_level > 0 ? " is-positive" : ""}` },
    h("strong", {}, "Item 9 (thoughts of death or self-harm): "),
    phq9.item9_words || "not at all",
    h("span", { class: "muted" }, ", on the PHQ-9 of ", day(phq9.completed_at), "."),
  );
}

/** Open flags, the item-9 level, and the flags acknowledged since the last integration session. */
export function safetyBlock(brief, patientId) {
  const { flags, scores } = brief;
  const acknowledged = brief.acknowledged_flags || [];
  const urgent = flags.some((flag) => flag.severity === "urgent");
  return h(
    "section",
    { class: `brief-safety${urgent ? " urgent" : flags.length ? " warning" : ""}`, "aria-labelledby": "brief-safety" },
    h("h2", { id: "brief-safety" }, "Safety"),
    h(
      "div",
      { class: "safety-part" },
      h(
        "p",
        { class: "part-head" },
        h("h3", { id: "brief-flags" }, flags.length ? `Open flags (${flags.length})` : "Open flags"),
        flags.length ? h("a", { href: "#/flags", class: "no-print" }, "Acknowledge on the flags page") : null,
      ),
      flags.length
        ? h("ul", { class: "flag-list" }, flags.map((flag) => flagLine(flag, patientId)))
        : h("p", { class: "empty" }, "No open flags."),
    ),
    h("div", { class: "safety-part" }, item9Line(scores)),
    h(
      "div",
      { class: "safety-part" },
      h("h3", { id: "brief-acknowledged" }, "Acknowledged since the last integration session"),
      acknowledged.length
        ? h("ul", { class: "flag-list" }, acknowledged.map((flag) => flagLine(flag, patientId, { done: true })))
        : h("p", { class: "empty" }, "None."),
    ),
  );
}

function scoreMarks(score) {
  const marks = [];
  if (score.markers?.withheld === "safety_item") marks.push("response and remission not shown while item 9 is above 0");
  if (score.markers?.remission) marks.push("remission");
  if (score.markers?.response) marks.push("response");
  if (score.markers?.change) marks.push(`${score.markers.change.label}, ${score.markers.change.direction}`);
  if (score.threshold?.met) marks.push(score.threshold.label);
  return marks.join(", ") || "—";
}

/** The score's date, leading to its response on the timeline, where every answer opens on demand. */
function responseLink(score, patientId) {
  const name = INSTRUMENTS[score.instrument] || score.instrument;
  if (!score.response_id) return day(score.completed_at);
  return h(
    "a",
    { href: `#/patients/${patientId}/items/${score.response_id}`, "aria-label": `${name} of ${formatShortDate(score.completed_at)}: all answers` },
    day(score.completed_at),
  );
}

function scoresCard(scores, patientId) {
  if (!scores.length) return card("brief-scores", "Scores", h("p", { class: "empty" }, "No shared questionnaires yet."));
  return card(
    "brief-scores",
    "Scores",
    h(
      "table",
      { class: "scores compact" },
      h("caption", { class: "visually-hidden" }, "Latest questionnaire scores"),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Questionnaire")), ["Latest", "Baseline (change)", "Markers"].map((label) => h("th", { scope: "col" }, label)))),
      h(
        "tbody",
        {},
        scores.map((score) =>
          h(
            "tr",
            {},
            h("th", { scope: "row" }, INSTRUMENTS[score.instrument] || score.instrument),
            h(
              "td",
              {},
              `${score.total} of ${MAXIMA[score.instrument]}${score.severity ? `, ${score.severity}` : ""}`,
              h(
                "span",
                { class: "muted small block" },
                score.previous_total == null ? "" : `previous ${score.previous_total} · `,
                responseLink(score, patientId),
              ),
            ),
            h(
              "td",
              { class: "nowrap" },
              score.baseline_total == null ? "—" : `${score.baseline_total} (${signed(score.change_from_baseline)})`,
            ),
            h("td", {}, scoreMarks(score)),
          ),
        ),
      ),
    ),
  );
}

/** One scale's daily averages as a strip, 0 to 10, with a tick on each dose day. */
function dayStrip(days, key, doseDays, label) {
  const W = 128;
  const H = 28;
  const x = (index) => 3 + (index / Math.max(1, days.length - 1)) * (W - 6);
  const y = (value) => H - 3 - (value / 10) * (H - 6);
  const svg = s("svg", { class: "strip", viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "img", "aria-label": label });
  days.forEach((day, index) => {
    if (doseDays.has(day.date)) svg.append(s("line", { class: "dose", x1: x(index), x2: x(index), y1: 0, y2: H }));
  });
  // Lines join consecutive days only: a day without a check-in stays a gap, and a lone day is its dot.
  let run = [];
  const flush = () => {
    if (run.length > 1) svg.append(s("polyline", { class: "line", points: run.join(" ") }));
    run = [];
  };
  days.forEach((day, index) => {
    if (day[key] == null) flush();
    else run.push(`${x(index).toFixed(1)},${y(day[key]).toFixed(1)}`);
  });
  flush();
  days.forEach((day, index) => {
    if (day[key] != null) svg.append(s("circle", { class: "dot", cx: x(index), cy: y(day[key]), r: 1.8 }));
  });
  return svg;
}

function checkinsCard(checkins) {
  const { scales, days, latest, adherence } = checkins;
  const doseDays = new Set(checkins.dose_days);
  const doses = checkins.dose_days.map(formatPlainDay).join(", ");
  const gap = adherence.longest_gap_days;
  return card(
    "brief-checkins-summary",
    "Check-ins",
    h(
      "table",
      { class: "scales-table" },
      h("caption", { class: "visually-hidden" }, "Check-in scales since the last integration session"),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Scale")), ["Range", "Average", "Latest", "By day"].map((label) => h("th", { scope: "col" }, label)))),
      h(
        "tbody",
        {},
        SCALES.map(([key, name]) => {
          const scale = scales[key];
          const given = scale.checkin_count;
          const label = given
            ? `${name} by day: ${scale.min} to ${scale.max}` + (doses ? `; dose days marked (${doses})` : "")
            : `${name}: not given`;
          return h(
            "tr",
            {},
            h("th", { scope: "row" }, name),
            h("td", {}, given ? `${scale.min}–${scale.max}` : "—"),
            h("td", {}, given ? scale.average.toFixed(1) : "—"),
            h("td", {}, latest?.[key] != null ? String(latest[key]) : "—"),
            h("td", {}, given ? dayStrip(days, key, doseDays, label) : h("span", { class: "muted" }, "not given")),
          );
        }),
      ),
    ),
    h(
      "p",
      { class: "small muted" },
      "0–10; higher is better, except anxiety.",
      latest ? [" Latest check-in ", when(latest.recorded_at), "."] : "",
      doses ? [" ", h("span", { class: "key-dose-day", "aria-hidden": "true" }), ` Dose day: ${doses}.`] : "",
    ),
    h(
      "p",
      { class: "adherence" },
      h("strong", {}, "Days without a check-in: "),
      adherence.days
        ? `${adherence.without_checkin} of ${plural(adherence.days, "day")}` + (gap > 1 ? `, at most ${gap} in a row.` : ".")
        : "none yet.",
    ),
  );
}

function lastDoseCard(brief) {
  const last = brief.last_dose;
  const next = brief.sessions.upcoming[0];
  return card(
    "brief-last-dose",
    "Last dose",
    last
      ? h(
          "p",
          {},
          when(last.scheduled_at),
          h("span", { class: "block" }, dosingSummary(last), last.status === "completed" ? "" : ` (${last.status})`),
        )
      : h("p", { class: "empty" }, "No dose yet."),
    next ? h("p", { class: "muted" }, "Next: ", when(next.at), `, ${dosingSummary(next)}.`) : null,
  );
}

function excerpt(item) {
  const text = item.type === "entry" ? item.body : item.type === "checkin" ? item.note || `mood ${item.mood} of 10` : null;
  if (item.type === "measure_response") return `${INSTRUMENTS[item.instrument] || item.instrument} ${item.total} of ${MAXIMA[item.instrument]}`;
  return text.length > 90 ? `${text.slice(0, 88).trimEnd()}…` : text;
}

/** Opens an entry's fold below and takes the keyboard there. */
function showEntry(id) {
  const fold = document.getElementById(`brief-item-${id}`);
  if (!fold) return;
  fold.open = true;
  fold.scrollIntoView({ block: "start" });
  fold.querySelector("summary").focus();
}

const KINDS = { checkin: "Check-in", entry: "Entry", measure_response: "Questionnaire" };

// The summary lists this many things to discuss, so it stays on one screen; the rest are below.
const ASKED_SHOWN = 4;

function discussCard(items) {
  const shown = items.slice(0, ASKED_SHOWN);
  const more = items.length - shown.length;
  return card(
    "brief-asked",
    "Asked to discuss",
    items.length
      ? h(
          "ul",
          { class: "asked" },
          shown.map((item) =>
            h(
              "li",
              {},
              h("button", { type: "button", class: "to-entry", dataset: { itemId: item.id }, onclick: () => showEntry(item.id) }, excerpt(item)),
              h("span", { class: "muted small" }, ` ${KINDS[item.type]}, `, when(item.at)),
            ),
          ),
        )
      : h("p", { class: "empty" }, "Nothing marked to discuss."),
    more ? h("p", { class: "muted small" }, `${more} more under “To discuss” below.`) : null,
  );
}

/** The summary under the safety block: scores, check-ins, the last dose and what to discuss. */
export function summaryBlock(brief, patientId) {
  return h(
    "section",
    { class: "brief-summary", "aria-labelledby": "brief-summary" },
    h("h2", { id: "brief-summary", class: "visually-hidden" }, "Summary"),
    scoresCard(brief.scores, patientId),
    checkinsCard(brief.checkins),
    h("div", { class: "brief-side" }, lastDoseCard(brief), discussCard(brief.discuss_next_session)),
  );
}
