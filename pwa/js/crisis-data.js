// Crisis resources: the clinic's list from the API, kept on the device for
// offline use, and a built-in default that is always there.

import { api } from "./api.js";
import { getValue, setValue } from "./db.js";

// Built in, so the screen is never empty: call or text 988 in the US.
export const DEFAULT_CRISIS = {
  resources: [
    {
      name: "988 Suicide & Crisis Lifeline (US)",
      description: "Free, confidential, 24 hours a day. Call or text 988.",
      phone: "988",
      sms: "988",
    },
    {
      name: "Emergency services",
      description: "If you are in immediate danger, call 911 or go to the nearest emergency room.",
      phone: "911",
    },
  ],
  message: "",
};

function normalise(answer) {
  const list = Array.isArray(answer) ? answer : answer?.resources || answer?.items || [];
  return list
    .filter((item) => item && typeof item === "object" && (item.name || item.title || item.label))
    .map((item) => ({
      name: item.name || item.title || item.label,
      description: item.description || item.detail || item.body || "",
      phone: item.phone || item.call || item.tel || null,
      sms: item.sms || item.text || null,
      url: typeof item.url === "string" && /^https:\/\//.test(item.url) ? item.url : null,
    }));
}

/** What we can show right now, without waiting for the network: {resources, message}. */
export async function cachedResources() {
  const cached = await getValue("crisis").catch(() => null);
  return cached?.resources?.length ? cached : DEFAULT_CRISIS;
}

/** Fetch the clinic's list (when signed in and online) and keep it for offline. */
export async function freshResources() {
  const answer = await api("/crisis-resources", { quiet401: true });
  const resources = normalise(answer);
  if (!resources.length) return DEFAULT_CRISIS;
  const info = { resources, message: typeof answer?.message === "string" ? answer.message : "" };
  await setValue("crisis", info);
  return info;
}

/** The resources as cards with big call / text buttons, then the clinic's message. */
export function resourceList(info, h, level = "h2") {
  const { resources, message } = info;
  const list = h(
    "ul",
    { class: "list" },
    resources.map((resource) =>
      h(
        "li",
        { class: "card resource" },
        h(level, {}, resource.name),
        resource.description ? h("p", {}, resource.description) : null,
        h(
          "div",
          { class: "actions" },
          resource.phone
            ? h("a", { class: "button primary", href: `tel:${resource.phone.replace(/[^\d+]/g, "")}` }, `Call ${resource.phone}`)
            : null,
          resource.sms
            ? h("a", { class: "button", href: `sms:${resource.sms.replace(/[^\d+]/g, "")}` }, `Text ${resource.sms}`)
            : null,
          resource.url ? h("a", { class: "button", href: resource.url, rel: "noopener" }, "Website") : null,
        ),
      ),
    ),
  );
  return message ? h("div", {}, list, h("p", { class: "notice" }, message)) : list;
}
