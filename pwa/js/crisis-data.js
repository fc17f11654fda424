// Crisis resources: the list for where the patient is, from the API, kept on
// the device for offline use, and a built-in list by country (crisis-defaults.js,
// the same file the server reads) that is always there. Nothing here waits on
// the network before showing something: the kept or built-in list shows at once.

import { api } from "./api.js";
import { getValue, setValue } from "./db.js";
import BUILT_IN from "./crisis-defaults.js";

/** How long the crisis list may take to arrive before the kept one stays. */
const CRISIS_TIMEOUT_MS = 5000;

/** Said wherever help is offered: Between is a journal, not a crisis service. */
export const NOT_WATCHED =
  "Between is not watched in real time. Your therapist reads what you share before your next session, so if you need help now, reach out to one of these.";

/** Under every share switch: when the therapist reads, and where help is now. */
export const SHARE_NOTE =
  "Your therapist reads what you share before your next session. If you need help now, use Need help now.";

function zoneCountry() {
  let zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch {
    zone = "";
  }
  for (const [code, country] of Object.entries(BUILT_IN.countries)) {
    if (country.zones.includes(zone)) return code;
  }
  return null;
}

/** The built-in list for a country (by default: this phone's time zone), 112 elsewhere. */
export function builtIn(country = zoneCountry()) {
  const chosen = BUILT_IN.countries[country] || BUILT_IN.fallback;
  return {
    country,
    country_name: chosen.name,
    emergency: { ...chosen.emergency },
    resources: chosen.resources.map((resource) => ({ ...resource })),
    message: "",
  };
}

const dial = (number) => String(number || "").replace(/[^\d+]/g, "");

function normalise(answer) {
  const list = Array.isArray(answer) ? answer : answer?.resources || [];
  return list
    .filter((item) => item && typeof item === "object" && typeof item.name === "string")
    .map((item) => ({
      name: item.name,
      description: typeof item.description === "string" ? item.description : "",
      phone: dial(item.phone) ? item.phone : null,
      sms: dial(item.sms) ? item.sms : null,
      sms_body: typeof item.sms_body === "string" ? item.sms_body : null,
      url: typeof item.url === "string" && /^https:\/\//.test(item.url) ? item.url : null,
      hours: typeof item.hours === "string" ? item.hours : null,
      clinic: item.clinic === true,
    }));
}

/** An emergency line that can be dialled, or the built-in one of that country. */
function emergencyOf(info) {
  const given = info?.emergency;
  if (given && dial(given.phone)) return given;
  return builtIn(info?.country ?? undefined).emergency;
}

/** What we can show right now, without waiting for the network. */
export async function cachedResources() {
  const cached = await getValue("crisis").catch(() => null);
  if (!cached?.resources?.length) return builtIn();
  return { ...cached, emergency: emergencyOf(cached) };
}

/** Fetch my list (signed in, online; never longer than a few seconds) and keep it for offline. */
export async function freshResources() {
  const answer = await api("/crisis-resources", { quiet401: true, timeout: CRISIS_TIMEOUT_MS });
  const resources = normalise(answer);
  const country = typeof answer?.country === "string" ? answer.country : null;
  if (!resources.length) return builtIn(country || undefined);
  const info = {
    country,
    country_name: typeof answer?.country_name === "string" ? answer.country_name : "",
    chosen_by: answer?.chosen_by || null,
    resources,
    emergency: emergencyOf(answer),
    message: typeof answer?.message === "string" ? answer.message : "",
  };
  await setValue("crisis", info).catch(() => {});
  return info;
}

/**
 * Show what is kept at once in `target`, then the fresh list if it comes in time.
 * `render(info)` makes the content. Returns when the kept list shows.
 * A fresh list the same as the kept one (most often) leaves it as it is: drawn
 * again, the button the patient was reaching for (or had focused) would be
 * swapped under their finger.
 */
export async function showResources(target, render, { refresh = true } = {}) {
  const kept = await cachedResources();
  target.replaceChildren(render(kept));
  if (refresh && navigator.onLine) {
    freshResources()
      .then((info) => {
        if (target.isConnected && JSON.stringify(info) !== JSON.stringify(kept)) target.replaceChildren(render(info));
      })
      .catch(() => {
        // Offline, slow or signed out: the kept list stays.
      });
  }
}

function callButton(h, number, primary) {
  return h("a", { class: primary ? "button primary" : "button", href: `tel:${dial(number)}` }, `Call ${number}`);
}

/**
 * The resources as cards with big call / text buttons, then the emergency line
 * (always a tappable tel: link, whatever list is served), then the clinic's message.
 * `compact` leaves out descriptions (on a questionnaire, under the question).
 */
export function resourceList(info, h, level = "h2", { compact = false } = {}) {
  const { resources, message } = info;
  const emergency = emergencyOf(info);
  const card = (resource) => {
    const sms = resource.sms
      ? h(
          "a",
          {
            class: "button",
            href: `sms:${dial(resource.sms)}${resource.sms_body ? `?&body=${encodeURIComponent(resource.sms_body)}` : ""}`,
          },
          resource.sms_body ? `Text ${resource.sms_body} to ${resource.sms}` : `Text ${resource.sms}`,
        )
      : null;
    return h(
      "li",
      { class: resource.clinic ? "card resource clinic" : "card resource" },
      h(level, {}, resource.name),
      resource.hours ? h("p", { class: "hours" }, `Open: ${resource.hours}`) : null,
      resource.description && !compact ? h("p", {}, resource.description) : null,
      h(
        "div",
        { class: "actions" },
        resource.phone ? callButton(h, resource.phone, !resource.clinic) : null,
        sms,
        resource.url && !compact ? h("a", { class: "button", href: resource.url, rel: "noopener" }, "Website") : null,
      ),
    );
  };
  const list = h(
    "ul",
    { class: "list" },
    resources.map(card),
    h(
      "li",
      { class: "card resource emergency" },
      h(level, {}, `In immediate danger: call ${emergency.phone}`),
      compact ? null : h("p", {}, emergency.description || ""),
      h("div", { class: "actions" }, callButton(h, emergency.phone, true)),
    ),
  );
  return message ? h("div", {}, list, h("p", { class: "notice" }, message)) : list;
}
