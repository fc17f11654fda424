// One patient: what they shared since the last integration session (newest
// first, mark read), and their mood and scores over the whole treatment.

import { h } from "/js/dom.js";
import { call, failure, query } from "../client.js";
import { PHASES, formatDate, formatWhen, plural } from "../format.js";
import { itemView, markRead } from "../items.js";
import { trendCharts } from "../trends.js";

const DAY = 86400000;
const TREATMENT_START = "2000-01-01T00:00:00Z";
// The whole treatment for the charts, at most this many timeline pages (a year and more).
const MAX_HISTORY_PAGES = 12;

const RANGES = [
  ["window", "Since the last integration session"],
  ["30", "Last 30 days"],
  ["90", "Last 90 days"],
  ["all", "Whole treatment"],
];

function sinceFor(range) {
  if (range === "window") return null;
  if (range === "all") return TREATMENT_START;
  return new Date(Date.now() - Number(range) * DAY).toISOString();
}

export async function render(main, { params, announce }) {
  const { patientId, itemId } = params;
  const heading = h("h1", {}, "Patient");
  const facts = h("p", { class: "facts" });
  const flagsBox = h("div", {});
  main.append(
    h("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, h("a", { href: "#/caseload" }, "Caseload"), " › ", h("span", { "aria-current": "page" }, "Patient")),
    heading,
    facts,
    h(
      "p",
      { class: "actions" },
      h("a", { class: "button primary", href: `#/patients/${patientId}/brief` }, "Session brief"),
      h("a", { class: "button", href: `#/patients/${patientId}/schedule` }, "Schedule and prompts"),
      h("a", { class: "button", href: `#/patients/${patientId}/safety-plan` }, "Safety plan"),
      h("a", { class: "button", href: `#/patients/${patientId}/measures` }, "Questionnaires"),
    ),
    flagsBox,
  );

  // The summary names the patient, their sessions and open flag counts in one
  // read (one audit event), not the whole brief or the caseload.
  let patient;
  try {
    patient = await call(`/patients/${patientId}`);
  } catch (error) {
    main.append(h("p", { class: "attention" }, error.status === 404 ? "This patient is not on your caseload." : failure(error, "This patient")));
    return;
  }
  const name = patient.display_name;
  heading.textContent = name;
  main.querySelector(".crumbs [aria-current]").textContent = name;
  const next = patient.next_integration_session;
  const nextDose = patient.next_ketamine_session;
  facts.replaceChildren(
    h("span", {}, PHASES[patient.phase] || ""),
    " · Next integration session: ",
    next ? h("time", { datetime: next.scheduled_at }, formatWhen(next.scheduled_at)) : "not booked",
    " · Next dosing: ",
    nextDose ? h("time", { datetime: nextDose.scheduled_at }, formatWhen(nextDose.scheduled_at)) : "not booked",
  );
  if (patient.open_flag_count) {
    const urgent = patient.urgent_flag_count;
    flagsBox.append(
      h(
        "section",
        { class: `callout ${urgent ? "urgent" : "warning"}`, "aria-labelledby": "patient-flags" },
        h("h2", { id: "patient-flags" }, plural(patient.open_flag_count, "open flag")),
        h(
          "p",
          {},
          urgent ? h("strong", {}, `${urgent} urgent. `) : "",
          `Read ${patient.open_flag_count === 1 ? "it" : "them"} at the top of the `,
          h("a", { href: `#/patients/${patientId}/brief` }, "session brief"),
          `, and acknowledge ${patient.open_flag_count === 1 ? "it" : "them"} on the `,
          h("a", { href: "#/flags" }, "flags page"),
          ".",
        ),
      ),
    );
  }

  // --- the timeline ---------------------------------------------------------
  const timelineHeading = h("h2", { id: "timeline-heading", tabindex: "-1" }, "Shared since the last integration session");
  const rangeSelect = h(
    "select",
    { id: "timeline-range" },
    RANGES.map(([value, label]) => h("option", { value }, label)),
  );
  const markAll = h("button", { type: "button", class: "quiet" }, "Mark all shown as read");
  const windowNote = h("p", { class: "muted" });
  const list = h("div", { class: "timeline", "aria-busy": "true" });
  const more = h("button", { type: "button", class: "quiet", hidden: true }, "Show older");
  const listMessage = h("p", { class: "form-message", role: "status" });
  const trendBox = h("div", { class: "loading" }, "Drawing the treatment so far…");

  main.append(
    h(
      "div",
      { class: "patient-layout" },
      h(
        "section",
        { "aria-labelledby": "timeline-heading", class: "timeline-section" },
        timelineHeading,
        h(
          "div",
          { class: "toolbar" },
          h("div", { class: "field inline" }, h("label", { for: "timeline-range" }, "Show"), rangeSelect),
          markAll,
        ),
        windowNote,
        listMessage,
        list,
        more,
      ),
      h("section", { "aria-labelledby": "trend-heading", class: "trend-section" }, h("h2", { id: "trend-heading" }, "Over the treatment"), trendBox),
    ),
  );

  let shown = [];
  let cursor = null;
  let range = "window";

  function updateMarkAll() {
    const unread = shown.filter((item) => item.read === false).length;
    markAll.hidden = !unread;
    markAll.textContent = `Mark all ${unread} shown as read`;
  }

  // Each load is numbered: the answer of one overtaken by another (a range
  // chosen while the last was on its way) is set aside, never drawn over it.
  let loads = 0;

  async function load({ append = false } = {}) {
    const mine = ++loads;
    list.setAttribute("aria-busy", "true");
    more.disabled = true;
    listMessage.textContent = "";
    try {
      const page = await call(
        `/patients/${patientId}/timeline${query({ since: sinceFor(range), cursor: append ? cursor : null, limit: 50 })}`,
      );
      if (mine !== loads) return;
      cursor = page.next_cursor;
      if (!append) {
        shown = [];
        list.replaceChildren();
        windowNote.replaceChildren(
          range === "window"
            ? `From ${formatDate(page.since)}${patient.last_integration_session ? ", the last integration session" : " (no integration session yet: the last 30 days)"}. Booked sessions ahead come first.`
            : `From ${formatDate(page.since)}.`,
        );
      }
      shown.push(...page.items);
      for (const item of page.items) list.append(itemView(item, { onRead: updateMarkAll, announce }));
      if (!shown.length) list.append(h("p", { class: "empty" }, "Nothing shared in this period."));
      more.hidden = !cursor;
      updateMarkAll();
    } catch (error) {
      if (mine === loads) listMessage.textContent = failure(error, "The timeline");
    } finally {
      if (mine === loads) {
        list.setAttribute("aria-busy", "false");
        more.disabled = false;
      }
    }
  }

  rangeSelect.addEventListener("change", () => {
    range = rangeSelect.value;
    timelineHeading.textContent = range === "window" ? "Shared since the last integration session" : `Shared: ${RANGES.find(([value]) => value === range)[1].toLowerCase()}`;
    load();
  });
  more.addEventListener("click", () => load({ append: true }));
  markAll.addEventListener("click", async () => {
    markAll.disabled = true;
    const unread = shown.filter((item) => item.read === false);
    const outcomes = await Promise.allSettled(unread.map((item) => markRead(item)));
    // A 404: the patient stopped sharing that item meanwhile; it leaves the screen.
    const gone = new Set(unread.filter((item, index) => outcomes[index].reason?.status === 404));
    const failed = outcomes.find((outcome) => outcome.status === "rejected" && outcome.reason?.status !== 404);
    const marked = outcomes.filter((outcome) => outcome.status === "fulfilled").length;
    if (failed) listMessage.textContent = failure(failed.reason, "Marking them read");
    else announce(`${plural(marked, "item")} marked read.`);
    shown = shown.filter((item) => !gone.has(item) && !item.withdrawn);
    markAll.disabled = false;
    // Redraw what is shown so every marked item loses its "Unread".
    list.replaceChildren(...shown.map((item) => itemView(item, { onRead: updateMarkAll, announce })));
    if (!shown.length) list.append(h("p", { class: "empty" }, "Nothing shared in this period."));
    updateMarkAll();
    // The button is hidden now that nothing shown is unread: keep the keyboard in the timeline.
    if (markAll.hidden) timelineHeading.focus();
  });

  if (itemId) {
    // Opened from a flag: the whole treatment, older pages until the item shows.
    range = "all";
    rangeSelect.value = "all";
    timelineHeading.textContent = "Shared: whole treatment";
  }
  await load();
  // After this render returns: the router then focuses the page's heading,
  // and the item must take focus after that, not before.
  if (itemId) setTimeout(() => showItem(itemId));
  drawTrends(patientId, trendBox);

  async function showItem(id) {
    for (let page = 0; page < MAX_HISTORY_PAGES && !shown.some((item) => item.id === id) && cursor; page += 1) {
      await load({ append: true });
    }
    const article = [...list.querySelectorAll("article[data-item-id]")].find((a) => a.dataset.itemId === id);
    if (!article) {
      listMessage.textContent = "The item that raised this flag is not shared with you (or no longer).";
      return;
    }
    article.classList.add("is-target");
    article.setAttribute("tabindex", "-1");
    article.scrollIntoView({ block: "center" });
    article.focus();
  }
}

/** The whole treatment's check-ins, questionnaires and dosing sessions, drawn as charts. */
async function drawTrends(patientId, box) {
  const items = [];
  let cursor = null;
  try {
    for (let page = 0; page < MAX_HISTORY_PAGES; page += 1) {
      const answer = await call(
        `/patients/${patientId}/timeline${query({ since: TREATMENT_START, until: new Date().toISOString(), cursor, limit: 200 })}`,
      );
      items.push(...answer.items);
      cursor = answer.next_cursor;
      if (!cursor) break;
    }
  } catch (error) {
    box.className = "";
    box.replaceChildren(h("p", {}, failure(error, "The charts")));
    return;
  }
  const checkins = items.filter((item) => item.type === "checkin");
  const responses = items.filter((item) => item.type === "measure_response");
  const doses = items
    .filter((item) => item.type === "ketamine_session" && item.status !== "cancelled")
    .map((item) => Date.parse(item.at));
  const times = items.map((item) => Date.parse(item.at));
  const to = Date.now();
  const from = Math.min(to - 14 * DAY, ...times);
  const charts = checkins.length || responses.length ? await trendCharts({ checkins, responses, doses, from, to }) : null;
  box.className = "";
  if (!charts) {
    box.replaceChildren(h("p", { class: "empty" }, "No shared check-ins or questionnaires yet."));
    return;
  }
  box.replaceChildren(
    h("p", { class: "muted" }, `From ${formatDate(new Date(from).toISOString())} to today. ▼ marks a dosing session.`),
    ...charts,
  );
}
