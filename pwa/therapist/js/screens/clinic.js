// The clinic's settings, for admins, in three forms that save on their own:
// the clinic (name, country, phone, opening hours), when patients are prompted
// around each dosing session, and how long an urgent flag waits before it is
// escalated. A refused field says why under the field itself.

import { h, uid } from "/js/dom.js";
import { call, loadUnder } from "../client.js";
import { field, listForm, listSaver, outcome, rowOf } from "../forms.js";

const DAYS_BEFORE = 7;
const DAYS_AFTER = 30;
const MAX_PROMPTS = 10;

function dayLabel(days) {
  if (days === 0) return "The day of the session";
  if (days === -1) return "The day before";
  if (days === 1) return "The day after";
  return days < 0 ? `${-days} days before` : `${days} days after`;
}

/** A form of plain fields that saves with one button; `work` saves and answers what to say. */
function fieldsForm({ id, title, what, lookup, fields, saveLabel, work }) {
  const result = outcome(lookup, what);
  const save = h("button", { type: "submit", class: "primary" }, saveLabel);
  const form = h(
    "form",
    { novalidate: true, "aria-labelledby": `${id}-heading` },
    h("h2", { id: `${id}-heading` }, title),
    fields,
    h("div", { class: "actions" }, save),
    result.message,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    result.saving([save], work);
  });
  return form;
}

function clinicForm(current, countries) {
  const name = h("input", { id: "clinic-name", type: "text", value: current.name, maxlength: "200", autocomplete: "organization", required: true });
  const country = h(
    "select",
    { id: "clinic-country" },
    countries.map((c) => h("option", { value: c.code, selected: c.code === current.country }, c.name)),
  );
  const phone = h("input", { id: "clinic-phone", type: "tel", value: current.phone || "", maxlength: "40", autocomplete: "off" });
  const hours = h("input", { id: "clinic-hours", type: "text", value: current.phone_hours || "", maxlength: "120", autocomplete: "off" });
  const controls = { name, country, phone, phone_hours: hours };
  return fieldsForm({
    id: "clinic",
    title: "The clinic",
    what: "Saving the clinic",
    lookup: (key) => controls[key],
    fields: [
      field("Name", name, "As patients and staff see it."),
      field("Country", country, "Chooses the crisis lines of patients whose own country is not known."),
      field("Phone", phone, "Shown to patients with the crisis lines. Leave empty for none."),
      field("Opening hours", hours, "When the phone is answered, shown beside it, e.g. Mon-Fri 9:00-17:00."),
    ],
    saveLabel: "Save the clinic",
    work: async () => {
      const body = { name: name.value, country: country.value, phone: phone.value.trim() || null, phone_hours: hours.value.trim() || null };
      const answer = await call("/clinic", { method: "PUT", body });
      name.value = answer.name;
      return `Saved: ${answer.name}, ${answer.country_name}.`;
    },
  });
}

function promptRow(slot, number, remove) {
  const days = h(
    "select",
    { id: uid("prompt-day") },
    Array.from({ length: DAYS_BEFORE + DAYS_AFTER + 1 }, (_, index) => index - DAYS_BEFORE).map((value) =>
      h("option", { value: String(value), selected: value === slot.days }, dayLabel(value)),
    ),
  );
  const at = h("input", { id: uid("prompt-at"), type: "time", value: slot.at || "19:00", required: true });
  const legend = h("legend", {}, `Prompt ${number}`);
  const removeButton = h("button", { type: "button", class: "small" }, `Remove prompt ${number}`);
  const box = h("fieldset", { class: "prompt-slot" }, legend, field("Day", days), field("Time (the patient's own)", at), removeButton);
  removeButton.addEventListener("click", () => remove(box));
  box.prompt = { name: slot.name || null, days, at, legend, removeButton };
  return box;
}

/** New prompts get a name from their day, unique in the list (the server keys queued prompts by it). */
function names(rows) {
  const taken = new Set(rows.map((row) => row.prompt.name).filter(Boolean));
  return rows.map((row) => {
    if (row.prompt.name) return row.prompt.name;
    const days = Number(row.prompt.days.value);
    const base = days < 0 ? `before_${-days}` : `day_${days}`;
    let name = base;
    for (let n = 2; taken.has(name); n += 1) name = `${base}_${n}`;
    taken.add(name);
    row.prompt.name = name;
    return name;
  });
}

function promptForm(current) {
  const rows = h("div", { class: "prompt-slots" });
  const add = h("button", { type: "button" }, "Add a prompt");
  const state = h("p", { class: "hint", id: "prompt-state" });
  const lookup = (key) => {
    const at = rowOf(rows, "session_prompts", key);
    if (!at) return null;
    return at.name === "at" ? at.row.prompt.at : at.row.prompt.days;
  };
  const result = outcome(lookup, "The prompt schedule");
  const renumber = () => {
    [...rows.children].forEach((row, index) => {
      row.prompt.legend.textContent = `Prompt ${index + 1}`;
      row.prompt.removeButton.textContent = `Remove prompt ${index + 1}`;
    });
    add.disabled = rows.children.length >= MAX_PROMPTS;
  };
  const remove = (row) => {
    row.remove();
    renumber();
    add.focus();
  };
  const draw = (answer) => {
    rows.replaceChildren(...answer.session_prompts.map((slot, index) => promptRow(slot, index + 1, remove)));
    state.textContent = answer.customised ? "Your clinic's own times." : "Between's default times.";
    renumber();
  };
  draw(current);
  add.addEventListener("click", () => {
    rows.append(promptRow({ days: 1, at: "19:00" }, rows.children.length + 1, remove));
    renumber();
    rows.lastElementChild.querySelector("select").focus();
  });
  const save = h("button", { type: "submit", class: "primary" }, "Save the prompt times");
  const defaults = h("button", { type: "button" }, "Back to the default times");
  const about =
    `When patients are asked to check in around each dosing session, at their own local time (at most ${MAX_PROMPTS}). Prompts already queued move to the new times; ones already sent stay sent.`;
  const form = listForm({ id: "prompts", title: "Prompt times around each dosing session", about, state, rows, add, save, reset: defaults, message: result.message });
  const put = listSaver(result, [save, defaults], "/clinic/push-schedule", "session_prompts", draw, current);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const list = [...rows.children];
    const named = names(list);
    put(
      list.map((row, index) => ({ name: named[index], days: Number(row.prompt.days.value), at: row.prompt.at.value })),
      "Saved the prompt times.",
    );
  });
  defaults.addEventListener("click", () => put(null, "Back to Between's default prompt times."));
  return form;
}

function flagForm(current) {
  const hours = h("input", { id: "escalate-hours", type: "number", min: "1", max: "168", step: "1", inputmode: "numeric", value: String(current.escalate_after_hours), required: true });
  return fieldsForm({
    id: "flags",
    title: "Urgent flags",
    what: "Saving the escalation time",
    lookup: (key) => (key === "escalate_after_hours" ? hours : null),
    fields: field("Hours before an open urgent flag is escalated", hours, "From 1 to 168 (a week). Escalated flags show to the clinic's admins as well."),
    saveLabel: "Save the escalation time",
    work: async () => {
      const value = hours.value.trim();
      const answer = await call("/clinic/flag-settings", { method: "PUT", body: { escalate_after_hours: /^\d+$/.test(value) ? Number(value) : value } });
      hours.value = String(answer.escalate_after_hours);
      return `Saved: urgent flags are escalated after ${answer.escalate_after_hours} hours open.`;
    },
  });
}

export async function render(main) {
  main.append(h("h1", {}, "Clinic settings"));
  const answers = await loadUnder(
    main,
    () => Promise.all([call("/clinic"), call("/crisis-resources/countries"), call("/clinic/push-schedule"), call("/clinic/flag-settings")]),
    "The clinic's settings",
  );
  if (!answers) return;
  const [clinic, { items: countries }, prompts, flags] = answers;
  main.append(h("div", { class: "settings-forms" }, clinicForm(clinic, countries), promptForm(prompts), flagForm(flags)));
}
