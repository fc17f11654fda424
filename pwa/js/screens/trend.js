import { listAll, unavailable } from "../api.js";
import { formatDay, formatWhen, h, s, scrollingTable, uid } from "../dom.js";
import { INSTRUMENTS } from "../prompts.js";

const DAY = 86400000;
const W = 340;
const H = 170;
const PAD = { left: 30, right: 10, top: 16, bottom: 26 };

function sessionTime(item) {
  return item.scheduled_at || item.starts_at || item.start_at || item.at || item.date;
}

function chart({ title, points, doses, from, to, max, unit, summary }) {
  const titleId = uid("t");
  const descId = uid("d");
  const x = (time) => PAD.left + ((time - from) / (to - from)) * (W - PAD.left - PAD.right);
  const y = (value) => H - PAD.bottom - (value / max) * (H - PAD.top - PAD.bottom);
  const svg = s(
    "svg",
    { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "aria-labelledby": `${titleId} ${descId}` },
    s("title", { id: titleId }, title),
    s("desc", { id: descId }, summary),
  );
  for (const tick of [0, max / 2, max]) {
    svg.append(
      s("line", { class: "grid", x1: PAD.left, x2: W - PAD.right, y1: y(tick), y2: y(tick) }),
      s("text", { class: "label", x: PAD.left - 6, y: y(tick) + 3, "text-anchor": "end" }, String(Math.round(tick))),
    );
  }
  svg.append(
    s("line", { class: "axis", x1: PAD.left, x2: W - PAD.right, y1: H - PAD.bottom, y2: H - PAD.bottom }),
    s("text", { class: "label", x: PAD.left, y: H - 8 }, formatDay(new Date(from).toISOString())),
    s("text", { class: "label", x: W - PAD.right, y: H - 8, "text-anchor": "end" }, formatDay(new Date(to).toISOString())),
  );
  for (const dose of doses) {
    const at = x(dose);
    svg.append(
      s("line", { class: "dose", x1: at, x2: at, y1: PAD.top - 6, y2: H - PAD.bottom }),
      s("path", { class: "dose-mark", d: `M${at - 5} ${PAD.top - 12} h10 l-5 7 z` }),
    );
  }
  if (points.length) {
    svg.append(
      s("polyline", { class: "line", points: points.map(([time, value]) => `${x(time)},${y(value)}`).join(" ") }),
      ...points.map(([time, value]) => s("circle", { class: "dot", cx: x(time), cy: y(value), r: 3 })),
    );
  }
  svg.dataset.unit = unit;
  return svg;
}

function table(caption, rows, headers) {
  return h(
    "details",
    {},
    h("summary", {}, `${caption} as a table`),
    scrollingTable(
      `${caption} as a table`,
      h(
        "table",
        {},
        h("thead", {}, h("tr", {}, headers.map((header) => h("th", { scope: "col" }, header)))),
        h("tbody", {}, rows.map((row) => h("tr", {}, row.map((cell) => h("td", {}, cell))))),
      ),
    ),
  );
}

/** The local calendar day of a time, as YYYY-MM-DD (the check-ins screen's day). */
function dayKey(time) {
  const date = new Date(time);
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** A tap on the chart opens the day of the nearest check-in (the table links each day too). */
function openDayOnTap(svg, points, from, to) {
  svg.classList.add("tappable");
  svg.addEventListener("click", (event) => {
    if (!points.length) return;
    const box = svg.getBoundingClientRect();
    const along = ((event.clientX - box.left) / box.width) * W;
    const time = from + ((along - PAD.left) / (W - PAD.left - PAD.right)) * (to - from);
    let nearest = points[0];
    for (const point of points) if (Math.abs(point[0] - time) < Math.abs(nearest[0] - time)) nearest = point;
    location.hash = `#/checkins/day/${dayKey(nearest[0])}`;
  });
}

/** "1 check-in", "3 check-ins". */
function count(n, noun) {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

export async function render(main) {
  main.append(
    h("h1", {}, "My trend"),
    h("p", {}, "How your mood and check-ups have moved, with your dosing sessions marked ▼."),
    h("p", {}, h("a", { href: "#/week" }, "My week in brief")),
  );
  const controls = h("div", { class: "actions", role: "group", "aria-label": "Time range" });
  const body = h("div", { class: "loading" }, "Drawing your trend…");
  main.append(controls, body);
  const ranges = [30, 90];
  let days = 30;
  const buttons = ranges.map((n) =>
    h("button", { type: "button", "aria-pressed": String(n === days), onclick: () => choose(n) }, `${n} days`),
  );
  controls.append(...buttons);
  const choose = (n) => {
    days = n;
    buttons.forEach((button, index) => button.setAttribute("aria-pressed", String(ranges[index] === n)));
    draw();
  };

  // Each drawing is numbered: one overtaken by another (a range chosen while
  // the last was loading) is set aside, never drawn over the newer range.
  let drawings = 0;
  const draw = async () => {
    const drawing = ++drawings;
    const shown = days;
    const to = Date.now();
    const from = to - shown * DAY;
    let checkins;
    let responses;
    let sessions;
    try {
      [checkins, responses, sessions] = await Promise.all([
        listAll(`/checkins?since=${encodeURIComponent(new Date(from).toISOString())}&limit=200`),
        listAll("/measures/responses?limit=200"),
        listAll(`/ketamine-sessions?since=${encodeURIComponent(new Date(from).toISOString())}&limit=200`).catch(
          () => [],
        ),
      ]);
    } catch (error) {
      if (drawing !== drawings) return;
      body.classList.remove("loading");
      body.replaceChildren(
        h("p", {}, unavailable(error, "your trend")),
      );
      return;
    }
    if (drawing !== drawings) return;
    body.classList.remove("loading");
    const doses = sessions
      .filter((item) => item.status !== "cancelled")
      .map((item) => Date.parse(sessionTime(item)))
      .filter((time) => time >= from && time <= to);
    const moods = checkins
      .map((item) => [Date.parse(item.recorded_at), item.mood])
      .filter(([time, mood]) => time >= from && typeof mood === "number")
      .sort((a, b) => a[0] - b[0]);
    const average = moods.length ? moods.reduce((sum, [, mood]) => sum + mood, 0) / moods.length : null;
    const moodSummary = moods.length
      ? `${count(moods.length, "check-in")} in the last ${shown} days; average mood ${average.toFixed(1)} of 10, latest ${moods.at(-1)[1]}. ${count(doses.length, "dosing session")}.`
      : `No check-ins in the last ${shown} days.`;
    const moodChart = chart({ title: `Mood, last ${shown} days`, points: moods, doses, from, to, max: 10, unit: "mood", summary: moodSummary });
    openDayOnTap(moodChart, moods, from, to);
    const parts = [
      h("h2", {}, "Mood"),
      moodChart,
      h("p", { class: "muted" }, moodSummary, moods.length ? " Tap a day on the chart to see its check-ins." : ""),
      table(
        "Mood",
        moods.map(([time, mood]) => [
          h("a", { href: `#/checkins/day/${dayKey(time)}` }, formatWhen(new Date(time).toISOString())),
          String(mood),
        ]),
        ["When", "Mood (0–10)"],
      ),
    ];
    for (const [id, info] of Object.entries(INSTRUMENTS)) {
      const mine = responses
        .filter((item) => item.instrument === id && typeof item.total === "number")
        .map((item) => [Date.parse(item.completed_at || item.created_at), item.total, item.severity])
        .filter(([time]) => time >= from)
        .sort((a, b) => a[0] - b[0]);
      if (!mine.length) continue;
      const max = { phq9: 27, gad7: 21, pcl5: 80 }[id];
      const summary = `${count(mine.length, "answer")}; latest score ${mine.at(-1)[1]} of ${max}. Lower is better.`;
      parts.push(
        h("h2", {}, info.name),
        chart({ title: `${info.name} score, last ${shown} days`, points: mine.map(([t, v]) => [t, v]), doses, from, to, max, unit: id, summary }),
        h("p", { class: "muted" }, summary),
        table(info.name, mine.map(([time, total, severity]) => [formatWhen(new Date(time).toISOString()), `${total}${severity ? ` (${severity})` : ""}`]), ["When", "Score"]),
      );
    }
    if (doses.length) {
      parts.push(
        h("h2", {}, "Dosing sessions"),
        h("ul", {}, doses.map((time) => h("li", {}, formatWhen(new Date(time).toISOString())))),
      );
    }
    body.replaceChildren(...parts);
  };
  await draw();
}
