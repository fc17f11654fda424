import { ApiError, api } from "../api.js";
import { field, h, titledCard } from "../dom.js";
import { NOT_WATCHED, freshResources, resourceList, showResources } from "../crisis-data.js";
import { session } from "../session.js";

export async function render(main) {
  const list = h("div", {});
  const where = h("div", {});
  main.append(
    h("h1", {}, "Need help now?"),
    h(
      "p",
      {},
      "If you are struggling, thinking about hurting yourself, or feel unsafe, you don't have to get through this alone. Reach out now — someone will listen.",
    ),
    h("p", { class: "notice" }, NOT_WATCHED),
    list,
    where,
    titledCard(
      "steady-title",
      "While you reach out",
      h(
        "ul",
        {},
        h("li", {}, "Breathe out slowly, a little longer than you breathe in."),
        h("li", {}, "Feel your feet on the floor. Name five things you can see."),
        h("li", {}, "Stay near someone you trust, or call them."),
      ),
    ),
  );
  const show = (info) => {
    if (session.me) showCountry(where, info, list);
    return resourceList(info, h);
  };
  if (session.me) {
    // The patient's own plan opens offline too (kept sealed on this phone).
    list.before(h("p", {}, h("a", { href: "#/safety-plan", class: "button" }, "Open my safety plan")));
  }
  await showResources(list, show, { refresh: Boolean(session.me) });
}

const CHOSEN_BY = {
  setting: "you chose it",
  time_zone: "from your time zone",
  clinic: "your clinic's country",
};

/** What each screen's country line shows, so a later list updates it in place. */
const shown = new WeakMap();

function countryLine(info) {
  const why = CHOSEN_BY[info.chosen_by];
  return `These lines are for ${info.country_name}${why ? ` (${why})` : ""}.`;
}

/**
 * Which country's lines these are, and a way to choose another (signed in, online).
 * The fresh list arrives after the kept one: it updates the line and leaves the
 * chooser as it is, so it does not fold shut under the patient's finger.
 */
function showCountry(where, info, list) {
  if (!info.country_name) {
    where.replaceChildren();
    shown.delete(where);
    return;
  }
  const drawn = shown.get(where);
  if (drawn) {
    drawn.info = info;
    drawn.line.textContent = countryLine(info);
    return;
  }
  const state = { info, line: h("p", { class: "muted" }, countryLine(info)) };
  shown.set(where, state);
  const select = h("select", { id: "crisis-country" }, h("option", { value: "" }, "From my time zone"));
  const status = h("span", { class: "meta", role: "status" });
  const details = h(
    "details",
    { class: "card" },
    h("summary", {}, "Live somewhere else? Choose your country"),
    field("Country for help lines", select),
    status,
  );
  details.addEventListener(
    "toggle",
    async () => {
      try {
        const { items } = await api("/crisis-resources/countries", { timeout: 5000 });
        const built = items.filter((item) => item.built_in);
        const rest = items.filter((item) => !item.built_in);
        const chosen = state.info.chosen_by === "setting" ? state.info.country : null;
        select.append(
          ...[...built, ...rest].map((item) => h("option", { value: item.code, selected: item.code === chosen }, item.name)),
        );
      } catch {
        status.textContent = "The list of countries needs a connection.";
      }
    },
    { once: true },
  );
  select.addEventListener("change", async () => {
    status.textContent = "Saving…";
    try {
      await api("/me/settings", { method: "PATCH", body: { country: select.value || null }, timeout: 5000 });
      const fresh = await freshResources();
      list.replaceChildren(resourceList(fresh, h));
      state.info = fresh;
      state.line.textContent = countryLine(fresh);
      status.textContent = `Saved. Showing help lines for ${fresh.country_name}.`;
    } catch (error) {
      status.textContent = error instanceof ApiError ? "That could not be saved." : "You're offline. Try again when you're back online.";
    }
  });
  where.replaceChildren(state.line, details);
}
