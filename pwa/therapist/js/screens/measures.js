// One patient's questionnaires: which are on (the measure plan), asking for
// one now, what is due and why, each treatment series with its baselines, and
// every shared answer item by item (printable).

import { h } from "/js/dom.js";
import { call, failure } from "../client.js";
import { INSTRUMENTS, formatDate, formatWhen } from "../format.js";

const NAMES = Object.keys(INSTRUMENTS);

function signed(value) {
  return value > 0 ? `+${value}` : String(value);
}

function markerWords(row, option) {
  const markers = row.markers || {};
  const words = [];
  if (row.baseline_of_series) words.push(`baseline of series ${row.baseline_of_series}`);
  // The item-9 answer in the questionnaire's words, instead of response or remission.
  if (markers.withheld === "safety_item") words.push(`item 9: ${option(markers.safety_item_answer).toLowerCase()} (response and remission not shown)`);
  if (markers.remission) words.push("remission");
  if (markers.response) words.push("response");
  if (markers.change) words.push(`${markers.change.label}, ${markers.change.direction}`);
  if (row.provisional_diagnosis) words.push("DSM-5 rule met (provisional, screening only)");
  return words.join("; ");
}

/** One instrument's shared responses (rows) by item (columns); changed answers marked. */
export function itemTable(table) {
  const clusters = Object.keys(table.clusters || {});
  const caption = `${table.name}: every shared answer, item by item`;
  if (!table.rows.length) {
    return h("section", { class: "item-table", "aria-label": caption }, h("h3", {}, table.name), h("p", { class: "empty" }, "No shared answers yet."));
  }
  const option = (value) => table.options.find((entry) => entry.value === value)?.label || String(value);
  const head = [
    h("th", { scope: "col" }, "Answered"),
    ...table.items.map((item) => h("th", { scope: "col", title: item.text }, h("abbr", { title: item.text }, `${item.number}`))),
    table.difficulty_options ? h("th", { scope: "col" }, "Difficulty") : null,
    ...clusters.map((name) => h("th", { scope: "col" }, `Cluster ${name}`)),
    h("th", { scope: "col" }, "Total"),
    h("th", { scope: "col" }, "Change from baseline"),
    h("th", { scope: "col" }, "Markers"),
  ];
  const body = table.rows.map((row) =>
    h(
      "tr",
      {},
      h("th", { scope: "row" }, h("time", { datetime: row.completed_at }, formatDate(row.completed_at))),
      ...row.answers.map((value, index) => {
        const changed = row.changed.includes(index + 1);
        return h(
          "td",
          { class: changed ? "changed" : null, title: option(value) },
          String(value),
          changed ? h("span", { class: "visually-hidden" }, " (changed)") : null,
        );
      }),
      table.difficulty_options ? h("td", {}, row.difficulty == null ? "—" : table.difficulty_options[row.difficulty]) : null,
      ...clusters.map((name) => h("td", {}, String(row.subscores?.[name] ?? "—"))),
      h("td", {}, `${row.total}${row.severity ? ` (${row.severity})` : ""}`),
      h("td", {}, row.change_from_baseline == null ? "—" : signed(row.change_from_baseline)),
      h("td", {}, markerWords(row, option) || "—"),
    ),
  );
  return h(
    "section",
    { class: "item-table" },
    h(
      "table",
      { class: "items-by-response" },
      h("caption", {}, caption),
      h("thead", {}, h("tr", {}, head)),
      h("tbody", {}, body),
    ),
    h(
      "details",
      { class: "no-print" },
      h("summary", {}, `${table.name} items`),
      h("ol", {}, table.items.map((item) => h("li", {}, item.text))),
    ),
  );
}

function planForm(plan, save) {
  const boxes = NAMES.map((name) => h("input", { type: "checkbox", name, checked: plan[name] }));
  const indexEvent = h("input", { type: "text", id: "index-event", maxlength: "300", value: plan.index_event || "" });
  const form = h(
    "form",
    { class: "plan-form" },
    h(
      "fieldset",
      {},
      h("legend", {}, "Questionnaires this patient is asked to fill"),
      NAMES.map((name, index) => h("label", { class: "check" }, boxes[index], h("span", {}, INSTRUMENTS[name]))),
    ),
    h("label", { for: "index-event" }, 'PCL-5: "the stressful experience" means (optional)'),
    indexEvent,
    h("p", { class: "hint" }, "The patient reads this above the PCL-5 questions."),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Save the plan")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = Object.fromEntries(NAMES.map((name, index) => [name, boxes[index].checked]));
    body.index_event = indexEvent.value.trim() || null;
    save(body, "Plan saved.");
  });
  return form;
}

function dueList(plan, save) {
  const due = new Map(plan.due.map((item) => [item.instrument, item]));
  return h(
    "ul",
    { class: "due-list" },
    NAMES.filter((name) => plan[name]).map((name) => {
      const item = due.get(name);
      return h(
        "li",
        {},
        h("strong", {}, INSTRUMENTS[name]),
        item ? ` is due: ${item.reason_text} (since ${formatWhen(item.due_since)}). ` : " is not due now. ",
        item?.reason === "asked"
          ? null
          : h(
              "button",
              { type: "button", onclick: () => save({ ask_now: [name] }, `${INSTRUMENTS[name]} asked for; the patient sees it as due now.`) },
              `Ask for ${INSTRUMENTS[name]} now`,
            ),
      );
    }),
  );
}

function seriesTable(plan) {
  if (!plan.series.length) return h("p", { class: "empty" }, "No dosing session booked yet, so no treatment series.");
  return h(
    "table",
    { class: "series" },
    h("caption", { class: "visually-hidden" }, "Treatment series and their baselines"),
    h("thead", {}, h("tr", {}, ["Series", "First dose", "Last dose", "Dosing sessions", "Baselines"].map((label) => h("th", { scope: "col" }, label)))),
    h(
      "tbody",
      {},
      plan.series.map((one) =>
        h(
          "tr",
          {},
          h("th", { scope: "row" }, `${one.number}${one.marked ? " (marked new)" : ""}`),
          h("td", {}, formatDate(one.first_at)),
          h("td", {}, formatDate(one.last_at)),
          h("td", {}, String(one.dosing_sessions)),
          h(
            "td",
            {},
            one.baselines.length
              ? one.baselines.map((base) => `${INSTRUMENTS[base.instrument]} ${base.total} (${formatDate(base.completed_at)})`).join(", ")
              : "none before the first dose",
          ),
        ),
      ),
    ),
  );
}

/** Mark a dosing session as the start of a new series (a booster, say), or undo a mark. */
function seriesMarks(plan, mark) {
  // Any session but the first of a series may start a new one.
  const later = plan.series.flatMap((one) => one.sessions.slice(1));
  const parts = [];
  if (later.length) {
    const select = h(
      "select",
      { id: "series-start" },
      later.map((session) => h("option", { value: session.id }, formatWhen(session.scheduled_at))),
    );
    const form = h(
      "form",
      { class: "series-mark" },
      h("label", { for: "series-start" }, "Dosing session that starts a new series"),
      select,
      h("p", { class: "hint" }, "Its baselines become the latest answers before it."),
      h("div", { class: "actions" }, h("button", { type: "submit" }, "Start a new series there")),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      mark(select.value, true, "New series marked.");
    });
    parts.push(form);
  }
  for (const one of plan.series.filter((each) => each.marked)) {
    parts.push(
      h(
        "p",
        { class: "actions" },
        h(
          "button",
          { type: "button", onclick: () => mark(one.first_ketamine_session_id, false, `Series ${one.number} is no longer marked as new.`) },
          `Undo the mark on series ${one.number}`,
        ),
      ),
    );
  }
  return parts;
}

export async function render(main, { params }) {
  const { patientId } = params;
  const heading = h("h1", {}, "Questionnaires");
  const status = h("p", { role: "status", class: "loading" }, "Loading the plan…");
  const planBox = h("div", {});
  const tables = h("div", {});
  main.append(
    h(
      "nav",
      { class: "crumbs", "aria-label": "Breadcrumb" },
      h("a", { href: "#/caseload" }, "Caseload"),
      " › ",
      h("a", { href: `#/patients/${patientId}` }, "Patient"),
      " › ",
      h("span", { "aria-current": "page" }, "Questionnaires"),
    ),
    heading,
    status,
    planBox,
    tables,
  );

  const draw = (plan) => {
    heading.textContent = `Questionnaires: ${plan.display_name}`;
    main.querySelector(".crumbs a:nth-of-type(2)").textContent = plan.display_name;
    planBox.replaceChildren(
      h("section", { "aria-labelledby": "plan-title", class: "no-print" }, h("h2", { id: "plan-title" }, "Plan"), planForm(plan, save)),
      h("section", { "aria-labelledby": "due-title", class: "no-print" }, h("h2", { id: "due-title" }, "Due now"), dueList(plan, save)),
      h(
        "section",
        { "aria-labelledby": "series-title" },
        h("h2", { id: "series-title" }, "Treatment series"),
        h("p", { class: "hint" }, "A new series starts after more than 8 weeks without dosing, or where you mark one; its baseline is the latest answer before its first dose."),
        seriesTable(plan),
        h("div", { class: "no-print" }, seriesMarks(plan, mark)),
      ),
    );
  };

  // Every change answers with the whole plan: drawn again, then the tables
  // (a moved baseline changes their markers).
  async function change(path, method, body, done) {
    status.textContent = "Saving…";
    try {
      const plan = await call(path, { method, body });
      draw(plan);
      status.textContent = done;
      await drawTables(plan);
    } catch (error) {
      status.textContent = failure(error, "The plan");
    }
  }

  function save(body, done) {
    return change(`/patients/${patientId}/measure-plan`, "PATCH", body, done);
  }

  function mark(sessionId, newSeries, done) {
    return change(`/patients/${patientId}/ketamine-sessions/${sessionId}/series-start`, "PUT", { new_series: newSeries }, done);
  }

  async function drawTables(plan) {
    const shown = NAMES.filter((name) => plan[name]);
    const loaded = await Promise.all(shown.map((name) => call(`/patients/${patientId}/measures/${name}/table`)));
    tables.replaceChildren(
      h(
        "section",
        { "aria-labelledby": "tables-title" },
        h("h2", { id: "tables-title" }, "Answers item by item"),
        h("p", { class: "hint no-print" }, "Changed answers (against the row before) are marked. Shared answers only."),
        h("p", { class: "actions" }, h("button", { type: "button", onclick: () => window.print() }, "Print")),
        ...loaded.map(itemTable),
      ),
    );
  }

  let plan;
  try {
    plan = await call(`/patients/${patientId}/measure-plan`);
  } catch (error) {
    status.classList.remove("loading");
    status.textContent = error.status === 404 ? "This patient is not on your caseload." : failure(error, "The plan");
    return;
  }
  draw(plan);
  try {
    await drawTables(plan);
    status.textContent = "";
  } catch (error) {
    status.textContent = failure(error, "The answers");
  } finally {
    status.classList.remove("loading");
  }
}
