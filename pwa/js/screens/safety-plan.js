import { safetyPlan } from "../companion.js";
import { cachedResources, resourceList } from "../crisis-data.js";
import { field, h, problemMessages, titledCard } from "../dom.js";
import { pending, submit } from "../outbox.js";
import { session } from "../session.js";

// Our own words: what each part of the plan is for.
const SECTIONS = [
  ["warning_signs", "My warning signs", "Thoughts, moods or things I start doing that tell me a hard time is coming."],
  ["on_my_own", "Things I can do on my own", "Small things that help me ride out a hard moment by myself."],
  ["people_and_places", "People and places that help", "Where I can go, and who I can be around, to take my mind somewhere else."],
  ["people_to_ask", "People I can ask for help", "Who I can tell that I am struggling, with their numbers."],
  ["professionals", "Professionals and crisis lines", "My clinic, my therapist, other services I use. The crisis lines below are always here too."],
  [
    "safer_surroundings",
    "Making my surroundings safer",
    "Steps that put distance between me and things I could hurt myself with, such as keeping any take-home medicine locked away or with someone I trust.",
  ],
];

export async function render(main) {
  main.append(
    h("h1", {}, "My safety plan"),
    h("p", {}, "A plan for hard moments, written by you, ideally with your therapist. It stays on this phone so it opens without a connection."),
  );
  let plan = null;
  let offline = false;
  try {
    plan = await safetyPlan.fresh();
  } catch {
    offline = true;
    plan = await safetyPlan.cached();
  }
  const waiting = (await pending("safety-plan")).at(-1);
  if (waiting) plan = { ...(plan || {}), sections: waiting.body.sections, shared: waiting.body.shared };
  if (offline) {
    main.append(h("p", { class: "notice" }, plan ? "You're offline: this is the copy kept on this phone." : "You're offline, and no copy of your plan is kept on this phone yet."));
  }
  plan = plan || { sections: {}, shared: false, version: 0 };
  const crisis = await cachedResources();
  const fields = new Map();
  const form = h("form", { novalidate: true });
  for (const [name, title, hint] of SECTIONS) {
    const id = `plan-${name}`;
    const text = h("textarea", { id, name, rows: "4" });
    text.value = (plan.sections?.[name] || []).join("\n");
    fields.set(name, text);
    form.append(
      titledCard(
        `${id}-title`,
        title,
        field(`${title}: one per line`, text, hint),
        name === "professionals" ? resourceList(crisis, h, "h3") : null,
      ),
    );
  }
  const shared = h("input", { type: "checkbox", name: "shared", checked: plan.version ? plan.shared : session.me?.share_by_default !== false });
  const message = h("div", { role: "status" });
  form.append(
    h("label", { class: "check" }, shared, h("span", {}, "Share with my therapist")),
    h("p", { class: "muted" }, "Between is not watched in real time. In a crisis, use the numbers above or Need help now."),
    message,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Save my plan")),
  );
  main.append(form);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const sections = {};
    for (const [name, text] of fields) {
      sections[name] = text.value.split("\n").map((line) => line.trim()).filter(Boolean);
    }
    const body = { sections, shared: shared.checked, version: plan.version || 0 };
    const result = await submit({
      kind: "safety-plan",
      op: "update",
      id: "safety-plan",
      method: "PUT",
      path: "/me/safety-plan",
      body,
      label: "Safety plan",
    });
    if (result.state === "held") {
      message.replaceChildren(...problemMessages(result.problem).map((line) => h("p", { class: "attention" }, line)));
      return;
    }
    plan = result.response || { ...plan, sections, shared: shared.checked };
    await safetyPlan.keep(plan);
    message.replaceChildren(
      h("p", { class: "notice" }, result.state === "sent" ? "Saved. It opens from Need help now, even offline." : "Saved on this phone. It will be sent when you're back online."),
    );
  });
}
