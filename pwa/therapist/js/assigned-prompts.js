// The prompts a patient was asked to answer, newest first, each saying whether
// a shared answer came (an answer kept private reads as not answered, as the
// patient chose), with a button to withdraw it.

import { h } from "/js/dom.js";
import { call, failure } from "./client.js";
import { formatWhen, plural } from "./format.js";

/** "12 hours before the dosing session" / "at the dosing session" / null. */
export function relativeWords(assignment) {
  if (!assignment.relative) return null;
  if (!assignment.offset_hours) return "at the dosing session";
  return `${plural(assignment.offset_hours, "hour")} ${assignment.relative} the dosing session`;
}

export function assignedPanel(patientId, announce) {
  const base = `/patients/${patientId}/prompt-assignments`;
  const list = h("ul", { class: "assigned" }, h("li", { class: "loading" }, "Loading…"));
  // Focusable, so the keyboard lands on the outcome once the withdrawn row is gone.
  const status = h("p", { class: "form-message", role: "status", tabindex: "-1" });
  const element = h(
    "section",
    { class: "panel", "aria-labelledby": "assigned-heading" },
    h("h2", { id: "assigned-heading" }, "Assigned prompts"),
    h("p", { class: "muted" }, "Answered means the patient shared an answer; one kept private shows as not answered."),
    status,
    list,
  );

  function row(assignment) {
    const when = assignment.due_at ? `Due ${formatWhen(assignment.due_at)}` : "On hold: its dosing session is cancelled";
    const relative = relativeWords(assignment);
    const answered = assignment.answered
      ? h("span", { class: "badge" }, "Answered")
      : h("span", { class: "badge muted" }, "No shared answer yet");
    const withdraw = h("button", { type: "button", class: "small", "aria-label": `Withdraw “${assignment.prompt_text}”` }, "Withdraw");
    const message = h("p", { class: "form-message", role: "alert" });
    withdraw.addEventListener("click", async () => {
      withdraw.disabled = true;
      try {
        await call(`${base}/${assignment.id}`, { method: "DELETE" });
        status.textContent = `Withdrawn: “${assignment.prompt_text}”.`;
        announce(status.textContent);
        await load();
        status.focus();
      } catch (error) {
        message.textContent = failure(error, "Withdrawing");
        withdraw.disabled = false;
      }
    });
    return h(
      "li",
      { class: "assignment" },
      h("p", { class: "prompt-text" }, assignment.prompt_text),
      h("p", { class: "muted" }, when, relative ? ` · ${relative}` : "", " · ", answered),
      h("div", { class: "tools" }, withdraw),
      message,
    );
  }

  async function load() {
    let items;
    try {
      ({ items } = await call(base));
    } catch (error) {
      list.replaceChildren(h("li", {}, failure(error, "The assigned prompts")));
      return;
    }
    list.replaceChildren(...items.map(row));
    if (!items.length) list.append(h("li", { class: "empty" }, "No prompts assigned."));
  }
  return { element, load };
}
