import { OfflineError, api } from "../api.js";
import { askFor, flash, h, isoLocal } from "../dom.js";
import { keeper } from "../drafts.js";
import { pending, submit } from "../outbox.js";
import { SKIP_LINE, findPrompt, promptText } from "../prompts.js";
import { SHARE_NOTE } from "../crisis-data.js";
import { session } from "../session.js";

export async function render(main, { params, navigate }) {
  const editing = params.entryId || null;
  main.append(h("h1", {}, editing ? "Edit entry" : "New entry"));
  let original = null;
  let waiting = null;
  if (editing) {
    waiting = (await pending("entry")).find((item) => item.id === editing && item.op === "create") || null;
    if (waiting) original = { ...waiting.body };
    else {
      try {
        original = await api(`/entries/${encodeURIComponent(editing)}`);
      } catch (error) {
        main.append(
          h(
            "p",
            {},
            error instanceof OfflineError
              ? "You're offline. This entry can be edited when you're back online."
              : "This entry could not be opened.",
          ),
          h("p", {}, h("a", { href: "#/journal" }, "Back to the journal")),
        );
        return;
      }
    }
  }
  const promptId = params.promptId || original?.prompt_id || null;
  const prompt = promptId ? await findPrompt(promptId) : null;
  const kept = h("span", { class: "hint", role: "status" });
  const draft = keeper(`entry:${editing || `new:${promptId || ""}`}`, {
    onSaved: () => {
      kept.textContent = "Kept on this phone as you write.";
    },
  });
  const saved = await draft.load();

  const body = h("textarea", {
    id: "entry-body",
    name: "body",
    rows: "12",
    "aria-describedby": prompt ? "entry-prompt" : null,
  });
  body.value = saved ?? original?.body ?? "";
  body.addEventListener("input", () => draft.save(body.value));
  const shared = h("input", {
    type: "checkbox",
    checked: original ? Boolean(original.shared) : session.me?.share_by_default !== false,
    "aria-describedby": "entry-share-note",
  });
  const discuss = h("input", { type: "checkbox", checked: Boolean(original?.discuss_next_session) });
  const message = h("div", { role: "alert" });
  if (waiting?.state === "held") {
    message.append(
      h("p", { class: "attention" }, waiting.problem?.detail || "The server could not accept this entry yet."),
    );
  }
  const form = h(
    "form",
    { novalidate: true },
    prompt ? h("blockquote", { class: "card", id: "entry-prompt" }, promptText(prompt)) : null,
    prompt ? h("p", { class: "muted" }, SKIP_LINE) : null,
    saved !== null ? h("p", { class: "notice" }, "We kept what you were writing.") : null,
    h("div", { class: "field" }, h("label", { for: "entry-body" }, prompt ? "Your reflection" : "What's on your mind?"), body, kept),
    h("label", { class: "check" }, shared, h("span", {}, "Share with my therapist")),
    h("p", { class: "hint", id: "entry-share-note" }, SHARE_NOTE),
    h("label", { class: "check" }, discuss, h("span", {}, "I'd like to talk about this next session")),
    message,
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "primary" }, "Save entry"),
      h("a", { href: "#/journal", class: "button quiet" }, "Back"),
    ),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!body.value.trim()) return askFor(message, "Write something first — even one word is enough.", body);
    form.querySelector('button[type="submit"]').disabled = true;
    let result;
    if (editing && !waiting) {
      const fields = {};
      if (body.value !== original.body) fields.body = body.value;
      if (shared.checked !== Boolean(original.shared)) fields.shared = shared.checked;
      if (discuss.checked !== Boolean(original.discuss_next_session)) fields.discuss_next_session = discuss.checked;
      result = Object.keys(fields).length
        ? await submit({
            kind: "entry",
            op: "update",
            id: editing,
            method: "PATCH",
            path: `/entries/${editing}`,
            body: { version: original.version, ...fields },
            label: "Change to a journal entry",
          })
        : { state: "sent" };
    } else {
      const id = editing || crypto.randomUUID();
      const entry = {
        ...(original || {}),
        id,
        written_at: original?.written_at || isoLocal(),
        body: body.value,
        shared: shared.checked,
        discuss_next_session: discuss.checked,
      };
      if (promptId) entry.prompt_id = promptId;
      result = await submit({ kind: "entry", op: "create", id, method: "POST", path: "/entries", body: entry, label: "Journal entry" });
    }
    await draft.clear();
    flash.message = {
      sent: "Your entry is saved.",
      waiting: "Your entry is saved on this phone and will be sent when you're back online.",
      held: "Your entry is kept on this phone, but the server could not accept it yet — see below.",
    }[result.state];
    navigate("/journal");
  });
  main.append(form);
  return () => draft.stop();
}
