// A list read from the server a page at a time: the newest first, older ones
// on request ("Show older …"). The journal, check-ins and sharing screens use it.

import { OfflineError, api } from "./api.js";
import { h } from "./dom.js";
import { keepRecent, recent } from "./recent.js";

/**
 * path(cursor): the page's API path; card(item): its <li>.
 * empty: the note when there is nothing; older: the button's words.
 * unavailable(error): the note when the server cannot be read.
 * itemsOf(page): the page's items (default: page.items).
 * offline: {name, when, note} keeps the first page on this phone (recent.js)
 *   and shows it, with that note, when the phone is offline.
 * Returns the list, its note and its button row (a screen may show other items
 * in them, e.g. search results), load(): the first page again, and claim():
 * for what a screen draws in the list itself (see there).
 */
export function pagedList({
  path,
  card,
  empty,
  older,
  unavailable,
  offline = null,
  label = null,
  itemsOf = (page) => page?.items || [],
}) {
  const list = h("ul", { class: "list", "aria-label": label });
  const note = h("p", { class: "muted" });
  const more = h("div", { class: "actions" });
  // Each load is numbered: one overtaken by another (a second tap on "Show
  // older", a search answered first) is set aside, so nothing shows twice and
  // an older answer never lands in a newer list.
  let loads = 0;
  /**
   * `const mine = claim()` before asking, `mine()` once answered: false when a
   * load began meanwhile (draw nothing); true, and any load still on its way
   * is set aside, so the screen's own results stay.
   */
  const claim = () => {
    const asked = loads;
    return () => {
      if (loads !== asked) return false;
      loads += 1;
      return true;
    };
  };
  const load = async (cursor = null) => {
    const mine = ++loads;
    if (!cursor) list.replaceChildren();
    let page;
    try {
      page = await api(path(cursor));
    } catch (error) {
      if (mine !== loads) return;
      const kept = !cursor && offline && error instanceof OfflineError ? await recent(offline.name) : [];
      list.append(...kept.map(card));
      note.textContent = kept.length ? offline.note : unavailable(error);
      return;
    }
    if (mine !== loads) return;
    const items = itemsOf(page);
    if (!cursor && offline) keepRecent(offline.name, items, offline.when);
    note.textContent = !cursor && !items.length ? empty : "";
    list.append(...items.map(card));
    more.replaceChildren();
    if (page?.next_cursor) {
      more.append(h("button", { type: "button", onclick: () => load(page.next_cursor) }, older));
    }
  };
  return { list, note, more, load, claim };
}

/** `path?query&cursor=…`: a page of a list, the first without a cursor. */
export function pagePath(path, cursor, query = "") {
  const parts = [query, cursor ? `cursor=${encodeURIComponent(cursor)}` : ""].filter(Boolean);
  return parts.length ? `${path}?${parts.join("&")}` : path;
}
