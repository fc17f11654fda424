// A booking that clashes with another session of the same patient: the server
// answers 409 naming the other sessions; this says which, in plain words, and
// asks before sending the same request again with `confirm_overlap`.

import { h, uid } from "/js/dom.js";
import { ApiError } from "./client.js";
import { formatWhen } from "./format.js";

const CONFLICT = "/problems/session-conflict";
const KIND_WORDS = {
  ketamine_session: "a dosing session",
  integration_session: "an integration session",
};

/** Whether `error` is the server asking to confirm a clashing booking. */
export function isConflict(error) {
  return error instanceof ApiError && error.status === 409 && error.problem.type === CONFLICT;
}

/** "a dosing session on Tue 8 Dec, 10:00, which overlaps this time" */
export function describeConflict(conflict) {
  const what = `${KIND_WORDS[conflict.kind] || "a session"} on ${formatWhen(conflict.scheduled_at)}`;
  if (conflict.reason !== "overlaps") return `${what}, the same day`;
  const observed = conflict.kind === "ketamine_session" ? " (with the two hours after the dose)" : "";
  return `${what}${observed}, which overlaps this time`;
}

/**
 * The question shown in place of a form's message: who already has what, a
 * button to go ahead anyway and one to change the booking. Focus moves to the
 * first button; `onYes` and `onNo` are called on a click.
 */
export function confirmClash(error, { name, yes, no, onYes, onNo }) {
  const intro = h("p", { id: uid("clash") }, `${name} already has:`);
  const list = h("ul", {}, error.problem.conflicts?.map((conflict) => h("li", {}, describeConflict(conflict))) ?? []);
  const go = h("button", { type: "button", class: "primary small" }, yes);
  const back = h("button", { type: "button", class: "small" }, no);
  const group = h("div", { class: "confirm clash", role: "group", "aria-labelledby": intro.id }, intro, list, h("div", { class: "actions" }, go, back));
  go.addEventListener("click", () => {
    go.disabled = true;
    onYes();
  });
  back.addEventListener("click", onNo);
  queueMicrotask(() => go.focus());
  return group;
}
