import { ApiError, api, unavailable } from "../api.js";
import { formatWhen, h, keyedChildren, listCard, outboxKey, takeFlash, timeEl } from "../dom.js";
import { discard, events, pending, submit } from "../outbox.js";
import { pagedList, pagePath } from "../paged-list.js";
import { cachedPrompts, promptText } from "../prompts.js";

export async function render(main) {
  const flashText = takeFlash();
  main.append(
    h("h1", {}, "Journal"),
    h("p", { role: "status", class: flashText ? "notice" : "" }, flashText || ""),
    h(
      "div",
      { class: "actions" },
      h("a", { href: "#/journal/new", class: "button primary" }, "Write an entry"),
      h("a", { href: "#/checkins", class: "button" }, "My check-ins"),
      h("a", { href: "#/sessions", class: "button quiet" }, "Sessions ahead"),
    ),
  );
  const prompts = new Map((await cachedPrompts()).map((prompt) => [String(prompt.id), promptText(prompt)]));
  const waitingList = h("ul", { class: "list", "aria-label": "Waiting to send" });
  const { list, note, more, load, claim } = pagedList({
    path: (cursor) => pagePath("/entries", cursor),
    card: (entry) => entryCard(entry, prompts),
    label: "My entries",
    empty: "Nothing here yet. Whatever you write stays yours.",
    older: "Show older entries",
    unavailable: (error) => `${unavailable(error, "your earlier entries")} You can still write.`,
    offline: {
      name: "entries",
      when: (entry) => entry.written_at,
      note: "You're offline: these are your entries of the last 30 days, kept on this phone. You can still write.",
    },
  });
  const search = searchForm(list, note, more, prompts, () => load(), claim);
  main.append(search, waitingList, list, note, more);

  const showWaiting = async () => {
    const items = (await pending("entry")).filter((item) => item.op === "create");
    keyedChildren(waitingList, items, outboxKey, (item) => waitingCard(item, prompts));
  };
  await showWaiting();
  const onChange = () => showWaiting();
  // A waiting entry that reaches the server joins the list as the server has it.
  const onSent = (event) => {
    const { item, response } = event.detail;
    if (item.kind === "entry" && item.op === "create" && response?.id) {
      list.prepend(entryCard(response, prompts));
      if (note.textContent.startsWith("Nothing here yet")) note.textContent = "";
    }
  };
  events.addEventListener("change", onChange);
  events.addEventListener("sent", onSent);

  await load();
  return () => {
    events.removeEventListener("change", onChange);
    events.removeEventListener("sent", onSent);
  };
}

/**
 * Find my own words again. The words go to the server in a POST body (never a
 * URL), which reads my entries, decrypted, for this request only.
 */
function searchForm(list, note, more, prompts, showAll, claim) {
  const input = h("input", { type: "search", id: "journal-search", name: "q", maxlength: "200", autocomplete: "off" });
  const clear = h("button", { type: "button", hidden: true }, "Show all entries");
  const form = h(
    "form",
    { role: "search", class: "search", "aria-label": "My journal" },
    h("label", { for: "journal-search" }, "Find in my journal"),
    h("div", { class: "actions" }, input, h("button", { type: "submit" }, "Find"), clear),
  );
  clear.addEventListener("click", () => {
    input.value = "";
    clear.hidden = true;
    showAll();
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const words = input.value.trim();
    if (!words) return;
    // Answered after "Show all entries" was pressed, the results are no longer wanted;
    // answered before the entries came, they stay and the entries are set aside.
    const mine = claim();
    let found;
    try {
      found = await api("/entries/search", { method: "POST", body: { q: words } });
    } catch (error) {
      note.textContent = unavailable(error, "the search");
      return;
    }
    if (!mine()) return;
    clear.hidden = false;
    more.replaceChildren();
    list.replaceChildren(...found.items.map((entry) => entryCard(entry, prompts)));
    const count = found.items.length;
    note.textContent = !count
      ? "No entry holds those words."
      : `${count === 1 ? "1 entry" : `${count} entries`} found${found.more ? " (the newest; add a word to narrow it)" : ""}.`;
  });
  return form;
}

function waitingCard(item, prompts) {
  const entry = item.body;
  const held = item.state === "held";
  return listCard(
    "Entry waiting to send",
    entry.written_at,
    h("span", { class: "badge waiting" }, held ? "Needs your attention" : "Waiting to send"),
    promptLine(entry, prompts),
    h("p", { class: "entry-body" }, entry.body),
    held ? h("p", { class: "attention" }, item.problem?.detail || "The server could not accept this.") : null,
    h(
      "div",
      { class: "actions" },
      h("a", { href: `#/journal/${item.id}/edit`, class: "button" }, "Edit"),
      confirmButton("Discard", "Discard this entry? It has not been sent.", () => discard(item.seq)),
    ),
  );
}

/** The prompt an entry answers, when this phone knows its words. */
function promptLine(entry, prompts) {
  const words = entry.prompt_id && prompts.get(String(entry.prompt_id));
  return words ? h("p", { class: "meta" }, words) : null;
}

function entryCard(entry, prompts) {
  const status = h("span", { class: "meta", role: "status" });
  // Named after the entry (a screen reader lists the controls of every card), starting with what the label shows.
  const which = `entry of ${formatWhen(entry.written_at)}`;
  const shared = h("input", {
    type: "checkbox",
    role: "switch",
    checked: Boolean(entry.shared),
    "aria-label": `Shared with my therapist: ${which}`,
  });
  const discuss = h("input", {
    type: "checkbox",
    checked: Boolean(entry.discuss_next_session),
    "aria-label": `Talk about this next session: ${which}`,
  });
  // A change or the deletion goes through the outbox, as every write does.
  const send = (op, method, more) => submit({ kind: "entry", op, id: entry.id, method, path: `/entries/${entry.id}`, ...more });
  const change = async (fields) => {
    status.textContent = "Saving…";
    const body = { version: entry.version, ...fields };
    const result = await send("update", "PATCH", { body, label: "Change to a journal entry" });
    if (result.state === "sent" && result.response) Object.assign(entry, result.response);
    status.textContent = {
      sent: "Saved.",
      waiting: "Saved on this phone; waiting to send.",
      held: result.problem?.detail || "This change could not be saved.",
    }[result.state];
  };
  shared.addEventListener("change", () => change({ shared: shared.checked }));
  discuss.addEventListener("change", () => change({ discuss_next_session: discuss.checked }));
  const card = h(
    "article",
    { class: "card" },
    h("p", { class: "meta" }, timeEl(entry.written_at)),
    promptLine(entry, prompts),
    h("p", { class: "entry-body" }, entry.body),
    h("label", { class: "switch" }, h("span", {}, "Shared with my therapist"), shared),
    h("label", { class: "check" }, discuss, h("span", {}, "Talk about this next session")),
    status,
    h(
      "div",
      { class: "actions" },
      h("a", { href: `#/journal/${entry.id}/edit`, class: "button" }, "Edit"),
      confirmButton("Delete", "Delete this entry for good?", async () => {
        const result = await send("delete", "DELETE", { label: "Deleting a journal entry" });
        if (result.state === "held") status.textContent = result.problem?.detail || "Not deleted.";
        else card.closest("li")?.remove();
      }),
    ),
  );
  return h("li", {}, card);
}

/** A button that asks once, inline, before doing something that cannot be undone. */
export function confirmButton(label, question, action) {
  const wrap = h("span", {});
  const ask = h("button", { type: "button" }, label);
  ask.addEventListener("click", () => {
    const yes = h("button", { type: "button", class: "primary" }, `Yes, ${label.toLowerCase()}`);
    const no = h("button", { type: "button" }, "Keep it");
    const prompt = h("span", { class: "actions", role: "group", "aria-label": question }, h("span", {}, question), yes, no);
    yes.addEventListener("click", async () => {
      yes.disabled = true;
      try {
        await action();
      } catch (error) {
        prompt.replaceChildren(
          h("span", {}, error instanceof ApiError ? error.message : "That did not work; please try again."),
        );
      }
    });
    no.addEventListener("click", () => {
      wrap.replaceChildren(ask);
      ask.focus();
    });
    wrap.replaceChildren(prompt);
    no.focus();
  });
  wrap.append(ask);
  return wrap;
}
