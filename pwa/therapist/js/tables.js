// A table of the workspace in a box that scrolls sideways on its own when the
// table is wider than the window (zoomed in), with a caption for screen readers.

import { h } from "/js/dom.js";

/**
 * label names the box (focusable, so the keyboard scrolls it); headers are
 * column names or ready <th> cells (a sortable column's); body is the <tbody>.
 */
export function dataTable({ label, className, caption, headers, body }) {
  const cells = headers.map((cell) => (typeof cell === "string" ? h("th", { scope: "col" }, cell) : cell));
  return h(
    "div",
    { class: "table-wrap", tabindex: "0", role: "region", "aria-label": label },
    h("table", { class: className }, h("caption", { class: "visually-hidden" }, caption), h("thead", {}, h("tr", {}, cells)), body),
  );
}
