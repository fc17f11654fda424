// My check-ins, newest first, with their scales, feelings and notes; or one
// day's, when opened from the trend chart (#/checkins/day/2026-12-01).

import { OfflineError, api, unavailable } from "../api.js";
import { keepRecent, recent } from "../recent.js";
import { formatDay, h, timeEl } from "../dom.js";

const SCALES = [
  ["mood", "Mood"],
  ["anxiety", "Anxiety"],
  ["energy", "Energy"],
  ["sleep_quality", "Sleep"],
];

/** Local midnight of a YYYY-MM-DD day, and of the next, as ISO times. */
function dayBounds(day) {
  const [year, month, date] = day.split("-").map(Number);
  const start = new Date(year, month - 1, date);
  const end = new Date(year, month - 1, date + 1);
  return [start.toISOString(), end.toISOString()];
}

function card(item) {
  const scales = SCALES.filter(([key]) => typeof item[key] === "number").map(
    ([key, name]) => `${name} ${item[key]} of 10`,
  );
  return h(
    "li",
    {},
    h(
      "article",
      { class: "card", "aria-label": "Check-in" },
      h(
        "p",
        { class: "meta" },
        timeEl(item.recorded_at),
        " ",
        h("span", { class: "badge" }, item.shared ? "Shared" : "Private"),
      ),
      h("p", {}, scales.join(" · ")),
      item.emotions?.length ? h("p", { class: "meta" }, `Feeling: ${item.emotions.join(", ")}`) : null,
      item.note ? h("p", { class: "entry-body" }, item.note) : null,
    ),
  );
}

export async function render(main, { params }) {
  const day = params.day;
  const heading = day ? `Check-ins on ${formatDay(`${day}T12:00:00`)}` : "My check-ins";
  main.append(
    h("h1", {}, heading),
    h("p", {}, h("a", { href: day ? "#/trend" : "#/journal" }, day ? "Back to my trend" : "Back to my journal")),
  );
  const list = h("ul", { class: "list", "aria-label": "Check-ins" });
  const note = h("p", { class: "muted" });
  const more = h("div", { class: "actions" });
  main.append(list, note, more);
  let query = "";
  if (day) {
    const [since, until] = dayBounds(day);
    query = `since=${encodeURIComponent(since)}&until=${encodeURIComponent(until)}`;
  }
  const load = async (cursor) => {
    const parts = [query, cursor ? `cursor=${encodeURIComponent(cursor)}` : ""].filter(Boolean);
    let page;
    try {
      page = await api(`/checkins${parts.length ? `?${parts.join("&")}` : ""}`);
    } catch (error) {
      const kept = !cursor && !day && error instanceof OfflineError ? await recent("checkins") : [];
      list.append(...kept.map(card));
      note.textContent = kept.length
        ? "You're offline: these are your check-ins of the last 30 days, kept on this phone."
        : unavailable(error, "your check-ins");
      return;
    }
    const items = page?.items || [];
    if (!cursor && !day) keepRecent("checkins", items, (item) => item.recorded_at);
    note.textContent = !cursor && !items.length ? (day ? "No check-ins that day." : "No check-ins yet.") : "";
    list.append(...items.map(card));
    more.replaceChildren();
    if (page?.next_cursor) {
      more.append(h("button", { type: "button", onclick: () => load(page.next_cursor) }, "Show older check-ins"));
    }
  };
  await load(null);
}
