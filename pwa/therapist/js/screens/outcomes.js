// The clinic's outcomes, for admins: per questionnaire, how many patients
// started a treatment series with a baseline, how many were followed up, and
// of those how many responded and remitted, each rate with the counts behind
// it. Counts only: no patient is named. The same numbers download as CSV.

import { h } from "/js/dom.js";
import { call, loadUnder } from "../client.js";
import { INSTRUMENTS } from "../format.js";
import { dataTable } from "../tables.js";

const CSV = "/api/v1/reports/outcomes?format=csv";

/** "3 of 8 (38%)"; "—" when nobody was followed up; "Not defined" where the measure has no criterion. */
function rate(count, outOf, value) {
  if (count === null) return h("span", { class: "muted" }, "Not defined");
  if (!outOf) return h("span", { class: "muted", title: "Nobody followed up yet" }, "—");
  return `${count} of ${outOf} (${Math.round(value * 100)}%)`;
}

export async function render(main) {
  main.append(
    h("h1", {}, "Outcomes"),
    h(
      "p",
      {},
      "Your clinic's outcomes by questionnaire, counted from shared answers only. Started: patients with an answer before the first dose of a treatment series. Followed up: of those, patients with an answer after it. Responded and remitted: judged on each patient's latest follow-up, the same way the caseload marks them. No patient is named.",
    ),
  );
  const report = await loadUnder(main, () => call("/reports/outcomes"), "The outcomes report", "Counting…");
  if (!report) return;
  const { items } = report;
  const headings = ["Questionnaire", "Started", "Followed up", "Responded", "Remitted"];
  main.append(
    dataTable({
      label: "Outcomes by questionnaire",
      className: "outcomes",
      caption: "Outcomes by questionnaire",
      headers: headings,
      body: h(
        "tbody",
        {},
        items.map((row) =>
          h(
            "tr",
            {},
            h("th", { scope: "row" }, INSTRUMENTS[row.instrument] || row.instrument),
            h("td", {}, String(row.started)),
            h("td", {}, String(row.followed_up)),
            h("td", {}, rate(row.responded, row.followed_up, row.response_rate)),
            h("td", {}, rate(row.remitted, row.followed_up, row.remission_rate)),
          ),
        ),
      ),
    }),
    h("p", { class: "hint" }, "Between's PCL-5 scoring defines no response or remission, so those show as not defined rather than zero."),
    h("p", {}, h("a", { href: CSV, download: "outcomes.csv", class: "button" }, "Download as CSV")),
  );
}
