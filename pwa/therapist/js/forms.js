// What a form says when it is refused, naming the fields in error; and the
// labelled field of both apps (dom.js), for the screens that import it here.

import { h, uid } from "/js/dom.js";
import { ApiError, call, failure } from "./client.js";

export { field } from "/js/dom.js";

/**
 * A form's message area and its controls by the server's field names:
 * `show(lines, invalid)` lists what went wrong (each line naming its field)
 * and focuses the first field in error, or the message itself.
 */
export function feedback(controls) {
  const message = h("div", { class: "form-message", tabindex: "-1" });
  function clear() {
    message.replaceChildren();
    for (const control of Object.values(controls)) control.removeAttribute("aria-invalid");
  }
  function show(lines, invalid = [], intro = null) {
    clear();
    for (const key of invalid) controls[key]?.setAttribute("aria-invalid", "true");
    message.replaceChildren(
      h(
        "div",
        { class: "attention", role: "alert" },
        intro ? h("p", {}, intro) : null,
        h("ul", {}, lines.map((line) => h("li", {}, line))),
      ),
    );
    const first = invalid.map((key) => controls[key]).find(Boolean);
    (first || message).focus();
  }
  function done(text) {
    clear();
    message.replaceChildren(h("p", { class: "notice", role: "status" }, text));
    message.focus();
  }
  return { message, show, done, clear };
}

/** The server's refusal as lines naming the field (`labels`), and the fields in error. */
export function refusal(error, labels, what) {
  if (!(error instanceof ApiError)) return { lines: [failure(error, what)], invalid: [] };
  const problem = error.problem || {};
  const errors = problem.errors || {};
  const lines = [];
  for (const [key, texts] of Object.entries(errors)) {
    for (const text of texts) {
      // "Wrong." says no more than the detail; name the field with the detail instead.
      lines.push(`${labels[key] || key.replaceAll("_", " ")}: ${text === "Wrong." ? problem.detail : text}`);
    }
  }
  if (!lines.length) lines.push(failure(error, what));
  return { lines, invalid: Object.keys(errors) };
}

/**
 * Each field's error under the field itself, from problem+json `errors`:
 * `show(errors)` marks each control found by `lookup(key)` invalid and
 * describes it by its error (after any hint), and returns the keys it found
 * no control for; `clear()` takes them all away again.
 */
export function fieldErrors(lookup) {
  const shown = [];
  function clear() {
    for (const { control, note, before } of shown) {
      note.remove();
      control.removeAttribute("aria-invalid");
      if (before) control.setAttribute("aria-describedby", before);
      else control.removeAttribute("aria-describedby");
    }
    shown.length = 0;
  }
  function show(errors) {
    clear();
    const unplaced = [];
    for (const [key, texts] of Object.entries(errors || {})) {
      const control = lookup(key);
      if (!control) {
        unplaced.push(key);
        continue;
      }
      const note = h("p", { class: "field-error", id: uid("error") }, texts.join(" "));
      const before = control.getAttribute("aria-describedby");
      control.setAttribute("aria-invalid", "true");
      control.setAttribute("aria-describedby", before ? `${before} ${note.id}` : note.id);
      control.after(note);
      shown.push({ control, note, before });
    }
    return unplaced;
  }
  /** The first control in error, in the page's order. */
  function first() {
    const controls = shown.map((item) => item.control);
    controls.sort((a, b) => (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1));
    return controls[0] || null;
  }
  return { show, clear, first };
}

/**
 * Asks in place, inside `edit`: the question, yes and no. No clears it and
 * gives focus back to `opener`; yes is held while `onYes(message)` runs,
 * `message` being the line under the buttons for what went wrong.
 */
export function askInPlace(edit, opener, { question, yes: yesLabel, no: noLabel, onYes }) {
  const yes = h("button", { type: "button", class: "danger small" }, yesLabel);
  const no = h("button", { type: "button", class: "small" }, noLabel);
  const message = h("p", { class: "form-message", role: "alert" });
  const text = h("p", { id: uid("q") }, question);
  edit.replaceChildren(h("div", { class: "confirm", role: "group", "aria-labelledby": text.id }, text, h("div", { class: "actions" }, yes, no), message));
  no.addEventListener("click", () => {
    edit.replaceChildren();
    opener.focus();
  });
  yes.addEventListener("click", async () => {
    yes.disabled = true;
    try {
      await onYes(message);
    } finally {
      yes.disabled = false;
    }
  });
  yes.focus();
}

/**
 * A form's outcome line and its field errors: `refused(error)` puts each
 * field's error under it and focuses the first; `saved(text)` says so;
 * `saving(buttons, work)` holds the buttons while `work` runs and shows what
 * it answers (the text to say) or why it was refused.
 */
export function outcome(lookup, what) {
  const errors = fieldErrors(lookup);
  const message = h("div", { class: "form-message", tabindex: "-1" });
  function clear() {
    errors.clear();
    message.replaceChildren();
  }
  function refused(error) {
    const problem = error instanceof ApiError ? error.problem || {} : {};
    const unplaced = errors.show(problem.errors);
    // A stale version is said by the intro ("… changed meanwhile"), not as a field.
    const lines = unplaced.filter((key) => key !== "version").flatMap((key) => problem.errors[key].map((text) => text));
    const placed = Object.keys(problem.errors || {}).length - unplaced.length;
    const intro = placed ? `Not saved: ${placed === 1 ? "a field needs" : `${placed} fields need`} a change, marked below ${placed === 1 ? "it" : "each"}.` : failure(error, what);
    message.replaceChildren(h("div", { class: "attention", role: "alert" }, h("p", {}, intro), lines.length ? h("ul", {}, lines.map((line) => h("li", {}, line))) : null));
    (errors.first() || message).focus();
  }
  function saved(text) {
    clear();
    message.replaceChildren(h("p", { class: "notice", role: "status" }, text));
    message.focus();
  }
  async function saving(buttons, work) {
    clear();
    for (const button of buttons) button.disabled = true;
    try {
      saved(await work());
    } catch (error) {
      refused(error);
    } finally {
      for (const button of buttons) button.disabled = false;
    }
  }
  return { message, refused, saving };
}

/** Where a list's field error goes, e.g. "items.2.text": {row: rows' third child, name: "text"}, or null. */
export function rowOf(rows, list, key) {
  const found = new RegExp(`^${list}\\.(\\d+)\\.(\\w+)$`).exec(key);
  const row = found ? rows.children[Number(found[1])] : null;
  return row ? { row, name: found[2] } : null;
}

/**
 * The frame of a form that edits a list of rows: heading, what it is for, a
 * line saying whose list it is (`state`, with an id), the rows, Add, then
 * Save and the way back to the defaults, and the outcome message.
 */
export function listForm({ id, title, about, state, rows, add, save, reset, message }) {
  return h(
    "form",
    { novalidate: true, "aria-labelledby": `${id}-heading`, "aria-describedby": `${id}-about ${state.id}` },
    h("h2", { id: `${id}-heading` }, title),
    h("p", { id: `${id}-about` }, about),
    state,
    rows,
    h("div", { class: "actions" }, add),
    h("div", { class: "actions" }, save, reset),
    message,
  );
}

/** `put(value, said)`: PUT `{[name]: value}` to `path` while `buttons` wait, redraw with the answer, say `said`. */
export function listSaver(result, buttons, path, name, draw, current = {}) {
  // The `version` read is sent back where the list has one: a list someone else
  // saved meanwhile is refused (409) rather than silently overwritten.
  let version = current.version;
  return (value, said) =>
    result.saving(buttons, async () => {
      const body = version ? { [name]: value, version } : { [name]: value };
      const answer = await call(path, { method: "PUT", body });
      version = answer.version;
      draw(answer);
      return said;
    });
}
