import { api, unavailable } from "../api.js";
import { companion, sessionDetails, whenInMyZone } from "../companion.js";
import { h } from "../dom.js";
import { submit } from "../outbox.js";

export async function render(main, { params }) {
  const id = params.sessionId;
  main.append(h("h1", {}, "Getting ready"));
  let items = null;
  let problem = null;
  try {
    items = (await api(`/ketamine-sessions/${id}/checklist`)).items;
  } catch (error) {
    problem = error;
    const { summary } = await companion();
    if (summary?.next_dosing?.id === id) items = summary.checklist;
  }
  const { summary } = await companion();
  const session = summary?.upcoming?.find((each) => each.id === id);
  if (session) {
    main.append(
      h("p", {}, "For your dosing session on ", h("time", { datetime: session.scheduled_at }, whenInMyZone(session.scheduled_at)), "."),
      h("p", { class: "meta" }, sessionDetails(session)),
    );
  }
  if (!items) {
    main.append(h("p", { class: "muted" }, unavailable(problem, "this checklist")));
    return;
  }
  const status = h("p", { role: "status", class: "muted" });
  const count = () => {
    const done = main.querySelectorAll('input[type="checkbox"]:checked').length;
    status.textContent = `${done} of ${items.length} done. Your care team sees what is still open.`;
  };
  main.append(
    h("p", {}, "Tick each one when it is in place. You can come back to this any time before the session."),
    h(
      "fieldset",
      {},
      h("legend", {}, "Before the session"),
      items.map((item) => {
        const box = h("input", { type: "checkbox", name: item.key, checked: item.done || null });
        box.addEventListener("change", async () => {
          count();
          const result = await submit({
            kind: "checklist",
            op: "update",
            id: `${id}:${item.key}`,
            method: "PUT",
            path: `/ketamine-sessions/${id}/checklist`,
            body: { item: item.key, done: box.checked },
            label: "Checklist tick",
          });
          if (result.state === "waiting") status.textContent += " Saved on this phone; it will be sent when you're back online.";
        });
        return h("label", { class: "check" }, box, h("span", {}, item.text));
      }),
    ),
    status,
    h("p", {}, h("a", { href: `#/intention/${id}` }, "Set an intention for this session")),
  );
  count();
}
