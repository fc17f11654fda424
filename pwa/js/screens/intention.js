import { api } from "../api.js";
import { companion, whenInMyZone } from "../companion.js";
import { SHARE_NOTE } from "../crisis-data.js";
import { askFor, field, h, isoLocal, problemMessages } from "../dom.js";
import { submit } from "../outbox.js";
import { keepRecent, recent } from "../recent.js";
import { session } from "../session.js";


export async function render(main, { params }) {
  const id = params.sessionId;
  main.append(h("h1", {}, "Intention"));
  const { summary } = await companion();
  let intention = null;
  const mine = (items) => items.find((each) => each.ketamine_session_id === id) || null;
  try {
    const { items } = await api("/intentions");
    // The last 30 days of them stay readable offline (sealed, as entries and check-ins).
    keepRecent("intentions", items, (each) => each.written_at);
    intention = mine(items);
  } catch {
    // Offline: the kept copy, or the summary's intentions (the next dose's, the one coming back).
    const kept = [...(await recent("intentions")), summary?.intention, summary?.intention_back?.intention];
    intention = mine(kept.filter(Boolean));
  }
  const ahead = summary?.upcoming?.find((each) => each.id === id);
  const past = summary?.intention_back?.ketamine_session_id === id || (ahead && new Date(ahead.scheduled_at) <= new Date());
  if (ahead) {
    main.append(h("p", {}, "For your dosing session on ", h("time", { datetime: ahead.scheduled_at }, whenInMyZone(ahead.scheduled_at)), "."));
  }
  const area = h("div", {});
  main.append(area);
  if (past && intention) showBack(area, intention);
  else showForm(area, id, intention);
}

function shareBox(checked) {
  return h("input", { type: "checkbox", name: "shared", checked: checked ?? session.me?.share_by_default !== false });
}

function showForm(area, sessionId, intention) {
  const text = h("textarea", { id: "intention-body", name: "body", rows: "4", maxlength: "600" });
  if (intention) text.value = intention.body;
  const shared = shareBox(intention?.shared);
  const message = h("div", { role: "alert" });
  const form = h(
    "form",
    { novalidate: true },
    field(
      "What would you like to bring to this session?",
      text,
      "A few words are enough. There is no right intention, and nothing has to happen for the session to count.",
    ),
    h("label", { class: "check" }, shared, h("span", {}, "Share with my therapist")),
    h("p", { class: "muted" }, SHARE_NOTE),
    message,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Save my intention")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!text.value.trim()) return askFor(message, "Write a few words first, or come back later.", text);
    const entry = intention
      ? {
          kind: "intention",
          op: "update",
          id: intention.id,
          method: "PATCH",
          path: `/intentions/${intention.id}`,
          body: { version: intention.version, body: text.value, shared: shared.checked },
          label: "Intention",
        }
      : (() => {
          const id = crypto.randomUUID();
          return {
            kind: "intention",
            op: "create",
            id,
            method: "POST",
            path: "/intentions",
            body: { id, ketamine_session_id: sessionId, body: text.value, written_at: isoLocal(), shared: shared.checked },
            label: "Intention",
          };
        })();
    const result = await submit(entry);
    if (result.state === "held") {
      message.replaceChildren(...problemMessages(result.problem).map((line) => h("p", { class: "attention" }, line)));
      return;
    }
    const saved = h(
      "p",
      { class: "notice", tabindex: "-1" },
      result.state === "sent" ? "Saved. It will be shown back to you on the day." : "Saved on this phone. It will be sent when you're back online.",
    );
    area.replaceChildren(
      h("h2", {}, "Your intention"),
      h("p", { class: "prompt" }, text.value),
      saved,
      h("p", {}, h("a", { href: "#/today" }, "Back to today")),
    );
    saved.focus();
  });
  area.replaceChildren(form);
}

function showBack(area, intention) {
  const text = h("textarea", { id: "reflection-body", name: "body", rows: "6", maxlength: "4000" });
  const shared = shareBox(intention.shared);
  const earlier = (intention.reflections || []).map((each) => h("li", {}, h("p", { class: "entry-body" }, each.body)));
  const form = h(
    "form",
    { novalidate: true },
    field(
      `You came in wanting “${intention.body}”: did it show up?`,
      text,
      "It may have shown up in a way you did not expect, or not at all; both are worth noting. Skip this if it is too much today.",
    ),
    h("label", { class: "check" }, shared, h("span", {}, "Share with my therapist")),
    h("p", { class: "muted" }, SHARE_NOTE),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Save"), h("a", { href: "#/today", class: "button quiet" }, "Not today")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!text.value.trim()) return text.focus();
    const id = crypto.randomUUID();
    const result = await submit({
      kind: "reflection",
      op: "create",
      id,
      method: "POST",
      path: "/intention-reflections",
      body: { id, intention_id: intention.id, body: text.value, written_at: isoLocal(), shared: shared.checked },
      label: "About my intention",
    });
    const saved = h("p", { class: "notice", tabindex: "-1" }, result.state === "sent" ? "Saved. Thank you." : "Saved on this phone. It will be sent when you're back online.");
    area.replaceChildren(h("h2", {}, "Your intention"), h("p", { class: "prompt" }, intention.body), saved, h("p", {}, h("a", { href: "#/today" }, "Back to today")));
    saved.focus();
  });
  area.replaceChildren(
    h("h2", {}, "Your intention"),
    h("p", { class: "prompt" }, intention.body),
    earlier.length ? h("ul", { class: "list", "aria-label": "What you wrote back" }, earlier) : null,
    form,
  );
}
