import { api } from "../api.js";
import { NOT_WATCHED, SHARE_NOTE, resourceList, showResources } from "../crisis-data.js";
import { getValue, setValue } from "../db.js";
import { askFor, h, isoLocal, problemMessages, uid } from "../dom.js";
import { keeper } from "../drafts.js";
import { submit } from "../outbox.js";
import { INSTRUMENTS } from "../prompts.js";
import { answers as answerGroup, radioValue } from "../scale.js";
import { session } from "../session.js";

const SAFETY_ITEM = { phq9: 9 };
// The server flags a safety answer to the care team even on a private response
// (server/flags/queries.py ALWAYS_VISIBLE); the patient is told before, not surprised after.
// In the words of PHQ-9 item 9, so no answer to it is left out.
const SAFETY_NOTE =
  "If you tell us you've had thoughts that you would be better off dead, or of hurting yourself, your care team is told you may need support, even if you keep your answers private. They see only that, not your answers.";
/** Waiting for the questionnaire itself never holds up the screen when a copy is kept. */
const DEFINITION_TIMEOUT_MS = 5000;

function normalise(id, raw) {
  const shared = (raw.options || []).map((option, index) =>
    typeof option === "object" ? { value: Number(option.value ?? index), label: option.label ?? option.text } : { value: index, label: option },
  );
  const items = (raw.items || []).map((item) => {
    if (typeof item === "string") return { text: item, options: shared };
    const own = item.options?.length
      ? item.options.map((option, index) =>
          typeof option === "object" ? { value: Number(option.value ?? index), label: option.label ?? option.text } : { value: index, label: option },
        )
      : shared;
    return { text: item.text || item.label || item.question, options: own };
  });
  const top = Math.max(0, ...items.flatMap((item) => item.options.map((option) => option.value)));
  return {
    title: raw.title || raw.name || INSTRUMENTS[id].name,
    instructions: raw.instructions || "",
    stem: raw.stem || "",
    items,
    safetyItem: raw.safety_item ?? SAFETY_ITEM[id] ?? null,
    // Unscored, after the last item (PHQ-9, GAD-7); optional, so it can be skipped.
    difficulty: raw.difficulty
      ? { text: raw.difficulty.text, options: raw.difficulty.options.map((label, value) => ({ value, label })), optional: true }
      : null,
    indexEvent: raw.index_event || "",
    max: raw.total_range?.[1] ?? top * items.length,
  };
}

function parseAnswers(kept) {
  if (typeof kept !== "string") return kept;
  try {
    return JSON.parse(kept);
  } catch {
    return null;
  }
}

/** The kept copy at once (refreshed in the background), else the server's within a few seconds. */
async function definition(id) {
  const kept = await getValue(`def:${id}`).catch(() => null);
  const fresh = api(`/measures/${id}`, { timeout: DEFINITION_TIMEOUT_MS }).then(async (raw) => {
    await setValue(`def:${id}`, raw).catch(() => {});
    return raw;
  });
  if (kept) {
    fresh.catch(() => {});
    return normalise(id, kept);
  }
  return normalise(id, await fresh);
}

export async function render(main, { params }) {
  const id = params.instrument;
  if (!(id in INSTRUMENTS)) {
    main.append(h("h1", {}, "Not found"), h("p", {}, h("a", { href: "#/measures" }, "Back to check-ups")));
    return;
  }
  const title = h("h1", {}, INSTRUMENTS[id].name);
  const stage = h("div", {});
  // Crisis resources, from the moment a safety answer is above 0 until the
  // answers are sent: kept or built in, never waiting for the network.
  const crisisSlot = h("div", {});
  main.append(title, stage, crisisSlot);
  let def;
  try {
    def = await definition(id);
  } catch {
    stage.append(h("p", {}, "This questionnaire needs a connection the first time. Please try again when you're online."));
    return;
  }
  // The short name heads the screen and the full title follows in body text,
  // so "Questionnaire" never breaks mid-word at 200 % text on a small phone.
  if (def.title && def.title !== INSTRUMENTS[id].name) {
    title.after(h("p", { class: "muted subtitle" }, def.title.replace(` (${INSTRUMENTS[id].name})`, "")));
  }
  const draft = keeper(`measure:${id}`);
  // Drafts are text (localStorage): the answers are kept as JSON.
  const kept = parseAnswers(await draft.load());
  // The scored items, then the difficulty item where there is one.
  const steps = def.difficulty ? [...def.items, def.difficulty] : def.items;
  const answers = Array.isArray(kept) && kept.length === steps.length ? kept : steps.map(() => null);
  let step = Math.max(0, answers.indexOf(null));
  if (answers.every((value) => value !== null)) step = steps.length;
  let pointerAt = 0;
  const safetyIndex = def.safetyItem ? def.safetyItem - 1 : null;
  let crisisShown = false;

  const showCrisisNow = () => {
    if (crisisShown) return;
    crisisShown = true;
    const list = h("div", {});
    crisisSlot.replaceChildren(
      h(
        "section",
        { class: "card crisis", "aria-labelledby": "crisis-before-send", role: "region" },
        h("h2", { id: "crisis-before-send" }, "Help is here now"),
        h(
          "p",
          {},
          "You said you've had thoughts that you would be better off dead, or of hurting yourself. You can reach someone now, before you finish.",
        ),
        h("p", {}, NOT_WATCHED),
        list,
        h("p", {}, h("a", { href: "#/crisis" }, "More ways to get help")),
      ),
      h("p", { class: "visually-hidden", role: "status" }, "Help lines are shown below the question."),
    );
    showResources(list, (info) => resourceList(info, h, "h3", { compact: true }));
  };
  const safetyCheck = () => {
    if (safetyIndex !== null && answers[safetyIndex] !== null && answers[safetyIndex] > 0) showCrisisNow();
  };

  const show = () => {
    const legendId = uid("q");
    if (step >= steps.length) return showFinish();
    const item = steps[step];
    const group = answerGroup({ name: "answer", legend: item.text, options: item.options, value: answers[step], legendId });
    const message = h("div", { role: "alert" });
    const form = h(
      "form",
      { novalidate: true },
      h("p", { class: "progress" }, item.optional ? "One more question (optional)" : `Question ${step + 1} of ${def.items.length}`),
      // The full instructions once; then the short stem (PCL-5) or the recall question.
      step === 0 && def.instructions ? h("p", { class: "muted" }, def.instructions) : null,
      step === 0 && def.safetyItem ? h("p", { class: "muted" }, SAFETY_NOTE) : null,
      def.indexEvent ? h("p", {}, `"The stressful experience" here means: ${def.indexEvent}`) : null,
      !item.optional && (def.stem || (step > 0 && def.instructions)) ? h("p", { class: "muted" }, def.stem || def.instructions) : null,
      group,
      message,
      h(
        "div",
        { class: "actions" },
        h("button", { type: "submit", class: "primary" }, step + 1 === steps.length ? "Next: review" : "Next"),
        item.optional ? h("button", { type: "button", onclick: () => go(step + 1) }, "Skip") : null,
        step > 0 ? h("button", { type: "button", onclick: () => go(step - 1) }, "Back") : null,
      ),
    );
    group.addEventListener("pointerdown", () => {
      pointerAt = Date.now();
    });
    group.addEventListener("change", () => {
      answers[step] = radioValue(form, "answer");
      draft.save(JSON.stringify(answers));
      safetyCheck();
      // A tap moves on by itself; keyboard users move on with Next.
      if (Date.now() - pointerAt < 1500) {
        const here = step;
        setTimeout(() => {
          if (step === here) go(step + 1);
        }, 150);
      }
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const value = radioValue(form, "answer");
      if (value === null) return askFor(message, "Choose the answer that fits best.");
      answers[step] = value;
      draft.save(JSON.stringify(answers));
      safetyCheck();
      go(step + 1);
    });
    stage.replaceChildren(form);
    return document.getElementById(legendId);
  };

  const go = (next) => {
    step = next;
    const target = show();
    target?.focus();
  };

  const showFinish = () => {
    const shared = h("input", {
      type: "checkbox",
      checked: session.me?.share_by_default !== false,
      "aria-describedby": def.safetyItem ? "safety-note not-watched-note" : "not-watched-note",
    });
    const discuss = h("input", { type: "checkbox" });
    const heading = h("h2", { tabindex: "-1" }, "Ready to send");
    const send = h("button", { type: "submit", class: "primary" }, "Send my answers");
    const form = h(
      "form",
      { novalidate: true },
      heading,
      h("p", {}, `You answered all ${def.items.length} questions.`),
      h("label", { class: "check" }, shared, h("span", {}, "Share with my therapist")),
      def.safetyItem ? h("p", { class: "hint", id: "safety-note" }, SAFETY_NOTE) : null,
      h("p", { class: "hint", id: "not-watched-note" }, SHARE_NOTE),
      h("label", { class: "check" }, discuss, h("span", {}, "I'd like to talk about this next session")),
      h(
        "div",
        { class: "actions" },
        send,
        h("button", { type: "button", onclick: () => go(steps.length - 1) }, "Back"),
      ),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      send.disabled = true;
      send.textContent = "Sending…";
      const responseId = crypto.randomUUID();
      const result = await submit({
        kind: "measure",
        op: "create",
        id: responseId,
        method: "POST",
        path: `/measures/${id}/responses`,
        body: {
          id: responseId,
          answers: answers.slice(0, def.items.length),
          ...(def.difficulty && answers[def.items.length] !== null ? { difficulty: answers[def.items.length] } : {}),
          completed_at: isoLocal(),
          shared: shared.checked,
          discuss_next_session: discuss.checked,
        },
        label: `${INSTRUMENTS[id].name} answers`,
      });
      await draft.clear();
      showResult(result, shared.checked);
    });
    stage.replaceChildren(form);
    return heading;
  };

  // After a safety answer: what the care team learns, and when (the flag is raised
  // when the response reaches the server; a private one carries no answers).
  const careTeamTold = (state, shared) => {
    const when = {
      sent: "Your care team has been told you may need support.",
      waiting: "Your care team will be told you may need support when your phone is back online.",
    }[state];
    if (!when) return null;
    return h("p", {}, when, shared ? "" : " They are told only this, not your answers.");
  };

  const showResult = async (result, shared) => {
    const response = result.response || {};
    const safety = def.safetyItem ? answers[def.safetyItem - 1] : null;
    const needsCrisis = response.show_crisis_resources === true || (safety !== null && safety > 0);
    const parts = [];
    let focusTarget;
    const afterList = h("div", {});
    if (needsCrisis) {
      focusTarget = h("h2", { tabindex: "-1", id: "crisis-now" }, "You don't have to carry this alone");
      parts.push(
        h(
          "section",
          { class: "card crisis", "aria-labelledby": "crisis-now" },
          focusTarget,
          h(
            "p",
            {},
            safety > 0
              ? "You said you've had thoughts of being better off dead or of hurting yourself. Please reach out now — talking to someone helps."
              : "Your answers say things are very hard right now. Please reach out now — talking to someone helps.",
          ),
          h("p", {}, NOT_WATCHED),
          afterList,
          h("p", {}, h("a", { href: "#/crisis" }, "More ways to get help")),
          safety > 0 ? careTeamTold(result.state, shared) : null,
        ),
      );
    }
    const heading = h("h2", { tabindex: "-1" }, "Thank you");
    focusTarget = focusTarget || heading;
    parts.push(heading);
    if (result.state === "sent") {
      if (typeof response.total === "number") {
        parts.push(
          h("p", { class: "score" }, `Your score: ${response.total} of ${def.max}${response.severity ? ` (${response.severity})` : ""}`),
        );
      }
      parts.push(h("p", {}, "Your answers are saved. Your therapist can go through them with you."));
    } else if (result.state === "waiting") {
      parts.push(h("p", { class: "notice" }, "Your answers are saved on this phone and will be sent when you're back online. Your score will show then."));
    } else {
      parts.push(
        h(
          "div",
          { class: "attention" },
          h("p", {}, "Your answers are kept on this phone, but the server could not accept them:"),
          h("ul", {}, problemMessages(result.problem).map((line) => h("li", {}, line))),
        ),
        h("p", {}, h("a", { href: "#/waiting" }, "See what needs your attention")),
      );
    }
    parts.push(h("p", {}, h("a", { href: "#/today", class: "button" }, "Back to today")));
    // Sent (or kept to send): the card below the question gives way to the one here.
    crisisSlot.replaceChildren();
    stage.replaceChildren(...parts);
    if (needsCrisis) await showResources(afterList, (info) => resourceList(info, h, "h3"));
    focusTarget.focus();
  };

  show();
  safetyCheck();
  return () => draft.stop();
}
