import { api } from "../api.js";
import { companion, whenInMyZone } from "../companion.js";
import { h, titledCard } from "../dom.js";

export async function render(main) {
  main.append(h("h1", {}, "Your dosing day"));
  const { summary } = await companion();
  const day = summary?.dosing_day;
  if (day) main.append(h("p", {}, "Session at ", h("time", { datetime: day.scheduled_at }, whenInMyZone(day.scheduled_at)), "."));
  main.append(
    titledCard(
      "rest-title",
      "Today",
      h(
        "ul",
        {},
        h("li", {}, "Rest. Let the day be slow; nothing needs to be made sense of yet."),
        h("li", {}, "Do not drive, cycle or use machinery until tomorrow."),
        h("li", {}, "Drink water, and eat something light when you feel ready."),
        h("li", {}, "Have someone you trust nearby, or let them know how you are."),
      ),
      day ? h("p", { class: "muted" }, `Prompts and reminders wait until ${whenInMyZone(day.prompts_from)}, so you can rest first.`) : null,
    ),
  );
  const intention = await todaysIntention(summary);
  if (intention) {
    main.append(
      titledCard(
        "today-intention-title",
        "Your intention",
        h("p", { class: "prompt" }, intention.body),
        h("p", { class: "muted" }, "Hold it lightly. Whatever comes is welcome, and so is nothing at all."),
      ),
    );
  }
  const phone = summary?.clinic_phone;
  main.append(
    h(
      "section",
      { class: "card crisis", "aria-labelledby": "call-title" },
      h("h2", { id: "call-title" }, "Who to call"),
      phone
        ? h("p", {}, `${summary.clinic_name || "Your clinic"}: `, h("a", { href: `tel:${phone.replace(/[^\d+]/g, "")}` }, phone))
        : h("p", {}, "Your clinic, on the number they gave you."),
      h("p", {}, "For chest pain, trouble breathing, or if you feel unsafe, call your emergency number now."),
      h("p", {}, h("a", { href: "#/crisis", class: "button" }, "Need help now"), " ", h("a", { href: "#/safety-plan", class: "button quiet" }, "My safety plan")),
    ),
  );
}

async function todaysIntention(summary) {
  const id = summary?.dosing_day?.ketamine_session_id;
  if (!id) return null;
  if (summary.intention?.ketamine_session_id === id) return summary.intention;
  if (summary.intention_back?.ketamine_session_id === id) return summary.intention_back.intention;
  try {
    return (await api("/intentions")).items.find((each) => each.ketamine_session_id === id) || null;
  } catch {
    return null;
  }
}
