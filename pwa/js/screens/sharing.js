import { OfflineError, api, unavailable } from "../api.js";
import { formatWhen, h, timeEl, titledCard } from "../dom.js";
import { SHARE_NOTE } from "../crisis-data.js";
import { submit } from "../outbox.js";
import { pagedList, pagePath } from "../paged-list.js";
import { INSTRUMENTS } from "../prompts.js";
import { patchMe, session } from "../session.js";

/** The first 80 characters of a text, marked as cut when it is longer. */
const firstWords = (text) => (text.length > 80 ? `${text.slice(0, 80)}…` : text);

/** A kind of text the patient wrote: listed by when it was written and its first words. */
const written = (title, noun, base) => ({
  title,
  noun: () => noun,
  path: (item) => `${base}/${item.id}`,
  when: (item) => item.written_at,
  describe: (item) => firstWords(item.body),
});

const KINDS = {
  checkin: {
    title: "Check-ins",
    noun: () => "check-in",
    path: (item) => `/checkins/${item.id}`,
    when: (item) => item.recorded_at,
    describe: (item) => `Mood ${item.mood}${item.note ? " · with a note" : ""}`,
  },
  entry: written("Journal entries", "journal entry", "/entries"),
  intention: written("Intentions", "intention", "/intentions"),
  reflection: written(
    "What I wrote back about my intentions",
    "what I wrote back",
    "/intention-reflections",
  ),
  check: {
    title: "Checks after a dose",
    noun: () => "check after a dose",
    path: (item) => `/after-dose-checks/${item.id}`,
    when: (item) => item.answered_at,
    describe: () => "How the day after the dose went.",
  },
  measure: {
    title: "Check-ups",
    noun: (item) => INSTRUMENTS[item.instrument]?.name || "check-up",
    path: (item) => `/measures/responses/${item.id}`,
    when: (item) => item.completed_at,
    describe: (item) => `${INSTRUMENTS[item.instrument]?.name || item.instrument}: ${item.total}`,
  },
};

function row(kind, item) {
  const spec = KINDS[kind];
  const status = h("span", { class: "meta", role: "status" });
  const toggle = h("input", { type: "checkbox", role: "switch", checked: Boolean(item.shared) });
  const label = h("span", {});
  // The words beside the switch say what is true now: shared, or private.
  const say = () => {
    label.textContent = toggle.checked ? "Shared with my therapist" : "Private";
    // Named after its item (a screen reader lists many of these), starting with what the label shows.
    toggle.setAttribute("aria-label", `${label.textContent}: ${spec.noun(item)} of ${formatWhen(spec.when(item))}`);
  };
  say();
  toggle.addEventListener("change", async () => {
    say();
    status.textContent = "Saving…";
    const body = { shared: toggle.checked };
    if (item.version !== undefined) body.version = item.version;
    const result = await submit({
      kind,
      op: "update",
      id: item.id,
      method: "PATCH",
      path: spec.path(item),
      body,
      label: toggle.checked ? "Share an item" : "Make an item private",
    });
    if (result.state === "sent" && result.response) Object.assign(item, result.response);
    if (result.state === "held") {
      toggle.checked = !toggle.checked;
      say();
    }
    status.textContent = {
      sent: toggle.checked ? "Shared." : "Private now.",
      waiting: "Saved on this phone; it takes effect once sent.",
      held: result.problem?.detail || "This could not be changed.",
    }[result.state];
  });
  return h(
    "li",
    { class: "card" },
    h("p", { class: "meta" }, timeEl(spec.when(item))),
    h("p", { class: "entry-body" }, spec.describe(item)),
    h("label", { class: "switch" }, label, toggle),
    status,
  );
}

export async function render(main) {
  main.append(
    h("h1", {}, "Sharing"),
    h(
      "p",
      {},
      "Your therapist sees only what is shared. Private items are seen by nobody but you — not even as a count. You can change your mind at any time, and it takes effect at once.",
    ),
    h(
      "p",
      { class: "hint" },
      "One exception, for your safety: if a questionnaire tells us you've had thoughts that you would be better off dead, or of hurting yourself, or a check-in says you don't feel safe, or a check after a dose has an answer that needs a call today (such as chest pain), your care team is told you may need support, even when it is private. They see only that, not your answers or your check-in.",
    ),
    h("p", { class: "notice" }, SHARE_NOTE),
  );
  const defaultStatus = h("span", { class: "meta", role: "status" });
  const byDefault = h("input", { type: "checkbox", role: "switch", checked: session.me?.share_by_default !== false });
  byDefault.addEventListener("change", async () => {
    defaultStatus.textContent = "Saving…";
    try {
      await api("/me/settings", { method: "PATCH", body: { share_by_default: byDefault.checked } });
      await patchMe({ share_by_default: byDefault.checked });
      defaultStatus.textContent = byDefault.checked ? "New items start shared." : "New items start private.";
    } catch (error) {
      byDefault.checked = !byDefault.checked;
      defaultStatus.textContent =
        error instanceof OfflineError ? "You're offline; try again when you're connected." : "That could not be saved.";
    }
  });
  main.append(
    titledCard(
      "default-title",
      "For new items",
      h("label", { class: "switch" }, h("span", {}, "Share new check-ins, entries and check-ups"), byDefault),
      defaultStatus,
    ),
  );
  // Every item, a page at a time: the newest first, older ones on request.
  const sources = {
    checkin: "/checkins",
    entry: "/entries",
    intention: "/intentions",
    reflection: "/intentions",
    check: "/after-dose-checks",
    measure: "/measures/responses",
  };
  // What I wrote back comes inside each intention; listed on its own, newest first.
  const reflections = (page) =>
    (page?.items || []).flatMap((intention) => intention.reflections || []).sort((a, b) => Date.parse(b.written_at) - Date.parse(a.written_at));
  for (const [kind, path] of Object.entries(sources)) {
    const titleId = `sharing-${kind}`;
    const { list, note, more, load } = pagedList({
      path: (cursor) => pagePath(path, cursor),
      itemsOf: kind === "reflection" ? reflections : undefined,
      card: (item) => row(kind, item),
      empty: "Nothing yet.",
      older: `Show older ${KINDS[kind].title.toLowerCase()}`,
      unavailable: (error) => unavailable(error, "this list"),
    });
    main.append(h("section", { "aria-labelledby": titleId }, h("h2", { id: titleId }, KINDS[kind].title), list, note, more));
    await load();
  }
}
