// The brief's companion sections: per dose, the preparation checklist, the
// intention and what the patient wrote back; then "after the last dose", the
// checks the morning after each dose as one compact table.

import { h } from "/js/dom.js";
import { dosingSummary, formatWhen, plural } from "./format.js";
import { dataTable } from "./tables.js";

const WORDS = {
  dissociation: { none: "none", under_1h: "< 1 h", "1_to_6h": "1–6 h", "6_to_24h": "6–24 h", over_24h: "> 24 h" },
  nausea: { none: "none", mild: "mild", strong: "strong" },
  headache: { none: "none", mild: "mild", strong: "strong" },
  sleep: { well: "well", some: "on and off", poorly: "poorly", hardly: "hardly" },
  travel_home: { driven: "driven", drove: "drove", taxi_or_transit: "taxi/transit", walked: "walked", at_home: "at home" },
  cravings: { none: "none", some: "some", strong: "strong" },
};

function yes(answers, ...names) {
  const said = names.filter((name) => answers[name]);
  return said.length ? said : null;
}

const COLUMNS = [
  ["Unreality", (a) => WORDS.dissociation[a.dissociation] + (a.lasting_over_24h ? "; effects > 1 day" : "")],
  ["Nausea", (a) => WORDS.nausea[a.nausea]],
  ["Headache", (a) => WORDS.headache[a.headache]],
  ["Sleep", (a) => WORDS.sleep[a.sleep]],
  ["Frightening, lingering", (a) => (a.frightening ? "yes" : "no")],
  ["Urinary", (a) => yes(a, "urinary_pain", "urinary_urgency", "urinary_blood")?.map((n) => n.replace("urinary_", "")).join(", ") || "no"],
  ["Chest, heart, BP", (a) => yes(a, "chest_pain", "palpitations", "high_blood_pressure")?.map((n) => n.replaceAll("_", " ")).join(", ") || "no"],
  ["Home", (a) => WORDS.travel_home[a.travel_home]],
  ["Outside the plan", (a) => (a.outside_plan ? "yes" : "no")],
  ["Cravings", (a) => WORDS.cravings[a.cravings]],
];

function doseTitle(dose) {
  return [h("time", { datetime: dose.scheduled_at }, formatWhen(dose.scheduled_at)), ` · ${dosingSummary(dose)}`];
}

export function doseSections(doses, section) {
  if (!doses) return [];
  const rows = doses.filter((dose) => dose.after_dose_check);
  return [
    section(
      "brief-doses",
      "Around each dose",
      doses.length
        ? h(
            "div",
            { class: "items" },
            doses.map((dose) => {
              const open = dose.checklist.filter((item) => !item.done);
              return h(
                "article",
                { class: "item" },
                h("h3", {}, doseTitle(dose)),
                h(
                  "p",
                  {},
                  h("strong", {}, "Checklist: "),
                  open.length ? `${plural(open.length, "item")} not ticked: ${open.map((item) => item.text).join(" / ")}` : "all ticked.",
                ),
                h("p", {}, h("strong", {}, "Intention: "), dose.intention ? `“${dose.intention.body}”` : h("span", { class: "muted" }, "none shared.")),
                dose.reflections.length
                  ? h("div", {}, h("strong", {}, "Written back:"), h("ul", { class: "plain" }, dose.reflections.map((item) => h("li", {}, item.body))))
                  : null,
              );
            }),
          )
        : h("p", { class: "empty" }, "No dosing sessions yet."),
    ),
    section(
      "brief-after-dose",
      "After the last dose",
      rows.length
        ? dataTable({
            label: "After each dose",
            className: "scores after-dose",
            caption: "The checks the morning after each dose",
            headers: ["Dose", ...COLUMNS.map(([label]) => label)],
            body: h(
              "tbody",
              {},
              rows.map((dose) =>
                h(
                  "tr",
                  { class: dose.after_dose_check.red ? "urgent" : null },
                  h("th", { scope: "row" }, h("time", { datetime: dose.scheduled_at }, formatWhen(dose.scheduled_at)), dose.after_dose_check.red ? h("strong", {}, " (red)") : null),
                  COLUMNS.map(([, cell]) => h("td", {}, cell(dose.after_dose_check.answers))),
                ),
              ),
            ),
          })
        : h("p", { class: "empty" }, "No check after a dose shared yet."),
    ),
  ];
}
