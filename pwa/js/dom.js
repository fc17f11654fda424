// Tiny DOM helpers. Text always goes in through textContent or text nodes,
// never innerHTML, so nothing a person wrote can become markup.

import { serverNow } from "./clock.js";

const SVG_NS = "http://www.w3.org/2000/svg";

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

function setAttrs(el, attrs) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value == null || value === false) continue;
    if (key === "class") el.setAttribute("class", value);
    else if (key === "text") el.textContent = value;
    else if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (key === "value" || key === "checked") el[key] = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
}

/** `h("p", {class: "x"}, "text", child)` makes an element. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

/** The same for SVG elements (charts are built with DOM APIs, not markup strings). */
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

let counter = 0;
/** A unique id for label/aria wiring. */
/** Each node `keyedChildren` drew, with its key: kept off the page, since a key may hold words. */
const drawnKeys = new WeakMap();

/**
 * Make `parent`'s children the nodes of `items`, in order. An item whose `keyOf`
 * is the same as when it was drawn keeps its node where it is, so whatever the
 * person has open or focused in it stays: only what changed is drawn again.
 */
export function keyedChildren(parent, items, keyOf, make) {
  const drawn = new Map([...parent.children].map((node) => [drawnKeys.get(node), node]));
  const wanted = items.map((item) => {
    const key = keyOf(item);
    const node = drawn.get(key) || make(item);
    drawnKeys.set(node, key);
    return node;
  });
  const keep = new Set(wanted);
  for (const node of [...parent.children]) if (!keep.has(node)) node.remove();
  wanted.forEach((node, index) => {
    if (parent.children[index] !== node) parent.insertBefore(node, parent.children[index] || null);
  });
}

/** An outbox item as it is drawn: a change to any of this draws it again. */
export const outboxKey = (item) => JSON.stringify([item.seq, item.state, item.problem, item.label, item.body]);

export function uid(prefix = "f") {
  counter += 1;
  return `${prefix}-${counter}`;
}

/** Time as ISO 8601 with this device's offset, e.g. 2025-03-01T21:04:00-05:00 (now: by the server's clock). */
export function isoLocal(date = serverNow()) {
  const pad = (n) => String(n).padStart(2, "0");
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  const abs = Math.abs(offset);
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}` +
    `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  );
}

const whenFormat = new Intl.DateTimeFormat(undefined, {
  weekday: "short",
  day: "numeric",
  month: "short",
  hour: "numeric",
  minute: "2-digit",
});
const dayFormat = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short" });

export function formatWhen(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "" : whenFormat.format(date);
}

export function formatDay(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "" : dayFormat.format(date);
}

/**
 * A table in a box that scrolls sideways on its own when the table is wider
 * than the screen (a phone zoomed to 200 %), so the page itself never does.
 * Focusable and named, so a keyboard can scroll it too.
 */
export function scrollingTable(label, table) {
  return h("div", { class: "table-scroll", role: "region", "aria-label": label, tabindex: "0" }, table);
}

/**
 * `<div class="field">`: a <label for> the control, the hint it is described by
 * (when there is one), and the control. Both apps' forms are built of these.
 */
export function field(label, control, hint = null) {
  if (!control.id) control.id = uid("field");
  const hintId = hint ? `${control.id}-hint` : null;
  if (hintId) control.setAttribute("aria-describedby", hintId);
  return h(
    "div",
    { class: "field" },
    h("label", { for: control.id }, label),
    hint ? h("span", { class: "hint", id: hintId }, hint) : null,
    control,
  );
}

/** A <time> element showing a readable local time. */
export function timeEl(iso) {
  return h("time", { datetime: iso }, formatWhen(iso));
}

/** A card: a <section> named by its own <h2> (`id` is the heading's). */
export function titledCard(id, title, ...children) {
  return h("section", { class: "card", "aria-labelledby": id }, h("h2", { id }, title), ...children);
}

/** An item of a list as a card: when it was written and a badge ("Shared", "Waiting to send"), then the rest. */
export function listCard(label, when, badge, ...children) {
  const header = h("p", { class: "meta" }, timeEl(when), " ", badge);
  return h("li", {}, h("article", { class: "card", "aria-label": label }, header, ...children));
}

/** Field errors from a problem+json answer, rendered under a form. */
export function problemMessages(problem) {
  const lines = [];
  if (problem?.detail) lines.push(problem.detail);
  for (const [field, messages] of Object.entries(problem?.errors || {})) {
    for (const message of messages) lines.push(`${field.replaceAll("_", " ")}: ${message}`);
  }
  return lines;
}

/** Say what a form still needs, in its message area, and take the person to that control. */
export function askFor(message, text, control = null) {
  message.replaceChildren(h("p", { class: "attention" }, text));
  control?.focus();
}

/** A one-time message for the next screen ("Saved."); never health data. */
export const flash = { message: null };

export function takeFlash() {
  const message = flash.message;
  flash.message = null;
  return message;
}
