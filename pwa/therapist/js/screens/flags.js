// Open flags across the caseload, urgent first: how long each has waited, and
// one action to acknowledge it.

import { h } from "/js/dom.js";
import { disablePush, enablePush, pushState } from "/js/push.js";
import { call, failure, listAll } from "../client.js";
import { duration, formatWhen, plural } from "../format.js";

const KIND_TITLES = {
  phq9_item9: "Safety answer on the PHQ-9",
  phq9_severe: "Severe PHQ-9",
  reliable_worsening: "Questionnaire worsened",
  mood_drop: "Sharp drop in mood",
  missed_checkins: "Missed check-ins after dosing",
};

export async function render(main, { setFlagCount, announce }) {
  main.append(
    h("h1", {}, "Flags"),
    h("p", {}, "What needs a look across your caseload, urgent first. Acknowledge a flag once you have seen to it; the time it waited is kept."),
  );
  const summary = h("p", { class: "summary loading", role: "status" }, "Loading the flags…");
  const list = h("ul", { class: "flag-cards" });
  main.append(summary, list, urgentNotifications());

  let flags;
  try {
    flags = await listAll("/flags?limit=200", { limit: 1000 });
  } catch (error) {
    summary.textContent = failure(error, "The flags");
    return;
  } finally {
    summary.classList.remove("loading");
  }

  let open = flags.length;
  const describe = () => {
    setFlagCount(open);
    const urgent = flags.filter((flag) => flag.severity === "urgent" && !flag.acknowledged_at).length;
    summary.textContent = open
      ? `${plural(open, "open flag")}${urgent ? `, ${urgent} urgent` : ""}.`
      : "No open flags. Everything raised has been seen.";
  };
  describe();

  const waits = [];
  for (const flag of flags) {
    const waited = h("span", { class: "waited" });
    const tick = () => {
      waited.textContent = `waiting ${duration(Date.now() - Date.parse(flag.raised_at))}`;
    };
    tick();
    waits.push(tick);
    const titleId = `flag-${flag.id}`;
    const action = h("div", { class: "flag-action" });
    const button = h("button", { type: "button", class: flag.severity === "urgent" ? "primary" : "", "aria-describedby": titleId }, "Acknowledge");
    const message = h("p", { class: "form-message", role: "alert" });
    action.append(button, message);
    const card = h(
      "li",
      { class: `flag-card ${flag.severity}` },
      h(
        "div",
        { class: "flag-main" },
        h(
          "p",
          { class: "flag-severity" },
          flag.severity === "urgent"
            ? h("span", { class: "badge urgent" }, h("span", { class: "icon", "aria-hidden": "true" }, "!"), "Urgent")
            : h("span", { class: "badge warning" }, "Needs a look"),
        ),
        h(
          "h2",
          { id: titleId },
          h("a", { href: `#/patients/${flag.patient_id}` }, flag.patient_display_name),
          `: ${KIND_TITLES[flag.kind] || flag.kind}`,
        ),
        h("p", {}, flag.description),
        h(
          "p",
          { class: "muted" },
          "Raised ",
          h("time", { datetime: flag.raised_at }, formatWhen(flag.raised_at)),
          " · ",
          waited,
          flag.source_type ? [" · ", h("a", { href: `#/patients/${flag.patient_id}` }, "See what was shared")] : "",
        ),
      ),
      action,
    );
    button.addEventListener("click", async () => {
      button.disabled = true;
      message.textContent = "";
      try {
        const done = await call(`/flags/${flag.id}/acknowledge`, { method: "POST" });
        flag.acknowledged_at = done.acknowledged_at;
        waits.splice(waits.indexOf(tick), 1);
        const waitedFor = duration((done.seconds_to_acknowledge ?? 0) * 1000);
        waited.textContent = `acknowledged after ${waitedFor}`;
        card.classList.add("is-acknowledged");
        const said = h("p", { class: "done", tabindex: "-1" }, "Acknowledged");
        action.replaceChildren(said);
        said.focus(); // the button that had focus is gone
        open -= 1;
        describe();
        announce(`Acknowledged. It waited ${waitedFor}.`);
      } catch (error) {
        button.disabled = false;
        message.textContent = failure(error, "Acknowledging");
      }
    });
    list.append(card);
  }
  const timer = setInterval(() => waits.forEach((tick) => tick()), 30000);
  return () => clearInterval(timer);
}

const PUSH_SAYS = {
  enabled: "On: an urgent flag notifies you on this device, even with Between closed.",
  off: "Off: urgent flags show here, but this device is not notified.",
  dismissed: "Off: urgent flags show here, but this device is not notified.",
  denied: "Blocked: this browser blocks notifications from Between. Allow them in its site settings to be notified here.",
  unsupported: "Not available: this browser cannot show notifications.",
  "ios-needs-home-screen": "Not available here: on iPad and iPhone, add Between to the Home Screen first and open it from there.",
  "signed-out": "Your session has ended. Sign in again, then turn notifications on.",
  offline: "The server could not be reached. Check the connection and try again.",
  failed: "Notifications could not be turned on just now. Please try again later.",
};

/**
 * "Notify me of urgent flags on this device": push for this browser, turned on
 * only by a click (the permission prompt comes from that click, never before).
 * Notifications say only "Something needs your attention" and open Flags.
 */
function urgentNotifications() {
  const status = h("p", { role: "status", id: "urgent-push-status" }, "Checking this device…");
  const on = h("button", { type: "button", "aria-describedby": "urgent-push-status" }, "Notify me of urgent flags on this device");
  const off = h("button", { type: "button", class: "quiet", "aria-describedby": "urgent-push-status" }, "Stop notifying this device");
  on.hidden = off.hidden = true;
  const show = (state) => {
    status.textContent = PUSH_SAYS[state] || PUSH_SAYS.failed;
    on.hidden = state === "enabled" || state === "denied" || state === "unsupported" || state === "ios-needs-home-screen";
    off.hidden = state !== "enabled";
    on.disabled = off.disabled = false;
  };
  on.addEventListener("click", () => {
    on.disabled = true;
    status.textContent = "Asking this browser…";
    // enablePush() first thing in the click: the permission prompt needs the gesture.
    enablePush({ register: "/sw.js" }).then(
      (outcome) => show(outcome.status),
      () => show("failed"),
    );
  });
  off.addEventListener("click", () => {
    off.disabled = true;
    disablePush().then(
      (outcome) => show(outcome.ok ? "off" : outcome.status),
      () => show("failed"),
    );
  });
  pushState().then(show, () => show("off"));
  return h(
    "section",
    { class: "panel no-print", "aria-labelledby": "urgent-push-title" },
    h("h2", { id: "urgent-push-title" }, "Notifications for urgent flags"),
    h("p", { class: "muted" }, "A notification never shows who or what: it says only that something needs your attention."),
    h("div", { class: "actions" }, on, off),
    status,
  );
}
