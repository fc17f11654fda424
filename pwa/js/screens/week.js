// My week in brief: the range my mood moved in, the feelings and tags I
// noted most, what I wrote about and which questionnaires I answered. Gentle by
// design: no streaks, no counts of days missed, nothing to catch up on.

import { listAll, unavailable } from "../api.js";
import { formatDay, h } from "../dom.js";
import { INSTRUMENTS } from "../prompts.js";

const DAY = 86400000;
const SHOWN = 3; // entries whose opening words the week shows

/** The first line of a text, cut after about 60 characters at a space. */
function opening(text) {
  const first = (text || "").trim().split("\n")[0];
  if (first.length <= 60) return first;
  const cut = first.slice(0, 60);
  return `${cut.slice(0, cut.lastIndexOf(" ") > 30 ? cut.lastIndexOf(" ") : 60)}…`;
}

/** The `top` most frequent words of `lists`, most frequent first. */
function mostNoted(lists, top = 3) {
  const counts = new Map();
  for (const words of lists) for (const word of words || []) counts.set(word, (counts.get(word) || 0) + 1);
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, top)
    .map(([word]) => word);
}

function line(term, text) {
  return h("div", { class: "summary-line" }, h("dt", {}, term), h("dd", {}, text));
}

export async function render(main) {
  const to = Date.now();
  const from = to - 7 * DAY;
  main.append(
    h("h1", {}, "My week"),
    h("p", { class: "muted" }, `${formatDay(new Date(from).toISOString())} to ${formatDay(new Date(to).toISOString())}`),
  );
  const since = encodeURIComponent(new Date(from).toISOString());
  let checkins;
  let entries;
  let responses;
  try {
    [checkins, entries, responses] = await Promise.all([
      listAll(`/checkins?since=${since}`, { limit: 200 }),
      listAll(`/entries?since=${since}`, { limit: 200 }),
      listAll("/measures/responses", { limit: 50 }),
    ]);
  } catch (error) {
    main.append(h("p", {}, unavailable(error, "your week")));
    return;
  }
  const moods = checkins.map((item) => item.mood).filter((mood) => typeof mood === "number");
  const answered = responses.filter((item) => Date.parse(item.completed_at || item.created_at) >= from);
  const lines = [];
  if (moods.length) {
    const low = Math.min(...moods);
    const high = Math.max(...moods);
    lines.push(line("Mood", low === high ? `${low} of 10` : `between ${low} and ${high} of 10`));
  }
  const feelings = mostNoted(checkins.map((item) => item.emotions));
  if (feelings.length) lines.push(line("Feelings you noted most", feelings.join(", ")));
  const tags = mostNoted(checkins.map((item) => item.tags));
  if (tags.length) lines.push(line("Your tags", tags.join(", ")));
  if (entries.length) {
    const count = entries.length === 1 ? "1 journal entry" : `${entries.length} journal entries`;
    // What they were about, in the patient's own first words (newest first).
    const about = entries.slice(0, SHOWN).map((entry) => h("li", {}, opening(entry.body)));
    const rest = entries.length - SHOWN;
    if (rest > 0) about.push(h("li", { class: "muted" }, rest === 1 ? "and 1 more" : `and ${rest} more`));
    lines.push(line("You wrote", [count, h("ul", { class: "openings" }, about)]));
  }
  if (answered.length) {
    const names = [...new Set(answered.map((item) => INSTRUMENTS[item.instrument]?.name || item.instrument))];
    lines.push(line("Questionnaires", names.join(", ")));
  }
  if (!lines.length) {
    main.append(h("p", {}, "A quiet week here. Whenever you want to, a check-in takes a moment."));
  } else {
    main.append(h("dl", { class: "card summary" }, lines));
  }
  main.append(
    h("p", { class: "muted" }, "Only you see this page. However the week went, it counts."),
    h("p", {}, h("a", { href: "#/trend" }, "See my trend")),
  );
}
