// A labelled form field: the label (and an optional hint) wired to the control.

import { h, uid } from "/js/dom.js";

/** `<div class="field">` with a <label for>, a hint the control is described by, and `control`. */
export function field(label, control, hint) {
  if (!control.id) control.id = uid("field");
  const hintId = hint ? `${control.id}-hint` : null;
  if (hintId) control.setAttribute("aria-describedby", hintId);
  return h(
    "div",
    { class: "field" },
    h("label", { for: control.id }, label),
    hint ? h("p", { class: "hint", id: hintId }, hint) : null,
    control,
  );
}
