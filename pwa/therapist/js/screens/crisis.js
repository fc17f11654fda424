// The clinic's crisis resources, for admins: the clinic's country, phone and
// opening hours, and either the built-in list of the country or the clinic's
// own. Patients elsewhere get their own country's list; the emergency number
// is always shown to them, whatever is chosen here.

import { h, uid } from "/js/dom.js";
import BUILT_IN from "/js/crisis-defaults.js";
import { call, loadUnder, state } from "../client.js";
import { feedback, field, refusal } from "../forms.js";

const LINE_FIELDS = [
  ["name", "Name", { type: "text", required: true, maxlength: "120" }],
  ["phone", "Phone", { type: "tel", maxlength: "40" }],
  ["sms", "Text number", { type: "tel", maxlength: "40" }],
  ["sms_body", "Word to text (optional)", { type: "text", maxlength: "40" }],
  ["url", "Website (https)", { type: "url", maxlength: "300" }],
  ["description", "What to say about it", { type: "text", maxlength: "300" }],
];

function builtInFor(country) {
  return BUILT_IN.countries[country] || BUILT_IN.fallback;
}

/** One line of the clinic's own list, as a fieldset with its fields and a Remove button. */
function lineEditor(line, number, remove) {
  const inputs = {};
  const legend = h("legend", {}, `Line ${number}`);
  const fields = LINE_FIELDS.map(([key, label, attrs]) => {
    inputs[key] = h("input", { id: uid(`line-${key}`), value: line[key] || "", autocomplete: "off", ...attrs });
    return field(label, inputs[key]);
  });
  const box = h(
    "fieldset",
    { class: "crisis-line" },
    legend,
    ...fields,
    h("button", { type: "button", onclick: () => remove(box) }, `Remove line ${number}`),
  );
  box.read = () => {
    const out = {};
    for (const [key] of LINE_FIELDS) {
      const value = inputs[key].value.trim();
      out[key] = value || null;
    }
    return out;
  };
  box.inputs = inputs;
  return box;
}

export async function render(main) {
  main.append(
    h("h1", {}, "Crisis resources"),
    h(
      "p",
      {},
      "What your clinic's patients see under Need help now and on every crisis card. Between is not watched in real time, so these are the lines patients call when they need help at once.",
    ),
  );
  const clinicId = state.me?.clinic_id;
  const answers = await loadUnder(
    main,
    () => Promise.all([call(`/clinics/${clinicId}/crisis-resources`), call("/crisis-resources/countries")]),
    "The crisis resources",
  );
  if (!answers) return;
  const countries = answers[1].items;
  // What the server last answered: a save replaces it.
  let current = answers[0];

  const country = h(
    "select",
    { id: "crisis-country", name: "country" },
    [...countries.filter((c) => c.built_in), ...countries.filter((c) => !c.built_in)].map((c) =>
      h("option", { value: c.code, selected: c.code === current.country }, c.name),
    ),
  );
  const phone = h("input", { id: "clinic-phone", type: "tel", value: current.phone || "", maxlength: "40", autocomplete: "off" });
  const hours = h("input", { id: "clinic-hours", type: "text", value: current.phone_hours || "", maxlength: "120", autocomplete: "off" });
  const includePhone = h("input", { type: "checkbox", id: "include-phone", checked: current.include_clinic_phone });
  const message = h("textarea", { id: "crisis-message", rows: "3", maxlength: "500" });
  message.value = current.message || "";
  const useOwn = h("input", { type: "radio", name: "which-list", value: "own", checked: current.resources !== null });
  const useBuiltIn = h("input", { type: "radio", name: "which-list", value: "built-in", checked: current.resources === null });
  const preview = h("div", { class: "built-in-preview" });
  const lines = h("div", {});
  const addLine = h("button", { type: "button" }, "Add a line");
  const ownBox = h("div", {}, lines, addLine);

  const renumber = () => {
    [...lines.children].forEach((box, index) => {
      box.querySelector("legend").textContent = `Line ${index + 1}`;
      box.querySelector("button").textContent = `Remove line ${index + 1}`;
    });
  };
  const remove = (box) => {
    box.remove();
    renumber();
    addLine.focus();
  };
  const add = (line = {}) => lines.append(lineEditor(line, lines.children.length + 1, remove));
  for (const line of current.resources || []) add(line);
  addLine.addEventListener("click", () => {
    add();
    lines.lastElementChild.querySelector("input").focus();
  });

  const showPreview = () => {
    const chosen = builtInFor(country.value);
    preview.replaceChildren(
      h("p", {}, `Built in for ${country.selectedOptions[0]?.textContent || country.value}:`),
      h(
        "ul",
        {},
        chosen.resources.map((line) => h("li", {}, `${line.name}${line.phone ? `, ${line.phone}` : ""}${line.sms ? `, text ${line.sms}` : ""}`)),
      ),
      h("p", { class: "hint" }, `Always shown as well: emergency services, ${chosen.emergency.phone}.`),
    );
    ownBox.hidden = !useOwn.checked;
    if (useOwn.checked && !lines.children.length) add();
  };
  for (const control of [country, useOwn, useBuiltIn]) control.addEventListener("change", showPreview);

  const controls = { country, phone, phone_hours: hours, message, include_clinic_phone: includePhone };
  const { message: formMessage, show, done, clear } = feedback(controls);
  const save = h("button", { type: "submit", class: "primary" }, "Save crisis resources");
  const form = h(
    "form",
    { novalidate: true, "aria-label": "The clinic's crisis resources" },
    field("Clinic country", country, "Patients without a country of their own, and whose time zone names none, get this country's lines."),
    field("Clinic phone", phone, "Shown after the crisis lines, wherever the patient is."),
    field("Opening hours", hours, "Shown beside the clinic phone, e.g. Mon-Fri 9:00-17:00."),
    h("label", { class: "check" }, includePhone, h("span", {}, "Show the clinic phone to patients")),
    h(
      "fieldset",
      {},
      h("legend", {}, "Which crisis lines"),
      h("label", { class: "check" }, useBuiltIn, h("span", {}, "The built-in lines for the clinic's country")),
      h("label", { class: "check" }, useOwn, h("span", {}, "Our own list (for patients in the clinic's country)")),
      preview,
      ownBox,
    ),
    field("A message under the lines (optional)", message, "For patients in the clinic's country, e.g. who answers the phone out of hours."),
    h("div", { class: "actions" }, save),
    formMessage,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear();
    const body = {
      country: country.value,
      phone: phone.value.trim() || null,
      phone_hours: hours.value.trim() || null,
      resources: useOwn.checked ? [...lines.children].map((box) => box.read()) : null,
      message: message.value.trim() || null,
      include_clinic_phone: includePhone.checked,
    };
    save.disabled = true;
    try {
      current = await call(`/clinics/${clinicId}/crisis-resources`, { method: "PUT", body });
      done(current.customised ? "Saved. Patients in the clinic's country see your own list." : "Saved. Patients see the built-in lines for where they are.");
    } catch (error) {
      const labels = { country: "Clinic country", phone: "Clinic phone", phone_hours: "Opening hours", message: "Message", resources: "Own list" };
      const { lines: said, invalid } = refusal(error, labels, "Saving");
      // A line's field ("resources.1.phone") is marked in that line.
      for (const key of invalid) {
        const match = /^resources\.(\d+)\.(\w+)$/.exec(key);
        const box = match ? lines.children[Number(match[1])] : null;
        box?.inputs[match[2]]?.setAttribute("aria-invalid", "true");
      }
      show(
        said.map((line) => line.replace(/^resources\.(\d+)\.(\w+)/, (_, index, key) => `Line ${Number(index) + 1}, ${key.replace("_", " ")}`)),
        invalid,
      );
    } finally {
      save.disabled = false;
    }
  });
  main.append(form);
  showPreview();
}
