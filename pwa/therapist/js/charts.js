// Charts drawn with DOM APIs (no markup strings, no library): the caseload's
// 14-day mood sparkline and the trend charts of the patient view and brief.
// Every chart is an <svg role="img"> with a title and a one-line summary, and
// the trend charts come with their data as a table for screen readers.

import { h, s, uid } from "/js/dom.js";
import { formatShortDate } from "./format.js";

/** A 14-day mood sparkline (0–10, null on days without a check-in); `latest` is the newest
 * check-in's mood as recorded (a day's point is its mean). */
export function sparkline(values, name, latest = null) {
  const days = values.length;
  const known = values.map((value, index) => [index, value]).filter(([, value]) => value != null);
  if (!known.length) return h("span", { class: "muted" }, "No check-ins");
  const W = 112;
  const H = 28;
  const x = (index) => 3 + (index / Math.max(1, days - 1)) * (W - 6);
  const y = (value) => H - 3 - (value / 10) * (H - 6);
  const average = known.reduce((sum, [, value]) => sum + value, 0) / known.length;
  const label =
    `${name}: mood on ${known.length} of the last ${days} days, ` +
    `average ${average.toFixed(1)}` +
    (latest == null ? "" : `, latest check-in ${latest} of 10`);
  const svg = s(
    "svg",
    { class: "spark", viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "img", "aria-label": label },
    s("line", { class: "mid", x1: 0, x2: W, y1: y(5), y2: y(5) }),
  );
  // Lines join consecutive days only: a gap without check-ins stays a gap.
  let run = [];
  const flush = () => {
    if (run.length > 1) svg.append(s("polyline", { class: "line", points: run.join(" ") }));
    run = [];
  };
  values.forEach((value, index) => {
    if (value == null) flush();
    else run.push(`${x(index).toFixed(1)},${y(value).toFixed(1)}`);
  });
  flush();
  for (const [index, value] of known) {
    svg.append(s("circle", { class: index === known.at(-1)[0] ? "dot last" : "dot", cx: x(index), cy: y(value), r: 1.8 }));
  }
  return svg;
}

const W = 720;
const PAD = { left: 34, right: 118, top: 22, bottom: 28 };

/**
 * A trend over time.
 * points: [{t, v, marks: ["response", "remission"]}]; bands: [{min, max, label}];
 * threshold: {value, label}; doses: [t]; from/to: times; max: the scale's top.
 */
export function trendChart({ title, summary, points, from, to, max, bands = [], threshold = null, doses = [], height = 200 }) {
  const H = height;
  const titleId = uid("chart-title");
  const descId = uid("chart-desc");
  const span = Math.max(1, to - from);
  const x = (time) => PAD.left + ((time - from) / span) * (W - PAD.left - PAD.right);
  const y = (value) => H - PAD.bottom - (value / max) * (H - PAD.top - PAD.bottom);
  const svg = s(
    "svg",
    { class: "trend", viewBox: `0 0 ${W} ${H}`, role: "img", "aria-labelledby": `${titleId} ${descId}` },
    s("title", { id: titleId }, title),
    s("desc", { id: descId }, summary),
  );
  bands.forEach((band, index) => {
    const top = y(Math.min(max, band.max + (index === bands.length - 1 ? 0 : 0.5)));
    const bottom = y(Math.max(0, band.min - (index === 0 ? 0 : 0.5)));
    svg.append(
      s("rect", { class: `band band-${index}`, x: PAD.left, width: W - PAD.left - PAD.right, y: top, height: bottom - top }),
      s("text", { class: "band-label", x: W - PAD.right + 6, y: (top + bottom) / 2 + 4 }, band.label),
    );
  });
  for (const tick of [0, max / 2, max]) {
    svg.append(
      s("line", { class: "grid", x1: PAD.left, x2: W - PAD.right, y1: y(tick), y2: y(tick) }),
      s("text", { class: "tick", x: PAD.left - 6, y: y(tick) + 4, "text-anchor": "end" }, String(Math.round(tick))),
    );
  }
  if (threshold) {
    svg.append(
      s("line", { class: "threshold", x1: PAD.left, x2: W - PAD.right, y1: y(threshold.value), y2: y(threshold.value) }),
      s("text", { class: "band-label", x: W - PAD.right + 6, y: y(threshold.value) + 4 }, threshold.label),
    );
  }
  svg.append(
    s("line", { class: "axis", x1: PAD.left, x2: W - PAD.right, y1: H - PAD.bottom, y2: H - PAD.bottom }),
    s("text", { class: "tick", x: PAD.left, y: H - 8 }, formatShortDate(from)),
    s("text", { class: "tick", x: W - PAD.right, y: H - 8, "text-anchor": "end" }, formatShortDate(to)),
  );
  for (const dose of doses) {
    if (dose < from || dose > to) continue;
    const at = x(dose);
    svg.append(
      s("line", { class: "dose", x1: at, x2: at, y1: PAD.top - 4, y2: H - PAD.bottom }),
      s("path", { class: "dose-mark", d: `M${at - 5} ${PAD.top - 14} h10 l-5 8 z` }),
    );
  }
  const inside = points.filter((point) => point.t >= from && point.t <= to).sort((a, b) => a.t - b.t);
  if (inside.length > 1) {
    svg.append(s("polyline", { class: "line", points: inside.map((p) => `${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(" ") }));
  }
  for (const point of inside) {
    const cx = x(point.t);
    const cy = y(point.v);
    svg.append(s("circle", { class: "dot", cx, cy, r: 3 }));
    if (point.marks?.includes("remission")) {
      svg.append(s("circle", { class: "mark remission", cx, cy, r: 7 }));
    } else if (point.marks?.includes("response")) {
      svg.append(s("path", { class: "mark response", d: `M${cx} ${cy - 8} l8 8 l-8 8 l-8 -8 z` }));
    }
  }
  return svg;
}

/** The chart's legend: what each mark means, in words (never colour alone). */
export function legend(items) {
  return h(
    "ul",
    { class: "legend" },
    items.map(([kind, text]) => h("li", {}, h("span", { class: `key key-${kind}`, "aria-hidden": "true" }), text)),
  );
}

/** The chart's data as a table, folded away. */
export function dataTable(caption, headers, rows) {
  return h(
    "details",
    { class: "data-table" },
    h("summary", {}, `${caption} as a table`),
    h(
      "table",
      {},
      h("caption", { class: "visually-hidden" }, caption),
      h("thead", {}, h("tr", {}, headers.map((header) => h("th", { scope: "col" }, header)))),
      h("tbody", {}, rows.map((row) => h("tr", {}, row.map((cell) => h("td", {}, cell))))),
    ),
  );
}

