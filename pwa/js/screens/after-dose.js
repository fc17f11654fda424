import { askFor, h, isoLocal, problemMessages } from "../dom.js";
import { companion } from "../companion.js";
import { submit } from "../outbox.js";
import { answers } from "../scale.js";
import { session } from "../session.js";

const CHOICES = [
  ["dissociation", "How long did any feeling of unreality, or of being outside yourself, last after the dose?", [
    ["none", "I did not have it"], ["under_1h", "Less than an hour"], ["1_to_6h", "1 to 6 hours"],
    ["6_to_24h", "6 to 24 hours"], ["over_24h", "More than a day, or still now"],
  ]],
  ["nausea", "Nausea or sickness", [["none", "None"], ["mild", "A little"], ["strong", "A lot"]]],
  ["headache", "Headache", [["none", "None"], ["mild", "A little"], ["strong", "A lot"]]],
  ["sleep", "How did you sleep last night?", [["well", "Well"], ["some", "On and off"], ["poorly", "Poorly"], ["hardly", "Hardly at all"]]],
  ["travel_home", "How did you get home?", [
    ["driven", "Someone drove me"], ["taxi_or_transit", "Taxi or public transport"], ["walked", "I walked"],
    ["drove", "I drove myself"], ["at_home", "The session was at home"],
  ]],
  ["cravings", "Any urge to take more ketamine, or other substances?", [["none", "No"], ["some", "Some"], ["strong", "Strong"]]],
];
const YES_NO = [
  ["lasting_over_24h", "Has any effect of the dose (feeling unreal, unsteady, confused or sick) lasted more than a day?"],
  ["frightening", "Is anything frightening from the session still with you?"],
  ["urinary_pain", "Pain when passing urine?"],
  ["urinary_urgency", "Needing to pass urine urgently or much more often?"],
  ["urinary_blood", "Blood in your urine?"],
  ["chest_pain", "Chest pain?"],
  ["palpitations", "A racing or pounding heart?"],
  ["high_blood_pressure", "A very high blood pressure reading?"],
  ["outside_plan", "Have you taken any ketamine outside your clinic's plan?"],
];
const LEVEL_TITLES = { emergency: "Get help now", call_clinic: "Call the clinic today", note: "For next time" };

export async function render(main, { params }) {
  const id = params.sessionId;
  main.append(
    h("h1", {}, "After the dose"),
    h("p", {}, "A few questions about how you have been since the session. It takes about a minute."),
    h(
      "p",
      { class: "muted" },
      "Between is not watched in real time. Answers that need a call today (such as chest pain) reach your care team even if you keep this private.",
    ),
  );
  const { summary } = await companion();
  const shared = h("input", { type: "checkbox", name: "shared", checked: session.me?.share_by_default !== false });
  const message = h("div", { role: "alert" });
  const form = h(
    "form",
    { novalidate: true },
    CHOICES.map(([name, legend, options]) =>
      answers({ name, legend, options: options.map(([value, label]) => ({ value, label })) }),
    ),
    h(
      "section",
      { "aria-labelledby": "since-title" },
      h("h2", { id: "since-title" }, "Since the session, have you had any of these?"),
      YES_NO.map(([name, legend]) =>
        answers({ name, legend, options: [{ value: "yes", label: "Yes" }, { value: "no", label: "No" }] }),
      ),
    ),
    h("label", { class: "check" }, shared, h("span", {}, "Share my answers with my therapist")),
    message,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Send")),
  );
  main.append(form);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = {};
    const missing = [];
    for (const [name] of CHOICES) {
      const value = form.querySelector(`input[name="${name}"]:checked`)?.value;
      if (value) body[name] = value;
      else missing.push(name);
    }
    for (const [name] of YES_NO) {
      const value = form.querySelector(`input[name="${name}"]:checked`)?.value;
      if (value) body[name] = value === "yes";
      else missing.push(name);
    }
    if (missing.length) {
      const first = form.querySelector(`input[name="${missing[0]}"]`);
      return askFor(message, `Please answer every question (${missing.length} left).`, first);
    }
    const checkId = crypto.randomUUID();
    form.querySelector('button[type="submit"]').disabled = true;
    const result = await submit({
      kind: "after-dose",
      op: "create",
      id: checkId,
      method: "POST",
      path: "/after-dose-checks",
      body: { id: checkId, ketamine_session_id: id, answered_at: isoLocal(), answers: body, shared: shared.checked },
      label: "Check after a dose",
    });
    if (result.state === "held") {
      form.querySelector('button[type="submit"]').disabled = false;
      message.replaceChildren(...problemMessages(result.problem).map((line) => h("p", { class: "attention" }, line)));
      return;
    }
    showAdvice(main, result, body, summary);
  });
}

/** What to do now: the server's advice, or (offline) the same first steps from the answers. */
function showAdvice(main, result, body, summary) {
  let advice = result.response?.advice;
  if (!advice) {
    advice = [];
    if (body.chest_pain) advice.push({ level: "emergency", text: "Chest pain needs help now. Call your emergency number, or ask someone to take you to an emergency department." });
    if (body.lasting_over_24h || body.dissociation === "over_24h" || body.urinary_blood || body.outside_plan) {
      advice.push({ level: "call_clinic", text: "Some of your answers should be checked. Please call the clinic today." });
    }
  }
  const phone = summary?.clinic_phone;
  const children = [h("h1", { tabindex: "-1" }, advice.length ? "What to do now" : "Thank you")];
  if (!advice.length) children.push(h("p", {}, "Nothing in your answers needs a call. Rest, drink water, and go gently today."));
  for (const item of advice) {
    children.push(
      h(
        "section",
        { class: item.level === "note" ? "card" : "card crisis", role: item.level === "emergency" ? "alert" : null },
        h("h2", {}, LEVEL_TITLES[item.level] || "Please note"),
        h("p", {}, item.text),
        item.level === "call_clinic" && phone
          ? h("p", {}, h("a", { href: `tel:${phone.replace(/[^\d+]/g, "")}`, class: "button primary" }, `Call the clinic: ${phone}`))
          : null,
        item.level === "emergency" ? h("p", {}, h("a", { href: "#/crisis", class: "button primary" }, "Emergency numbers")) : null,
      ),
    );
  }
  if (result.state !== "sent") children.push(h("p", { class: "notice" }, "Your answers are saved on this phone and will be sent when you're back online."));
  children.push(h("p", {}, h("a", { href: "#/today" }, "Back to today")));
  main.replaceChildren(...children);
  main.querySelector("h1").focus();
}
