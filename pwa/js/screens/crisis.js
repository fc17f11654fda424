import { h } from "../dom.js";
import { cachedResources, freshResources, resourceList } from "../crisis-data.js";
import { session } from "../session.js";

export async function render(main) {
  const list = h("div", {});
  main.append(
    h("h1", {}, "Need help now?"),
    h(
      "p",
      {},
      "If you are struggling, thinking about hurting yourself, or feel unsafe, you don't have to get through this alone. Reach out now — someone will listen.",
    ),
    list,
    h(
      "section",
      { class: "card", "aria-labelledby": "steady-title" },
      h("h2", { id: "steady-title" }, "While you reach out"),
      h(
        "ul",
        {},
        h("li", {}, "Breathe out slowly, a little longer than you breathe in."),
        h("li", {}, "Feel your feet on the floor. Name five things you can see."),
        h("li", {}, "Stay near someone you trust, or call them."),
      ),
    ),
  );
  list.replaceChildren(resourceList(await cachedResources(), h));
  if (session.me && navigator.onLine) {
    try {
      list.replaceChildren(resourceList(await freshResources(), h));
    } catch {
      // Offline or not available: the kept list stays.
    }
  }
}
