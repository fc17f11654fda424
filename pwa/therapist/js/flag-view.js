// A flag as every therapist screen shows it (flags, patient page, brief): its
// title, what raised it (a link to it and its time), the item-9 level in
// words, its repeats, and the rules with their thresholds ("why was this
// flagged?"), fetched once.

import { h } from "/js/dom.js";
import { call } from "./client.js";
import { formatWhen, plural } from "./format.js";

export const KIND_TITLES = {
  phq9_item9: "Safety answer on the PHQ-9",
  unsafe_checkin: "Check-in: \"I don't feel safe\"",
  phq9_severe: "Severe PHQ-9",
  reliable_worsening: "Questionnaire worsened",
  relapse_signal: "PHQ-9 rising above its best (possible relapse)",
  mood_drop: "Drop in mood",
  low_mood: "Sustained low mood",
  missed_checkins: "Missed check-ins after dosing",
  after_dose_red: "Check after a dose: call today",
  after_dose_urinary: "Bladder symptoms after doses",
};

/** Where a flag's source is: the patient's timeline, opened on that item. */
export function sourceLink(flag, patientId = flag.patient_id) {
  if (!flag.source_id || flag.source_type === "ketamine_session") return null;
  const what = flag.source_type === "checkin" ? "Open the check-in" : "Open the response";
  return h("a", { href: `#/patients/${patientId}/items/${flag.source_id}` }, what);
}

/** Kinds raised by a check-in; the others with an item source by a questionnaire response. */
const CHECKIN_KINDS = new Set(["unsafe_checkin", "mood_drop", "low_mood"]);

/** The latest repeat, if it is shared and not the first cause: a link to it on the timeline. */
function latestLink(flag, patientId) {
  if (!flag.latest_source_id || flag.latest_source_id === flag.source_id || flag.source_type === "ketamine_session") return null;
  const what = CHECKIN_KINDS.has(flag.kind) ? "Open the latest check-in" : "Open the latest response";
  return h("a", { href: `#/patients/${patientId}/items/${flag.latest_source_id}` }, what);
}

/** What raised it and when, the item-9 level in words, and any repeats. */
export function flagFacts(flag, patientId = flag.patient_id) {
  const facts = [];
  if (flag.item9_words) {
    facts.push(h("p", { class: "item9" }, h("strong", {}, "Item 9: "), flag.item9_words));
  }
  const link = sourceLink(flag, patientId);
  if (flag.source_at) {
    const verb = flag.source_type === "checkin" ? "Checked in " : flag.source_type === "ketamine_session" ? "Dosing session " : "Answered ";
    facts.push(h("p", {}, verb, h("time", { datetime: flag.source_at }, formatWhen(flag.source_at)), link ? [" · ", link] : ""));
  }
  // A relapse signal: how long after the last dose, for the booster question.
  if (flag.days_since_last_dose != null) {
    facts.push(h("p", { class: "since-dose" }, `${plural(flag.days_since_last_dose, "day")} after the last dosing session`));
  }
  if (flag.occurrences > 1) {
    const latest = latestLink(flag, patientId);
    facts.push(
      h(
        "p",
        {},
        `Repeated: ${plural(flag.occurrences, "time")} in all`,
        flag.last_seen_at ? [", last ", h("time", { datetime: flag.last_seen_at }, formatWhen(flag.last_seen_at))] : "",
        ". A repeat at the same or a lower level updates this flag.",
        latest ? [" ", latest] : "",
      ),
    );
  }
  return facts;
}

let rulesPromise = null;
/** The rules with their thresholds and the acknowledgement outcomes, fetched once. */
export function flagRules() {
  rulesPromise ||= call("/flags/rules").catch((error) => {
    rulesPromise = null;
    throw error;
  });
  return rulesPromise;
}

/** "Why was this flagged?": the rule and what a repeat does, as the server states them. */
export function whyFlagged(flag, rules) {
  const rule = rules?.items.find((r) => r.kind === flag.kind);
  if (!rule) return null;
  return h(
    "details",
    { class: "why" },
    h("summary", {}, "Why was this flagged?"),
    h("p", {}, rule.rule),
    h("p", { class: "muted" }, rule.repeats),
  );
}
