// The clinic's prompt library: add, edit, switch prompts on and off.

import { h, uid } from "/js/dom.js";
import { call, failure } from "../client.js";
import { field } from "../forms.js";
import { PHASES, THEMES, capitalise, plural } from "../format.js";

function themeSelect(value) {
  const select = h("select", {}, THEMES.map((theme) => h("option", { value: theme }, capitalise(theme))));
  if (value) select.value = value;
  return select;
}

function phaseBoxes(legend, chosen = []) {
  const set = h("fieldset", { class: "phases" }, h("legend", {}, legend));
  for (const [value, label] of Object.entries(PHASES)) {
    const id = uid("phase");
    set.append(
      h(
        "span",
        { class: "choice inline" },
        h("input", { type: "checkbox", id, value, checked: chosen.includes(value) }),
        h("label", { for: id }, label),
      ),
    );
  }
  return set;
}

function chosenPhases(set) {
  return [...set.querySelectorAll("input:checked")].map((input) => input.value);
}

/** The fields of a prompt; `prompt` fills them when editing. */
function promptFields(prompt) {
  const text = h("textarea", { rows: "3", maxlength: "500", required: true });
  text.value = prompt?.text || "";
  const theme = themeSelect(prompt?.theme);
  const phases = phaseBoxes("Phases it suits", prompt?.phases || ["integration"]);
  const element = h("div", { class: "prompt-fields" }, field("Prompt", text), field("Theme", theme), phases);
  const values = () => ({ text: text.value.trim(), theme: theme.value, phases: chosenPhases(phases) });
  const problem = () => {
    const value = values();
    if (!value.text) return ["Write the prompt.", text];
    if (!value.phases.length) return ["Choose at least one phase.", phases.querySelector("input")];
    return null;
  };
  return { element, values, problem, focus: () => text.focus() };
}

export async function render(main, { announce }) {
  main.append(
    h("h1", {}, "Prompt library"),
    h("p", {}, "The reflective questions your clinic's patients are offered, by phase. Switched-off prompts are kept but no longer offered."),
  );
  // Focusable: where the keyboard goes when the prompt it was on is hidden by the filters.
  const status = h("p", { class: "form-message", role: "status", tabindex: "-1" });

  // --- add ---
  const fresh = promptFields(null);
  const addMessage = h("div", { class: "form-message", role: "alert" });
  const add = h("button", { type: "submit", class: "primary" }, "Add the prompt");
  const addForm = h("form", { novalidate: true, class: "panel" }, fresh.element, addMessage, h("div", { class: "actions" }, add));
  const addBox = h("details", { class: "add-prompt" }, h("summary", {}, "Add a prompt"), addForm);

  // --- filters ---
  const phaseFilter = h("select", { id: "filter-phase" }, h("option", { value: "" }, "All phases"), Object.entries(PHASES).map(([value, label]) => h("option", { value }, label)));
  const themeFilter = h("select", { id: "filter-theme" }, h("option", { value: "" }, "All themes"), THEMES.map((theme) => h("option", { value: theme }, capitalise(theme))));
  const showOff = h("input", { type: "checkbox", id: "filter-off" });
  const count = h("p", { class: "muted", "aria-live": "polite" });
  const list = h("ul", { class: "prompt-list" }, h("li", { class: "loading" }, "Loading the library…"));
  main.append(
    addBox,
    status,
    h(
      "div",
      { class: "toolbar" },
      h("div", { class: "field inline" }, h("label", { for: "filter-phase" }, "Phase"), phaseFilter),
      h("div", { class: "field inline" }, h("label", { for: "filter-theme" }, "Theme"), themeFilter),
      h("span", { class: "choice inline" }, showOff, h("label", { for: "filter-off" }, "Show switched-off prompts")),
    ),
    count,
    list,
  );

  let prompts = [];

  function filter() {
    let shown = 0;
    for (const item of list.children) {
      const prompt = item.prompt;
      const visible =
        (!phaseFilter.value || prompt.phases.includes(phaseFilter.value)) &&
        (!themeFilter.value || prompt.theme === themeFilter.value) &&
        (showOff.checked || prompt.active);
      item.hidden = !visible;
      if (visible) shown += 1;
    }
    count.textContent = `Showing ${plural(shown, "prompt")} of ${prompts.length}.`;
  }
  for (const control of [phaseFilter, themeFilter, showOff]) control.addEventListener("change", filter);

  function row(prompt) {
    const li = h("li", { class: `prompt${prompt.active ? "" : " is-off"}` });
    li.prompt = prompt;
    const textId = uid("p");
    const view = h(
      "div",
      { class: "prompt-view" },
      h("p", { class: "prompt-text", id: textId }, prompt.text),
      h(
        "p",
        { class: "tags" },
        h("span", { class: "tag" }, capitalise(prompt.theme)),
        prompt.phases.map((phase) => h("span", { class: "tag quiet" }, PHASES[phase] || phase)),
        prompt.active ? null : h("span", { class: "badge" }, "Switched off"),
        prompt.is_default ? h("span", { class: "muted small" }, "From Between's library") : null,
      ),
    );
    const edit = h("button", { type: "button", class: "small", "aria-describedby": textId }, "Edit");
    const toggle = h("button", { type: "button", class: "small", "aria-describedby": textId }, prompt.active ? "Switch off" : "Switch on");
    const message = h("p", { class: "form-message", role: "alert" });
    li.append(view, h("div", { class: "tools" }, edit, toggle), message);

    toggle.addEventListener("click", async () => {
      toggle.disabled = true;
      await save(prompt, { active: !prompt.active }, message, prompt.active ? "Switched off." : "Switched on.");
      toggle.disabled = false;
    });

    edit.addEventListener("click", () => {
      const fields = promptFields(prompt);
      const saveButton = h("button", { type: "submit", class: "primary small" }, "Save");
      const cancel = h("button", { type: "button", class: "small" }, "Cancel");
      const form = h("form", { novalidate: true, class: "inline-form", "aria-label": "Edit the prompt" }, fields.element, message, h("div", { class: "actions" }, saveButton, cancel));
      cancel.addEventListener("click", () => {
        const again = row(prompt);
        li.replaceWith(again);
        filter();
        again.querySelector("button").focus(); // back on its Edit button
      });
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        const problem = fields.problem();
        if (problem) {
          message.textContent = problem[0];
          problem[1].focus();
          return;
        }
        saveButton.disabled = true;
        await save(prompt, fields.values(), message, "Saved.");
        saveButton.disabled = false;
      });
      li.replaceChildren(form);
      fields.focus();
    });
    return li;
  }

  async function save(prompt, changes, message, said) {
    try {
      const saved = await call(`/prompts/${prompt.id}`, { method: "PATCH", body: { version: prompt.version, ...changes } });
      const index = prompts.indexOf(prompt);
      prompts[index] = saved;
      const fresh = row(saved);
      [...list.children][index].replaceWith(fresh);
      filter();
      status.textContent = said;
      announce(said);
      // A prompt switched off leaves the list (unless switched-off ones show): land on the outcome.
      if (fresh.hidden) status.focus();
      else fresh.querySelector("button")?.focus();
    } catch (error) {
      message.textContent = failure(error, "This prompt");
      if (error.status === 409) await load();
    }
  }

  addForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    addMessage.replaceChildren();
    const problem = fresh.problem();
    if (problem) {
      addMessage.append(h("p", { class: "attention" }, problem[0]));
      problem[1].focus();
      return;
    }
    add.disabled = true;
    try {
      await call("/prompts", { method: "POST", body: { ...fresh.values(), active: true } });
      status.textContent = "Added to the library.";
      announce(status.textContent);
      addForm.querySelector("textarea").value = "";
      addBox.open = false;
      await load();
    } catch (error) {
      addMessage.append(h("p", { class: "attention" }, failure(error, "Adding")));
    } finally {
      add.disabled = false;
    }
  });

  async function load() {
    try {
      prompts = (await call("/prompts")).items;
    } catch (error) {
      list.replaceChildren(h("li", {}, failure(error, "The library")));
      return;
    }
    list.replaceChildren(...prompts.map(row));
    filter();
  }
  await load();
}
