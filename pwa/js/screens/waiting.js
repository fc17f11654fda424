import { flush, discard, events, pending, sentSinceStart } from "../outbox.js";
import { h, keyedChildren, outboxKey, problemMessages, timeEl } from "../dom.js";
import { confirmButton } from "./journal.js";

const EDIT = {
  entry: (item) => (item.op === "create" ? `#/journal/${item.id}/edit` : null),
};

export async function render(main) {
  main.append(
    h("h1", {}, "Waiting to send"),
    h("p", {}, "What you wrote is kept on this phone until the server has it. Nothing here is lost when you close the app."),
  );
  const list = h("ul", { class: "list" });
  const retry = h("button", { type: "button", onclick: () => flush() }, "Try sending now");
  main.append(list, h("div", { class: "actions" }, retry));
  const show = async () => {
    const items = await pending();
    const sentHere = sentSinceStart();
    // "Try sending now" only when something waits; "sent" only when something was.
    retry.hidden = !items.length;
    if (!items.length) {
      list.replaceChildren(h("li", { class: "notice" }, sentHere ? "Everything you wrote has been sent." : "Nothing is waiting to send."));
      return;
    }
    // Another item sent meanwhile leaves this one's open "Discard this?" as it is.
    keyedChildren(list, items, outboxKey, (item) => {
      const edit = EDIT[item.kind]?.(item);
      return h(
        "li",
        { class: "card" },
        h("p", {}, h("strong", {}, item.label || "Something you wrote"), " ", h("span", { class: "meta" }, "saved ", timeEl(item.created_at))),
        item.state === "held"
          ? h(
              "div",
              { class: "attention" },
              h("p", {}, "The server could not accept this:"),
              h("ul", {}, problemMessages(item.problem).map((line) => h("li", {}, line))),
            )
          : h("p", { class: "badge waiting" }, "Waiting to send"),
        h(
          "div",
          { class: "actions" },
          edit ? h("a", { class: "button", href: edit }, "Edit") : null,
          confirmButton("Discard", "Discard this? It has not reached the server.", () => discard(item.seq)),
        ),
      );
    });
  };
  await show();
  events.addEventListener("change", show);
  return () => events.removeEventListener("change", show);
}
