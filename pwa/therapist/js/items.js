// One shared item or session as the therapist reads it, for the timeline and
// the brief. Everything a patient wrote goes in as text (textContent).

import { h, uid } from "/js/dom.js";
import { call, failure } from "./client.js";
import { INSTRUMENTS, MAXIMA, capitalise, dosingSummary, formatWhen } from "./format.js";

const KIND = {
  checkin: "Check-in",
  entry: "Journal entry",
  measure_response: "Questionnaire",
  ketamine_session: "Dosing session",
  integration_session: "Integration session",
};

/** What the item is: a questionnaire by its name, so two of one sitting differ. */
function kindOf(item) {
  if (item.type === "measure_response") return INSTRUMENTS[item.instrument] || KIND.measure_response;
  return KIND[item.type] || item.type;
}

const READ_PATHS = {
  checkin: (id) => `/checkins/${id}/read`,
  entry: (id) => `/entries/${id}/read`,
  measure_response: (id) => `/measures/responses/${id}/read`,
};

function scales(item) {
  const parts = [["Mood", item.mood]];
  for (const [label, key] of [["Anxiety", "anxiety"], ["Energy", "energy"], ["Sleep", "sleep_quality"]]) {
    if (item[key] != null) parts.push([label, item[key]]);
  }
  return h(
    "dl",
    { class: "scales" },
    parts.map(([label, value]) => h("div", {}, h("dt", {}, label), h("dd", {}, `${value}/10`))),
  );
}

function content(item) {
  switch (item.type) {
    case "checkin":
      return [
        item.unsafe ? h("p", { class: "attention" }, "Said: “I don't feel safe.”") : null,
        scales(item),
        item.emotions?.length ? h("p", { class: "emotions" }, "Feeling: ", item.emotions.join(", ")) : null,
        item.note ? h("p", { class: "text" }, item.note) : null,
      ];
    case "entry":
      return [
        item.prompt_text ? h("p", { class: "answers-prompt" }, h("span", { class: "label" }, "Answering: "), item.prompt_text) : null,
        h("p", { class: "text" }, item.body),
      ];
    case "measure_response":
      return [
        h(
          "p",
          { class: "score" },
          `${INSTRUMENTS[item.instrument] || item.instrument}: ${item.total} of ${MAXIMA[item.instrument] ?? "?"}`,
          item.severity ? `, ${item.severity}` : "",
          item.threshold?.met ? ` · ${item.threshold.label}` : "",
        ),
        item9Line(item),
        answersOnDemand(item),
      ];
    case "ketamine_session":
      return [h("p", {}, dosingSummary(item), " · ", capitalise(item.status))];
    case "integration_session":
      return [h("p", {}, `${item.duration_minutes} minutes · ${capitalise(item.status)}`)];
    default:
      return [];
  }
}

// PHQ-9's own words for each answer (instruments.json); the definitions, with
// each item's wording, are fetched when a list of answers is first opened.
const PHQ9_OPTIONS = ["not at all", "several days", "more than half the days", "nearly every day"];
const definitions = {};

function definition(instrument) {
  definitions[instrument] ||= call(`/measures/${instrument}`).catch((error) => {
    delete definitions[instrument];
    throw error;
  });
  return definitions[instrument];
}

/** PHQ-9 item 9 in words, always: the answer a therapist must never have to look for. */
function item9Line(item) {
  if (item.instrument !== "phq9" || !Array.isArray(item.answers) || item.answers.length < 9) return null;
  const level = item.answers[8];
  return h(
    "p",
    { class: `item9${level > 0 ? " is-positive" : ""}` },
    h("strong", {}, "Item 9 (thoughts of death or of self-harm): "),
    PHQ9_OPTIONS[level] ?? String(level),
  );
}

/** Every item's answer, on demand: the wording is fetched when the list is opened. */
function answersOnDemand(item) {
  if (!Array.isArray(item.answers) || !item.answers.length) return null;
  const list = h("ol", { class: "answers" });
  const box = h("details", { class: "all-answers" }, h("summary", {}, "All answers"), list);
  let filled = false;
  const fill = (def) => {
    list.replaceChildren(
      ...item.answers.map((value, index) => {
        const wording = def?.items?.[index];
        const text = typeof wording === "string" ? wording : wording?.text;
        const option = def?.options?.find((o) => o.value === value)?.label;
        return h("li", {}, text ? `${text}: ` : `Item ${index + 1}: `, h("strong", {}, option ? `${option} (${value})` : String(value)));
      }),
    );
  };
  box.addEventListener("toggle", () => {
    if (!box.open || filled) return;
    filled = true;
    fill(null); // the numbers at once, the wording as soon as it arrives
    definition(item.instrument).then(fill, () => {});
  });
  return box;
}

/**
 * An <article> for a timeline item. Unread shared items get a "Mark read"
 * button; `onRead(item)` is told when one is marked.
 */
export function itemView(item, { onRead, announce, headingLevel = "h3" } = {}) {
  const upcoming = (item.type.endsWith("_session")) && Date.parse(item.at) > Date.now();
  const badges = h("span", { class: "badges" });
  if (item.discuss_next_session) badges.append(h("span", { class: "badge discuss" }, "To discuss"));
  if (upcoming && item.status === "scheduled") badges.append(h("span", { class: "badge" }, "Upcoming"));
  const unread = h("span", { class: "badge new" }, "Unread");
  if (item.read === false) badges.append(unread);
  const headingId = uid("item");
  const when = formatWhen(item.at);
  const article = h(
    "article",
    { class: `item item-${item.type}${item.read === false ? " is-unread" : ""}${item.status === "cancelled" ? " is-cancelled" : ""}` },
    h(
      "header",
      {},
      // The heading carries the date, so jumping between headings tells items
      // apart; the time beside it says it to the eye (read once, in the heading).
      h(headingLevel, { id: headingId }, kindOf(item), h("span", { class: "visually-hidden" }, `, ${when}`)),
      h("time", { datetime: item.at, "aria-hidden": "true" }, when),
      badges,
    ),
    ...content(item),
  );
  article.dataset.itemId = item.id; // a flag's link opens the timeline on it
  if (item.read === false && READ_PATHS[item.type]) {
    const message = h("p", { class: "form-message", role: "status" });
    const button = h(
      "button",
      { type: "button", class: "quiet small", "aria-describedby": headingId },
      "Mark read",
    );
    button.addEventListener("click", async () => {
      // Disabling the button takes focus away: give it back to what replaces it.
      const focused = document.activeElement === button;
      button.disabled = true;
      try {
        await markRead(item);
        unread.remove();
        article.classList.remove("is-unread");
        const done = h("span", { class: "muted small", tabindex: "-1" }, "Read");
        button.replaceWith(done);
        if (focused) done.focus();
        announce?.(`${KIND[item.type]} marked read.`);
        onRead?.(item);
      } catch (error) {
        if (error.status === 404) {
          // The patient stopped sharing it (or deleted it): what they wrote leaves the screen at once.
          const gone = withdrawn(article, item);
          if (focused) gone.focus(); // read out as it takes focus
          else announce?.(gone.textContent);
          onRead?.(item);
          return;
        }
        button.disabled = false;
        if (focused) button.focus();
        message.textContent = failure(error, "Marking it read");
      }
    });
    article.append(h("footer", {}, button, message));
  }
  return article;
}

/**
 * An item the patient no longer shares: its content is taken off the screen
 * and a line says so (focusable, for the keyboard that was on its button).
 */
export function withdrawn(article, item) {
  item.withdrawn = true;
  item.read = null;
  const note = h("p", { class: "muted", tabindex: "-1" }, "This item is no longer shared with you.");
  article.className = "item item-withdrawn";
  article.replaceChildren(note);
  return note;
}

/** Mark one shared item read (marking again changes nothing). */
export async function markRead(item) {
  await call(READ_PATHS[item.type](item.id), { method: "POST" });
  item.read = true;
}
