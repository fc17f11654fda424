// The companion's cards on Today: the dosing day, the check after a dose, the
// intention coming back, and the sessions ahead. Filled from the server, or
// from the sealed copy on this phone when offline.

import { unavailable } from "./api.js";
import { companion, sessionDetails, sessionTitle, whenInMyZone } from "./companion.js";
import { h, titledCard } from "./dom.js";
import { pending } from "./outbox.js";

/** A section to put on Today; it fills itself in. Returns {element, refresh}. */
export function companionCards() {
  const element = h("div", { class: "companion" });
  const refresh = async () => {
    const { summary, offline, error } = await companion();
    element.replaceChildren(...cards(withoutAnswered(summary, await waitingHere()), offline ? error : null));
    return !offline;
  };
  return { element, refresh };
}

/** What this phone holds for the server: checks after a dose, words back to an intention. */
async function waitingHere() {
  const of = async (kind, key) => new Set((await pending(kind).catch(() => [])).map((item) => item.body?.[key]));
  const [checks, reflections] = await Promise.all([of("after-dose", "ketamine_session_id"), of("reflection", "intention_id")]);
  return { checks, reflections };
}

/**
 * The summary less what the patient already answered on this phone: until the
 * server has the answer, the summary (kept, or from a server the answer has
 * not reached) still asks, and asking again would invite a second answer.
 */
function withoutAnswered(summary, waiting) {
  if (!summary) return summary;
  const checked = summary.after_dose_check && waiting.checks.has(summary.after_dose_check.ketamine_session_id);
  const answered = summary.intention_back && waiting.reflections.has(summary.intention_back.intention.id);
  if (!checked && !answered) return summary;
  return {
    ...summary,
    after_dose_check: checked ? null : summary.after_dose_check,
    intention_back: answered ? null : summary.intention_back,
  };
}

function cards(summary, error) {
  if (!summary) {
    return [
      titledCard(
        "ahead-title",
        "Sessions ahead",
        h("p", { class: "muted" }, unavailable(error, "your sessions ahead")),
      ),
    ];
  }
  const out = [];
  if (summary.dosing_day) {
    out.push(
      h(
        "section",
        { class: "card crisis", "aria-labelledby": "dosing-title" },
        h("h2", { id: "dosing-title" }, "Today is a dosing day"),
        h("p", {}, "Rest, and do not drive today. Who to call is on the dosing-day page."),
        h("p", {}, h("a", { href: "#/dosing-day", class: "button primary" }, "Open my dosing day")),
      ),
    );
  }
  if (summary.after_dose_check) {
    const due = summary.after_dose_check;
    out.push(
      titledCard(
        "after-title",
        "How are you after the dose?",
        h("p", {}, `A short check about your session on ${whenInMyZone(due.scheduled_at)}.`),
        h("p", {}, h("a", { href: `#/after-dose/${due.ketamine_session_id}`, class: "button primary" }, "Answer the check")),
      ),
    );
  }
  // Online, the intention comes back among the prompts (Today's prompt card);
  // offline, from the sealed summary kept on this phone.
  if (summary.intention_back && !summary.dosing_day && error) {
    const back = summary.intention_back;
    out.push(
      titledCard(
        "back-title",
        "Your intention",
        h("p", { class: "prompt" }, `You came in wanting “${back.intention.body}”: did it show up?`),
        h("p", { class: "muted" }, "Skip this if it is too much today; it will wait."),
        h("p", {}, h("a", { href: `#/intention/${back.ketamine_session_id}`, class: "button" }, "Write back")),
      ),
    );
  }
  out.push(aheadCard(summary, error));
  return out;
}

function aheadCard(summary, error) {
  const children = [h("h2", { id: "ahead-title" }, "Sessions ahead")];
  if (error) children.push(h("p", { class: "muted" }, "Saved on this phone; it may have changed since."));
  const next = [summary.next_dosing, summary.next_integration].filter(Boolean);
  if (!next.length) children.push(h("p", { class: "muted" }, "No sessions are booked yet."));
  for (const item of next) {
    children.push(
      h(
        "div",
        { class: "session-ahead" },
        h("h3", {}, `Next ${sessionTitle(item).toLowerCase()}`),
        h("p", {}, h("time", { datetime: item.scheduled_at }, whenInMyZone(item.scheduled_at))),
        h("p", { class: "meta" }, sessionDetails(item)),
      ),
    );
    if (item.kind === "dosing") children.push(preparation(summary, item));
  }
  children.push(h("p", {}, h("a", { href: "#/sessions" }, "All sessions ahead")));
  return h("section", { class: "card", "aria-labelledby": "ahead-title" }, children);
}

function preparation(summary, item) {
  const items = summary.checklist || [];
  const done = items.filter((each) => each.done).length;
  return h(
    "div",
    { class: "actions" },
    h("a", { href: `#/checklist/${item.id}`, class: "button" }, `Checklist: ${done} of ${items.length} done`),
    h(
      "a",
      { href: `#/intention/${item.id}`, class: "button quiet" },
      summary.intention ? "My intention" : "Set an intention",
    ),
  );
}
