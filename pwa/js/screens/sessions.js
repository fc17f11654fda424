import { unavailable } from "../api.js";
import { companion, sessionDetails, sessionTitle, whenInMyZone } from "../companion.js";
import { h } from "../dom.js";

export async function render(main) {
  main.append(h("h1", {}, "Sessions ahead"));
  const { summary, offline, error } = await companion();
  if (!summary) {
    main.append(h("p", { class: "muted" }, unavailable(error, "your sessions ahead")));
    return;
  }
  if (offline) main.append(h("p", { class: "notice" }, "Saved on this phone; it may have changed since."));
  if (!summary.upcoming.length) {
    main.append(h("p", { class: "muted" }, "No sessions are booked yet. Your clinic will add them."));
    return;
  }
  main.append(
    h(
      "ul",
      { class: "list", "aria-label": "Sessions ahead" },
      summary.upcoming.map((item) =>
        h(
          "li",
          {},
          h(
            "article",
            { class: "card", "aria-label": sessionTitle(item) },
            h("h2", {}, sessionTitle(item)),
            h("p", {}, h("time", { datetime: item.scheduled_at }, whenInMyZone(item.scheduled_at))),
            h("p", { class: "meta" }, sessionDetails(item)),
            item.kind === "dosing"
              ? h(
                  "div",
                  { class: "actions" },
                  h("a", { href: `#/checklist/${item.id}`, class: "button" }, "Checklist"),
                  h("a", { href: `#/intention/${item.id}`, class: "button quiet" }, "Intention"),
                )
              : null,
          ),
        ),
      ),
    ),
  );
}
