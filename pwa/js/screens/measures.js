import { api, unavailable } from "../api.js";
import { formatWhen, h, scrollingTable } from "../dom.js";
import { pending } from "../outbox.js";
import { INSTRUMENTS, dueWithReasons } from "../prompts.js";

export async function render(main) {
  main.append(
    h("h1", {}, "Check-ups"),
    h(
      "p",
      {},
      "Short questionnaires your therapist uses to see how things change over time. Answer as it has really been — there are no right answers.",
    ),
  );
  let due = [];
  const why = {};
  try {
    for (const item of await dueWithReasons()) {
      due.push(item.id);
      why[item.id] = item.why;
    }
  } catch {
    // Offline: every questionnaire can still be filled in.
  }
  main.append(
    h(
      "ul",
      { class: "list" },
      Object.entries(INSTRUMENTS).map(([id, info]) =>
        h(
          "li",
          { class: "card" },
          h("h2", {}, info.name, due.includes(id) ? [" ", h("span", { class: "badge" }, "Due")] : null),
          h("p", { class: "muted" }, `${info.about} · ${info.items} questions`),
          why[id] ? h("p", {}, `Due: ${why[id]}`) : null,
          h("a", { href: `#/measures/${id}`, class: due.includes(id) ? "button primary" : "button" }, `Start ${info.name}`),
        ),
      ),
    ),
  );
  const history = h("section", { "aria-labelledby": "history-title" }, h("h2", { id: "history-title" }, "My answers"));
  main.append(history);
  const waiting = (await pending("measure")).filter((item) => item.op === "create");
  if (waiting.length) {
    history.append(
      h(
        "p",
        { class: "notice" },
        `${waiting.length} waiting to send; the score appears once it reaches the server.`,
      ),
    );
  }
  try {
    const answer = await api("/measures/responses");
    const items = Array.isArray(answer) ? answer : answer?.items || [];
    if (!items.length) history.append(h("p", { class: "muted" }, "No answers yet."));
    else {
      history.append(
        scrollingTable(
          "My answers, table of scores",
          h(
          "table",
          {},
          h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "When"), h("th", { scope: "col" }, "Check-up"), h("th", { scope: "col" }, "Score"))),
          h(
            "tbody",
            {},
            items.map((item) =>
              h(
                "tr",
                {},
                h("td", {}, formatWhen(item.completed_at || item.created_at)),
                h("td", {}, INSTRUMENTS[item.instrument]?.name || item.instrument),
                h("td", {}, `${item.total}${item.severity ? ` (${item.severity})` : ""}`),
              ),
            ),
          ),
          ),
        ),
      );
    }
  } catch (error) {
    history.append(
      h("p", { class: "muted" }, unavailable(error, "your earlier answers")),
    );
  }
}
