// The clinic's audit log, for admins: who read or changed whose data, when and
// from where (names and identifiers; never content), newest first, with filters.

import { h } from "/js/dom.js";
import { actionWords } from "../audit-words.js";
import { call, failure, query } from "../client.js";
import { field } from "../forms.js";
import { formatWhen, plural } from "../format.js";
import { dataTable } from "../tables.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A person: their name, with the short id beneath so two people of one name
 * can be told apart (the full id in the title); a button that filters the log
 * by them. A deleted account has no name left, only its id.
 */
function personButton(id, name, what, pick) {
  if (!id) return h("span", { class: "muted" }, "—");
  const short = id.slice(0, 8);
  const shown = name || "Deleted account";
  return h(
    "button",
    {
      type: "button",
      class: name ? "id-button person" : "id-button person unnamed",
      title: `${shown}, id ${id}`,
      "aria-label": `${shown} ${short}: show only this ${what}`,
      onclick: () => pick(id),
    },
    h("span", { class: "person-name" }, shown),
    " ",
    h("code", { class: "short-id" }, short),
  );
}

/** "2025-03-04" from a date input as the start of that day here, with the offset. */
function dayStart(value) {
  if (!value) return null;
  const [year, month, day] = value.split("-").map(Number);
  return new Date(year, month - 1, day).toISOString();
}

function input(id, label, attrs = {}, hint = null) {
  const element = h("input", { id, name: id, autocomplete: "off", ...attrs });
  return [element, field(label, element, hint)];
}

export async function render(main) {
  main.append(
    h("h1", {}, "Audit log"),
    h("p", {}, "Every read of a patient's data by someone other than the patient, every sharing change, export and sign-in. Reading this log is recorded too."),
  );
  // The server's list of what it records, each with its meaning (GET /audit/actions).
  let action = h("select", { id: "audit-action", name: "audit-action" }, h("option", { value: "" }, "Any action"));
  const actionField = field("What happened", action);
  const [patient, patientField] = input("audit-patient", "Patient id", { type: "text", spellcheck: "false" });
  const [actor, actorField] = input("audit-actor", "Who (user id)", { type: "text", spellcheck: "false" });
  const [since, sinceField] = input("audit-since", "From", { type: "date" });
  const [until, untilField] = input("audit-until", "Until (inclusive)", { type: "date" });
  const message = h("div", { class: "form-message", role: "alert" });
  const form = h(
    "form",
    { novalidate: true, class: "filters", "aria-label": "Filter the audit log" },
    actionField,
    patientField,
    actorField,
    sinceField,
    untilField,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Filter"), h("button", { type: "reset" }, "Clear")),
    message,
  );
  const status = h("p", { class: "muted loading", role: "status" }, "Loading the log…");
  const tbody = h("tbody", {});
  const more = h("button", { type: "button", hidden: true }, "Show older events");
  main.append(
    form,
    status,
    dataTable({
      label: "Audit events",
      className: "audit",
      caption: "Audit events, newest first",
      headers: ["When", "Who", "Role", "What happened", "Patient", "Object", "From", "Device"],
      body: tbody,
    }),
    more,
  );

  let cursor = null;
  let filters = {};
  let count = 0;

  // Each load is numbered: the answer of one overtaken by another (a filter
  // chosen while the log was loading) is set aside, never drawn under the newer filter.
  let loads = 0;

  async function load(append) {
    const mine = ++loads;
    more.disabled = true;
    try {
      const page = await call(`/audit${query({ ...filters, cursor: append ? cursor : null, limit: 100 })}`);
      if (mine !== loads) return;
      cursor = page.next_cursor;
      if (!append) {
        tbody.replaceChildren();
        count = 0;
      }
      count += page.items.length;
      for (const event of page.items) {
        tbody.append(
          h(
            "tr",
            {},
            h("td", {}, h("time", { datetime: event.at }, formatWhen(event.at))),
            h("td", {}, personButton(event.actor_id, event.actor_name, "person's events", (id) => filterBy(actor, id))),
            h("td", {}, event.actor_role || "—"),
            h("td", { "data-action": event.action }, actionWords(event.action)),
            h("td", {}, personButton(event.patient_id, event.patient_name, "patient's events", (id) => filterBy(patient, id))),
            h("td", {}, event.object_type ? [event.object_type, " ", event.object_id ? h("code", { title: event.object_id }, event.object_id.slice(0, 8)) : ""] : "—"),
            h("td", {}, event.ip_address || "—"),
            h("td", { class: "agent" }, event.user_agent || "—"),
          ),
        );
      }
      status.textContent = count ? `${plural(count, "event")} shown${cursor ? "; older ones below" : ""}.` : "No events match.";
      more.hidden = !cursor;
    } catch (error) {
      if (mine === loads) message.replaceChildren(h("p", { class: "attention" }, failure(error, "The audit log")));
    } finally {
      if (mine === loads) {
        more.disabled = false;
        status.classList.remove("loading");
      }
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    message.replaceChildren();
    for (const [field, label] of [[patient, "patient id"], [actor, "user id"]]) {
      if (field.value.trim() && !UUID.test(field.value.trim())) {
        message.append(h("p", { class: "attention" }, `The ${label} is a full id; choose one in the table to filter by it.`));
        field.focus();
        return;
      }
    }
    // Date inputs give YYYY-MM-DD, which compare as text in date order.
    if (since.value && until.value && since.value > until.value) {
      message.append(h("p", { class: "attention" }, "From is after Until: the dates are the wrong way round. Swap them to see the events between."));
      since.focus();
      return;
    }
    let untilValue = null;
    if (until.value) {
      const end = new Date(dayStart(until.value));
      end.setDate(end.getDate() + 1);
      untilValue = end.toISOString();
    }
    filters = {
      action: action.value.trim(),
      patient_id: patient.value.trim(),
      actor_id: actor.value.trim(),
      since: dayStart(since.value),
      until: untilValue,
    };
    load(false);
  });
  form.addEventListener("reset", () => {
    filters = {};
    message.replaceChildren();
    load(false);
  });
  function filterBy(field, id) {
    field.value = id;
    form.requestSubmit();
  }
  more.addEventListener("click", () => load(true));
  const listing = call("/audit/actions").then(
    (answer) => {
      // In the log's own words; an action this page does not know yet, in the server's.
      for (const { name, description } of answer.items) action.append(h("option", { value: name }, actionWords(name) === name ? description : actionWords(name)));
    },
    () => {
      // Without the list, filtering by action still works by its name.
      const typed = h("input", { id: "audit-action", name: "audit-action", type: "text", maxlength: "64", autocomplete: "off", "aria-describedby": "audit-action-hint" });
      action.replaceWith(typed);
      action = typed;
      typed.before(h("p", { class: "hint", id: "audit-action-hint" }, "The list of actions could not load: type an action's name, such as brief_read or login_failed."));
    },
  );
  await Promise.all([listing, load(false)]);
}
