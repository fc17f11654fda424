// My check-ins, newest first, with their scales, feelings, tags and notes; or one
// day's, when opened from the trend chart (#/checkins/day/2026-12-01).

import { unavailable } from "../api.js";
import { formatDay, h, listCard } from "../dom.js";
import { pagedList, pagePath } from "../paged-list.js";

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
  return listCard(
    "Check-in",
    item.recorded_at,
    h("span", { class: "badge" }, item.shared ? "Shared" : "Private"),
    h("p", {}, scales.join(" · ")),
    item.emotions?.length ? h("p", { class: "meta" }, `Feeling: ${item.emotions.join(", ")}`) : null,
    item.tags?.length ? h("p", { class: "meta" }, `My tags: ${item.tags.join(", ")}`) : null,
    item.note ? h("p", { class: "entry-body" }, item.note) : null,
  );
}

export async function render(main, { params }) {
  const day = params.day;
  const heading = day ? `Check-ins on ${formatDay(`${day}T12:00:00`)}` : "My check-ins";
  main.append(
    h("h1", {}, heading),
    h("p", {}, h("a", { href: day ? "#/trend" : "#/journal" }, day ? "Back to my trend" : "Back to my journal")),
  );
  let query = "";
  if (day) {
    const [since, until] = dayBounds(day);
    query = `since=${encodeURIComponent(since)}&until=${encodeURIComponent(until)}`;
  }
  const { list, note, more, load } = pagedList({
    path: (cursor) => pagePath("/checkins", cursor, query),
    card,
    label: "Check-ins",
    empty: day ? "No check-ins that day." : "No check-ins yet.",
    older: "Show older check-ins",
    unavailable: (error) => unavailable(error, "your check-ins"),
    // A day's list is not the last 30 days: nothing of it is kept.
    offline: day
      ? null
      : {
          name: "checkins",
          when: (item) => item.recorded_at,
          note: "You're offline: these are your check-ins of the last 30 days, kept on this phone.",
        },
  });
  main.append(list, note, more);
  await load();
}
