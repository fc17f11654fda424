// The caseload at a glance: one row a patient, who needs attention first.
// Rows are built once; sorting moves the same row elements and filtering
// hides them, so 200 patients stay quick.

import { h } from "/js/dom.js";
import { failure } from "../client.js";
import { loadCaseload } from "../caseload-data.js";
import { sparkline } from "../charts.js";
import { PHASES, ago, formatWhen, plural } from "../format.js";
import { dataTable } from "../tables.js";

const byName = (a, b) => a.display_name.localeCompare(b.display_name, undefined, { sensitivity: "base" });
const time = (iso) => (iso ? Date.parse(iso) : null);
// Empty values sort last whichever way the column is sorted.
function compareNullable(a, b, direction) {
  if (a == null && b == null) return 0;
  if (a == null) return 1;
  if (b == null) return -1;
  return (a - b) * direction;
}

const COLUMNS = [
  { key: "name", label: "Patient", compare: (a, b, d) => byName(a, b) * d },
  {
    key: "attention",
    label: "Flags",
    // Descending first: the most urgent on top.
    first: "descending",
    compare: (a, b, d) =>
      (a.urgent_flag_count - b.urgent_flag_count) * d ||
      (a.open_flag_count - b.open_flag_count) * d ||
      byName(a, b),
  },
  {
    key: "last_checkin",
    label: "Last check-in",
    compare: (a, b, d) => compareNullable(time(a.last_checkin_at), time(b.last_checkin_at), d) || byName(a, b),
  },
  { key: "mood", label: "Mood, 14 days" },
  {
    key: "next_dosing",
    label: "Next dosing",
    compare: (a, b, d) =>
      compareNullable(time(a.next_ketamine_session?.scheduled_at), time(b.next_ketamine_session?.scheduled_at), d) ||
      byName(a, b),
  },
  {
    key: "next_integration",
    label: "Next integration",
    compare: (a, b, d) =>
      compareNullable(
        time(a.next_integration_session?.scheduled_at),
        time(b.next_integration_session?.scheduled_at),
        d,
      ) || byName(a, b),
  },
  {
    key: "scores",
    label: "Scores",
    // Descending first: the PHQ-9 most worsened since baseline on top.
    first: "descending",
    compare: (a, b, d) => compareNullable(phq9Change(a), phq9Change(b), d) || byName(a, b),
  },
  {
    key: "unread",
    label: "Unread",
    first: "descending",
    compare: (a, b, d) => (a.unread_shared_count - b.unread_shared_count) * d || byName(a, b),
  },
];

const SCORE_NAMES = { phq9: "PHQ-9", gad7: "GAD-7", pcl5: "PCL-5" };

function score(row, instrument) {
  return (row.scores || []).find((each) => each.instrument === instrument) || null;
}

function phq9Change(row) {
  return score(row, "phq9")?.change_from_baseline ?? null;
}

function signed(value) {
  return value > 0 ? `+${value}` : String(value);
}

/** "PHQ-9 12 (−6), response": the latest score, its change from baseline and its marker. */
function scoreLine(each) {
  const change = each.change_from_baseline == null ? "" : ` (${signed(each.change_from_baseline)})`;
  return `${SCORE_NAMES[each.instrument]} ${each.total}${change}${each.marker ? `, ${each.marker}` : ""}`;
}

function scoresCell(row) {
  const scores = row.scores || [];
  const relapse = row.relapse;
  if (!scores.length) return h("td", { class: "scores" }, h("span", { class: "muted" }, "None shared"));
  return h(
    "td",
    { class: "scores" },
    scores.map((each) => h("span", { class: "score-line" }, scoreLine(each))),
    relapse
      ? h(
          "span",
          { class: "badge warning" },
          `PHQ-9 rising: ${relapse.total}, best ${relapse.nadir_total}`,
          relapse.days_since_last_dose == null ? "" : `; last dose ${plural(relapse.days_since_last_dose, "day")} ago`,
        )
      : null,
  );
}

function flagCell(row) {
  if (!row.open_flag_count) return h("td", { class: "flags" }, h("span", { class: "muted" }, "None"));
  const others = row.open_flag_count - row.urgent_flag_count;
  return h(
    "td",
    { class: "flags" },
    row.urgent_flag_count
      ? h("span", { class: "badge urgent" }, h("span", { class: "icon", "aria-hidden": "true" }, "!"), `${row.urgent_flag_count} urgent`)
      : null,
    others ? h("span", { class: "badge warning" }, plural(others, "flag")) : null,
  );
}

function sessionCell(session, checklistOpen = null) {
  if (!session) return h("td", { class: "when" }, h("span", { class: "muted" }, "Not booked"));
  return h(
    "td",
    { class: "when" },
    h("time", { datetime: session.scheduled_at }, formatWhen(session.scheduled_at)),
    // Shown from two days before the dose: what the patient has not ticked yet.
    checklistOpen == null
      ? null
      : h("span", { class: checklistOpen ? "badge" : "muted" }, checklistOpen ? ` ${plural(checklistOpen, "item")} not ready` : " Checklist done"),
  );
}

function rowFor(row) {
  const tr = h(
    "tr",
    { class: row.urgent_flag_count ? "urgent" : row.open_flag_count ? "flagged" : null },
    h(
      "th",
      { scope: "row" },
      h("a", { href: `#/patients/${row.patient_id}` }, row.display_name),
      h("span", { class: "phase" }, PHASES[row.phase] || ""),
    ),
    flagCell(row),
    h(
      "td",
      {},
      row.last_checkin_at
        ? h("time", { datetime: row.last_checkin_at, title: formatWhen(row.last_checkin_at) }, ago(row.last_checkin_at))
        : h("span", { class: "muted" }, "None shared"),
    ),
    h("td", { class: "spark-cell" }, sparkline(row.mood_trend || [], `${row.display_name}'s mood`, row.last_checkin_mood)),
    sessionCell(row.next_ketamine_session, row.checklist_open),
    sessionCell(row.next_integration_session),
    scoresCell(row),
    h(
      "td",
      { class: "number" },
      row.unread_shared_count
        ? h("a", { href: `#/patients/${row.patient_id}`, class: "unread", "aria-label": `${plural(row.unread_shared_count, "unread item")} from ${row.display_name}` }, String(row.unread_shared_count))
        : h("span", { class: "muted" }, "0"),
    ),
  );
  tr.dataset.name = row.display_name.toLocaleLowerCase();
  return tr;
}

export async function render(main, { setFlagCount, announce }) {
  const summary = h("p", { class: "summary" });
  main.append(h("h1", {}, "Caseload"), summary);
  const body = h("div", { class: "loading" }, "Loading your caseload…");
  main.append(body);

  let rows;
  try {
    rows = await loadCaseload();
  } catch (error) {
    body.className = "";
    body.replaceChildren(h("p", { class: "attention" }, failure(error, "The caseload")));
    return;
  }
  body.className = "";
  body.replaceChildren();

  const urgent = rows.filter((row) => row.urgent_flag_count).length;
  const flagged = rows.filter((row) => row.open_flag_count).length;
  const openFlags = rows.reduce((sum, row) => sum + row.open_flag_count, 0);
  const unread = rows.reduce((sum, row) => sum + row.unread_shared_count, 0);
  setFlagCount(openFlags);
  summary.replaceChildren(
    plural(rows.length, "patient"),
    " · ",
    urgent ? h("strong", {}, `${plural(urgent, "patient")} with an urgent flag`) : "no urgent flags",
    flagged > urgent ? ` · ${plural(flagged - urgent, "other patient")} with flags` : "",
    // Unread counts the brief's window, not the whole treatment: say so.
    ` · ${plural(unread, "unread shared item")} since each patient's last integration session (or in the last 30 days)`,
    openFlags ? " · " : "",
    openFlags ? h("a", { href: "#/flags" }, "Review flags") : "",
  );

  if (!rows.length) {
    body.append(
      h("p", {}, "No patients yet. "),
      h("p", {}, h("a", { href: "#/invites", class: "button primary" }, "Invite a patient")),
    );
    return;
  }

  const search = h("input", { type: "search", id: "caseload-filter", autocomplete: "off" });
  const count = h("p", { class: "muted", id: "caseload-count", "aria-live": "polite" });
  const tbody = h("tbody", {});
  const entries = rows.map((row) => ({ row, tr: rowFor(row) }));
  const fragment = document.createDocumentFragment();
  for (const { tr } of entries) fragment.append(tr);
  tbody.append(fragment);

  const headers = COLUMNS.map((column) => {
    const th = h("th", { scope: "col", class: column.key === "unread" ? "number" : null });
    if (!column.compare) {
      th.textContent = column.label;
      return th;
    }
    th.append(
      h(
        "button",
        { type: "button", class: "sort", onclick: () => sortBy(column.key) },
        column.label,
        h("span", { class: "arrow", "aria-hidden": "true" }),
      ),
    );
    th.dataset.key = column.key;
    return th;
  });

  let current = { key: "attention", direction: "descending" };
  function sortBy(key) {
    const column = COLUMNS.find((each) => each.key === key);
    const first = column.first || "ascending";
    const direction =
      current.key === key ? (current.direction === "ascending" ? "descending" : "ascending") : first;
    current = { key, direction };
    const sign = direction === "ascending" ? 1 : -1;
    entries.sort((a, b) => column.compare(a.row, b.row, sign));
    const moved = document.createDocumentFragment();
    for (const { tr } of entries) moved.append(tr);
    tbody.append(moved);
    showSort();
    announce(`Sorted by ${column.label.toLowerCase()}, ${direction}.`);
  }
  function showSort() {
    for (const th of headers) {
      if (!th.dataset.key) continue;
      if (th.dataset.key === current.key) th.setAttribute("aria-sort", current.direction);
      else th.removeAttribute("aria-sort");
      th.querySelector(".arrow").textContent =
        th.dataset.key === current.key ? (current.direction === "ascending" ? " ▲" : " ▼") : "";
    }
  }
  showSort();

  function filter() {
    const needle = search.value.trim().toLocaleLowerCase();
    let shown = 0;
    for (const { tr } of entries) {
      const match = !needle || tr.dataset.name.includes(needle);
      tr.hidden = !match;
      if (match) shown += 1;
    }
    count.textContent = needle ? `${plural(shown, "patient")} match.` : "";
  }
  search.addEventListener("input", filter);

  body.append(
    h(
      "div",
      { class: "toolbar" },
      h("div", { class: "field inline" }, h("label", { for: "caseload-filter" }, "Find a patient"), search),
      count,
    ),
    dataTable({
      label: "Caseload table",
      className: "caseload",
      caption: "Your patients. Column headers with buttons sort the table.",
      headers,
      body: tbody,
    }),
  );
}
