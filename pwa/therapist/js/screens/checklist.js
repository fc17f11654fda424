// The clinic's preparation checklist: what patients tick in the days before
// each dosing session. Staff change the words, add, move or remove items, mark
// some for home sessions only, or go back to Between's built-in list. An item
// keeps its key when its words change, so what patients ticked stays ticked.

import { h, uid } from "/js/dom.js";
import { call, loadUnder } from "../client.js";
import { field, listForm, listSaver, outcome, rowOf } from "../forms.js";

const MAX_ITEMS = 20;
const TEXT_MAX = 300;

function itemRow(item, actions) {
  const text = h("textarea", { id: uid("item-text"), rows: "2", maxlength: String(TEXT_MAX), required: true });
  text.value = item.text || "";
  const homeOnly = h("input", { type: "checkbox", id: uid("item-home"), checked: Boolean(item.home_only) });
  const legend = h("legend", {}, "");
  const up = h("button", { type: "button", class: "small" }, "");
  const remove = h("button", { type: "button", class: "small" }, "");
  const box = h(
    "fieldset",
    { class: "prompt-slot checklist-item" },
    legend,
    field("What the patient ticks", text),
    h("label", { class: "check" }, homeOnly, h("span", {}, "Home sessions only")),
    h("div", { class: "actions" }, up, remove),
  );
  up.addEventListener("click", () => actions.moveUp(box));
  remove.addEventListener("click", () => actions.remove(box));
  box.item = { key: item.key || null, text, homeOnly, legend, up, remove };
  return box;
}

function editor(current) {
  const rows = h("div", { class: "prompt-slots" });
  const add = h("button", { type: "button" }, "Add an item");
  const state = h("p", { class: "hint", id: "checklist-state" });
  const result = outcome((key) => rowOf(rows, "items", key)?.row.item.text || null, "The checklist");
  const renumber = () => {
    [...rows.children].forEach((row, index) => {
      row.item.legend.textContent = `Item ${index + 1}`;
      row.item.up.textContent = `Move item ${index + 1} up`;
      row.item.up.hidden = index === 0;
      row.item.remove.textContent = `Remove item ${index + 1}`;
      row.item.remove.disabled = rows.children.length === 1;
    });
    add.disabled = rows.children.length >= MAX_ITEMS;
  };
  const actions = {
    moveUp(row) {
      if (row.previousElementSibling) rows.insertBefore(row, row.previousElementSibling);
      renumber();
      (row.item.up.hidden ? row.item.text : row.item.up).focus();
    },
    remove(row) {
      row.remove();
      renumber();
      add.focus();
    },
  };
  const draw = (answer) => {
    rows.replaceChildren(...answer.items.map((item) => itemRow(item, actions)));
    state.textContent = answer.customised ? "Your clinic's own list." : "Between's built-in list.";
    renumber();
  };
  draw(current);
  add.addEventListener("click", () => {
    rows.append(itemRow({ text: "", home_only: false }, actions));
    renumber();
    rows.lastElementChild.item.text.focus();
  });
  const save = h("button", { type: "submit", class: "primary" }, "Save the checklist");
  const builtIn = h("button", { type: "button" }, "Back to the built-in list");
  const about =
    `What patients tick in the days before each dosing session, in this order (at most ${MAX_ITEMS}). ` +
    "Items for home sessions only are left out of sessions at the clinic. A home session always asks for a person to be with the patient, even if the list leaves that out.";
  const form = listForm({ id: "checklist", title: "Items", about, state, rows, add, save, reset: builtIn, message: result.message });
  const put = listSaver(result, [save, builtIn], "/clinic/checklist", "items", draw, current);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const items = [...rows.children].map(({ item }) => {
      const sent = { text: item.text.value.trim(), home_only: item.homeOnly.checked };
      return item.key ? { key: item.key, ...sent } : sent;
    });
    put(items, "Saved the checklist. Patients see it from now on; what they ticked stays ticked.");
  });
  builtIn.addEventListener("click", () => put(null, "Back to Between's built-in checklist."));
  return form;
}

export async function render(main) {
  main.append(h("h1", {}, "Preparation checklist"));
  const current = await loadUnder(main, () => call("/clinic/checklist"), "The clinic's checklist");
  if (!current) return;
  main.append(h("div", { class: "settings-forms" }, editor(current)));
}
