// A patient's safety plan, read-only, while they share it. The patient writes
// and edits it on their phone (ideally together in a session).

import { h } from "/js/dom.js";
import { call, failure } from "../client.js";
import { formatWhen } from "../format.js";

const SECTIONS = [
  ["warning_signs", "Their warning signs"],
  ["on_my_own", "Things they can do on their own"],
  ["people_and_places", "People and places that help"],
  ["people_to_ask", "People they can ask for help"],
  ["professionals", "Professionals and crisis lines"],
  ["safer_surroundings", "Making their surroundings safer"],
];

export async function render(main, { params }) {
  const { patientId } = params;
  main.append(
    h("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, h("a", { href: "#/caseload" }, "Caseload"), " › ", h("a", { href: `#/patients/${patientId}` }, "Patient"), " › ", h("span", { "aria-current": "page" }, "Safety plan")),
    h("h1", {}, "Safety plan"),
  );
  let plan;
  try {
    plan = await call(`/patients/${patientId}/safety-plan`);
  } catch (error) {
    main.append(
      h(
        "p",
        { class: error.status === 404 ? "empty" : "attention" },
        error.status === 404
          ? "No safety plan is shared. The patient writes it in their app (Need help now, then My safety plan) and chooses to share it."
          : failure(error, "The safety plan"),
      ),
    );
    return;
  }
  main.append(
    h("p", { class: "facts" }, plan.updated_at ? `Last changed ${formatWhen(plan.updated_at)}. ` : "", "The patient edits it in their app."),
    ...SECTIONS.map(([name, title]) =>
      h(
        "section",
        { class: "brief-section", "aria-labelledby": `plan-${name}` },
        h("h2", { id: `plan-${name}` }, title),
        plan.sections[name]?.length
          ? h("ul", { class: "plain" }, plan.sections[name].map((line) => h("li", {}, line)))
          : h("p", { class: "empty" }, "Nothing written yet."),
      ),
    ),
  );
}
