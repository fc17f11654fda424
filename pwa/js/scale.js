// Large-target choice groups: native radio buttons (keyboard and screen
// readers work as usual) drawn as big calm tiles.

import { h, uid } from "./dom.js";

function option(name, value, label, checked, type = "radio") {
  return h(
    "label",
    { class: "choice" },
    h("input", { type, name, value: String(value), checked: checked || null }),
    h("span", {}, label),
  );
}

/**
 * A 0–10 scale in a fieldset; `low`, `middle` and `high` say what the ends and
 * the middle mean, shown under the numbers and read as the fieldset's description.
 */
export function scale({ name, legend, low, middle, high, value = null, min = 0, max = 10 }) {
  const endsId = uid("ends");
  const options = [];
  for (let n = min; n <= max; n += 1) options.push(option(name, n, String(n), value === n));
  return h(
    "fieldset",
    { class: "scale", "aria-describedby": endsId },
    h("legend", {}, legend),
    h("div", { class: "scale-options" }, options),
    h(
      "p",
      { class: "scale-ends", id: endsId },
      h("span", {}, `${min} = ${low}`),
      middle ? h("span", {}, `${(min + max) / 2} = ${middle}`) : null,
      h("span", {}, `${max} = ${high}`),
    ),
  );
}

/** Labelled answers, one per line (questionnaires). */
export function answers({ name, legend, options, value = null, legendId }) {
  return h(
    "fieldset",
    {},
    h("legend", { id: legendId, tabindex: "-1" }, legend),
    h(
      "div",
      { class: "answers" },
      options.map((each) => option(name, each.value, each.label, value === each.value)),
    ),
  );
}

/** Tags that can be combined (emotions). */
export function tags({ name, legend, options, values = [] }) {
  return h(
    "fieldset",
    {},
    h("legend", {}, legend),
    h(
      "div",
      { class: "chips" },
      options.map((label) => option(name, label, label, values.includes(label), "checkbox")),
    ),
  );
}

export function radioValue(form, name) {
  const checked = form.querySelector(`input[name="${name}"]:checked`);
  return checked ? Number(checked.value) : null;
}

export function checkedValues(form, name) {
  return [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((input) => input.value);
}
