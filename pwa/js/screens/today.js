import { OfflineError, api, onSignedOut, unavailable } from "../api.js";
import { companionCards } from "../companion-cards.js";
import { NOT_WATCHED, SHARE_NOTE, resourceList, showResources } from "../crisis-data.js";
import { askFor, field, formatDay, h, isoLocal, titledCard } from "../dom.js";
import { keeper } from "../drafts.js";
import { events, queued, submit } from "../outbox.js";
import { INSTRUMENTS, SKIP_LINE, cachedPrompts, dueWithReasons, duePrompts, isIntention, promptText } from "../prompts.js";
import { feelingsPicker, tagPicker } from "../feelings.js";
import { checkedValues, radioValue, scale } from "../scale.js";
import { session } from "../session.js";

// Said before the choice is made: what happens when a check-in says "I don't feel safe"
// (server: an urgent flag even on a private check-in, without its content).
const UNSAFE_NOTE =
  "Choosing this shows you who to call now. Your care team is also told you may need support, even if this check-in is private. They see only that, not your check-in.";

/** Crisis resources in a card, from the kept or built-in list at once (no network wait). */
function crisisCard(id, title, ...extra) {
  const list = h("div", {});
  const heading = h("h3", { id, tabindex: "-1" }, title);
  const card = h(
    "section",
    { class: "card crisis", "aria-labelledby": id },
    heading,
    h("p", {}, NOT_WATCHED),
    list,
    h("p", {}, h("a", { href: "#/crisis" }, "More ways to get help")),
    ...extra,
  );
  showResources(list, (info) => resourceList(info, h, "h4", { compact: true }));
  return { card, heading };
}

export async function render(main) {
  const me = session.me;
  main.append(h("h1", {}, "Today"));
  const phase = h("p", { class: "muted phase" });
  // The name only while the server vouches for the session: after it ended
  // (or while that is unknown, offline) the phone may be in someone else's hands.
  const named = me?.display_name && session.verified;
  const greeting = h("p", { class: "muted" }, named ? `Hello, ${me.display_name}.` : "Hello.");
  const stop = onSignedOut(() => {
    if (greeting.isConnected) greeting.textContent = "Hello.";
    else stop();
  });
  main.append(greeting, phase);
  const promptCard = h(
    "section",
    { class: "card reserved", "aria-labelledby": "prompt-title" },
    h("h2", { id: "prompt-title" }, "A prompt for today"),
    h("p", { class: "muted" }, "Looking for today's prompt…"),
  );
  const dueCard = titledCard(
    "due-title",
    "Check-ups",
    h("p", { class: "muted" }, "Looking for what's due…"),
  );
  // What could not be read from the server (offline) is filled in again when
  // the connection returns, also when it returns while that is being read.
  const companion = companionCards();
  const fills = new Map([
    [phase, showPhase],
    [companion.element, companion.refresh],
    [promptCard, fillPrompt],
    [dueCard, fillDue],
  ]);
  const state = new Map(); // a line or card → "loading", "again", "missing" or "loaded"
  const fillIn = (target) => {
    state.set(target, "loading");
    fills.get(target)(target).then((loaded) => {
      const again = state.get(target) === "again";
      state.set(target, loaded ? "loaded" : "missing");
      if (!loaded && again) fillIn(target);
    });
  };
  const onOnline = () => {
    for (const target of fills.keys()) {
      if (state.get(target) === "missing") fillIn(target);
      else if (state.get(target) === "loading") state.set(target, "again");
    }
  };
  window.addEventListener("online", onOnline);
  fillIn(phase);
  fillIn(companion.element);

  const checkin = h("section", { "aria-labelledby": "checkin-title", class: "card" });
  main.append(checkin);
  const draft = keeper("checkin-note");
  const onChange = () => showWaiting(checkin);
  events.addEventListener("change", onChange);
  const cleanup = () => {
    draft.stop();
    events.removeEventListener("change", onChange);
    window.removeEventListener("online", onOnline);
  };
  try {
    await showForm(checkin, me, draft);
  } catch (error) {
    cleanup();
    throw error;
  }
  // Below the check-in: cards that fill in from the server never push the
  // check-in down while the patient is reaching for it.
  main.append(companion.element, promptCard, dueCard);
  fillIn(promptCard);
  fillIn(dueCard);
  return cleanup;
}

/** "Saved on this phone, waiting to send" for check-ins not yet on the server. */
async function showWaiting(section) {
  const note = section.querySelector(".waiting-note");
  if (!note) return;
  const count = (await queued("checkin")).filter((item) => item.op === "create").length;
  note.hidden = count === 0;
  note.textContent =
    count === 1
      ? "Your last check-in is saved on this phone and waiting to send."
      : `${count} check-ins are saved on this phone and waiting to send.`;
}

async function showForm(section, me, draft) {
  const note = h("textarea", { id: "checkin-note", name: "note", rows: "4", maxlength: "4000" });
  const savedNote = await draft.load();
  if (savedNote) note.value = savedNote;
  note.addEventListener("input", () => draft.save(note.value));
  const message = h("div", { role: "alert" });
  // Kept on the phone at once; over a connection that never answers, sending can take a while.
  const progress = h("p", { role: "status", class: "hint" });
  const shared = h("input", {
    type: "checkbox",
    name: "shared",
    checked: me?.share_by_default !== false,
    "aria-describedby": "checkin-share-note",
  });
  const unsafe = h("input", { type: "checkbox", name: "unsafe", "aria-describedby": "unsafe-note" });
  const unsafeSlot = h("div", {});
  unsafe.addEventListener("change", () => {
    // At once, before saving, with no network: the card stays once shown.
    if (unsafe.checked && !unsafeSlot.firstChild) {
      unsafeSlot.append(crisisCard("unsafe-help", "Help is here now").card);
    }
  });
  const discuss = h("input", { type: "checkbox", name: "discuss_next_session" });
  const myTags = tagPicker();
  const form = h(
    "form",
    { novalidate: true, "aria-labelledby": "checkin-title" },
    scale({ name: "mood", legend: "How is your mood right now?", low: "very low", middle: "okay", high: "very good" }),
    h(
      "details",
      { open: savedNote ? true : null },
      h("summary", {}, "Add more (optional)"),
      scale({ name: "anxiety", legend: "Anxiety", low: "none", middle: "some", high: "extreme" }),
      scale({ name: "energy", legend: "Energy", low: "none", middle: "enough to get by", high: "full of energy" }),
      scale({ name: "sleep_quality", legend: "Last night's sleep", low: "very poor", middle: "fair", high: "very good" }),
      feelingsPicker(),
      myTags.element,
      field("A note", note),
    ),
    h("label", { class: "check" }, unsafe, h("span", {}, "I don't feel safe right now")),
    h("p", { class: "hint", id: "unsafe-note" }, UNSAFE_NOTE),
    unsafeSlot,
    h("label", { class: "check" }, shared, h("span", {}, "Share with my therapist")),
    h("p", { class: "hint", id: "checkin-share-note" }, SHARE_NOTE),
    h("label", { class: "check" }, discuss, h("span", {}, "I'd like to talk about this next session")),
    message,
    progress,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Save check-in")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const mood = radioValue(form, "mood");
    if (mood === null) {
      return askFor(message, "Choose a number for your mood first.", form.querySelector('input[name="mood"]'));
    }
    const id = crypto.randomUUID();
    const body = { id, recorded_at: isoLocal(), mood };
    for (const name of ["anxiety", "energy", "sleep_quality"]) {
      const value = radioValue(form, name);
      if (value !== null) body[name] = value;
    }
    const emotions = checkedValues(form, "emotions");
    if (emotions.length) body.emotions = emotions;
    const chosenTags = myTags.values();
    if (chosenTags.length) body.tags = chosenTags;
    if (note.value.trim()) body.note = note.value;
    body.shared = shared.checked;
    body.discuss_next_session = discuss.checked;
    if (unsafe.checked) body.unsafe = true;
    form.querySelector('button[type="submit"]').disabled = true;
    const result = await submit({
      kind: "checkin",
      op: "create",
      id,
      method: "POST",
      path: "/checkins",
      body,
      label: `Check-in: mood ${mood}`,
    }, { onKept: () => (progress.textContent = "Saved on this phone. Sending…") });
    await draft.clear();
    showDone(section, me, draft, result, { unsafe: unsafe.checked, shared: shared.checked });
  });
  section.replaceChildren(
    h("h2", { id: "checkin-title" }, "Check in"),
    h("p", { class: "notice waiting-note", hidden: true }),
    form,
  );
  await showWaiting(section);
}

function showDone(section, me, draft, result, { unsafe = false, shared = true } = {}) {
  const text = {
    sent: "Saved. Thank you for checking in.",
    waiting: "Saved on this phone. It will be sent when you're back online.",
    held: "Saved on this phone, but the server could not accept it yet.",
  }[result.state];
  const status = h("p", { tabindex: "-1", class: "notice" }, text);
  section.replaceChildren(h("h2", { id: "checkin-title" }, "Check in"), status);
  let focusTarget = status;
  if (unsafe) {
    const told = {
      sent: "Your care team has been told you may need support.",
      waiting: "Your care team will be told you may need support when your phone is back online.",
    }[result.state];
    const { card, heading } = crisisCard(
      "unsafe-after",
      "You don't have to carry this alone",
      told ? h("p", {}, told, shared ? "" : " They are told only this, not your check-in.") : null,
    );
    section.append(card);
    focusTarget = heading;
  }
  if (result.state === "held") {
    section.append(h("p", {}, h("a", { href: "#/waiting" }, "See what needs your attention")));
  }
  section.append(
    h(
      "div",
      { class: "actions" },
      h(
        "button",
        {
          type: "button",
          // This button goes away with the form: keyboard and screen-reader focus moves to the mood question.
          onclick: () =>
            showForm(section, me, draft).then(() => {
              const legend = section.querySelector("legend");
              legend?.setAttribute("tabindex", "-1");
              legend?.focus();
            }),
        },
        "Check in again",
      ),
      h("a", { href: "#/journal/new", class: "button quiet" }, "Write in my journal"),
    ),
  );
  focusTarget.focus();
}

const PHASES = {
  preparation: (at) => `Preparing for your session${at ? ` on ${formatDay(at)}` : ""}. Setting an intention can help.`,
  dosing_day: () => "A dosing day. Be gentle with yourself; a number for your mood is enough.",
  early_integration: () => "The first days after your session. Rest, and note what comes up.",
  integration: () => "Integration: keep noticing what is changing.",
};

/** One calm line about where the patient is around their dosing sessions. */
async function showPhase(line) {
  try {
    const phase = await api("/me/phase");
    line.textContent = PHASES[phase?.name]?.(phase.ketamine_session_at) || "";
    line.hidden = !line.textContent;
    return true;
  } catch {
    // Offline: no empty line left as a gap under the greeting.
    line.textContent = "";
    line.hidden = true;
    return false;
  }
}

async function fillPrompt(card) {
  const show = (prompts, offline) => {
    const children = [h("h2", { id: "prompt-title" }, "A prompt for today")];
    if (!prompts.length) {
      children.push(
        h("p", { class: "muted" }, offline ? unavailable(offline, "today's prompt") : "No prompt today. You can always write freely."),
        h("p", {}, h("a", { href: "#/journal/new" }, "Write freely")),
      );
    } else {
      const back = prompts.find(isIntention);
      if (back) children.push(intentionBack(back));
      const prompt = prompts.find((each) => each.prompt_of_the_day) || prompts[0];
      if (!isIntention(prompt)) {
        children.push(
          h("p", { class: "prompt" }, promptText(prompt)),
          h("p", { class: "muted" }, SKIP_LINE),
          h("p", {}, h("a", { href: `#/journal/new/${prompt.id}`, class: "button" }, "Write about this")),
        );
      }
    }
    card.replaceChildren(...children);
  };
  try {
    show(await duePrompts(), false);
    return true;
  } catch (error) {
    show(error instanceof OfflineError ? await cachedPrompts() : [], error);
    return false;
  }
}

/** The intention of the last dose, among the prompts: answered by writing back to it. */
function intentionBack(prompt) {
  return h(
    "section",
    { class: "intention-back", "aria-labelledby": "back-title" },
    h("h3", { id: "back-title" }, "Your intention"),
    h("p", { class: "prompt" }, promptText(prompt)),
    h("p", { class: "muted" }, "Skip this if it is too much today; it will wait."),
    h("p", {}, h("a", { href: `#/intention/${prompt.ketamine_session_id}`, class: "button" }, "Write back")),
  );
}

async function fillDue(card) {
  let due;
  try {
    due = await dueWithReasons();
  } catch (error) {
    card.replaceChildren(
      h("h2", { id: "due-title" }, "Check-ups"),
      h("p", { class: "muted" }, unavailable(error, "what's due")),
      h("p", {}, h("a", { href: "#/measures" }, "All check-ups")),
    );
    return false;
  }
  const children = [h("h2", { id: "due-title" }, "Check-ups")];
  if (!due.length) children.push(h("p", { class: "muted" }, "Nothing is due. Thank you."));
  else {
    children.push(
      h("p", {}, "Your therapist would like you to fill these in:"),
      h(
        "ul",
        { class: "list" },
        due.map(({ id, why }) =>
          h(
            "li",
            {},
            h("a", { href: `#/measures/${id}`, class: "button" }, `Start ${INSTRUMENTS[id].name}`),
            " ",
            h("span", { class: "muted" }, why ? `Due: ${why}` : INSTRUMENTS[id].about),
          ),
        ),
      ),
    );
  }
  card.replaceChildren(...children);
  return true;
}

