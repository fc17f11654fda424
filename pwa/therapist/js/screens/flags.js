// Open flags across the caseload, urgent first: what raised each (a link to it,
// its time, the item-9 level in words), why the rule fired, how long it has
// waited, and acknowledging with what was done. An admin sees the clinic's
// escalated flags. Patients who deleted their account with open flags leave a
// notice here for 30 days.

import { h, uid } from "/js/dom.js";
import { disablePush, enablePush, pushState } from "/js/push.js";
import { call, failure, state } from "../client.js";
import { KIND_TITLES, flagFacts, flagRules, whyFlagged } from "../flag-view.js";
import { duration, formatWhen, plural } from "../format.js";
import { field } from "../forms.js";

const SESSION_NAMES = { dosing_session: "Dosing session", integration_session: "Integration session" };

export async function render(main, { setFlagCount, announce }) {
  const admin = state.me?.role === "admin";
  main.append(
    h("h1", {}, "Flags"),
    h(
      "p",
      {},
      admin
        ? "Urgent flags left unacknowledged past your clinic's time, escalated to you. The care team acknowledges them."
        : "What needs a look across your caseload, urgent first. Acknowledge a flag with what was done; the time it waited is kept.",
    ),
  );
  const summary = h("p", { class: "summary loading", role: "status" }, "Loading the flags…");
  const notices = h("section", { class: "notices", "aria-labelledby": "notices-title", hidden: true });
  const list = h("ul", { class: "flag-cards" });
  main.append(summary, notices, list, urgentNotifications());

  let flags;
  let page;
  let rules = null;
  try {
    // The first page carries the deletion notices; the rest are flags only.
    [page, rules] = await Promise.all([call("/flags?limit=200"), flagRules().catch(() => null)]);
    flags = [...page.items];
    let cursor = page.next_cursor;
    while (cursor && flags.length < 1000) {
      const next = await call(`/flags?limit=200&cursor=${encodeURIComponent(cursor)}`);
      flags.push(...next.items);
      cursor = next.next_cursor;
    }
  } catch (error) {
    summary.textContent = failure(error, "The flags");
    return;
  } finally {
    summary.classList.remove("loading");
  }
  showNotices(notices, page.notices || []);

  let open = flags.length;
  const describe = () => {
    if (!admin) setFlagCount(open);
    const urgent = flags.filter((flag) => flag.severity === "urgent" && !flag.acknowledged_at).length;
    summary.textContent = open
      ? `${plural(open, admin ? "escalated flag" : "open flag")}${urgent && !admin ? `, ${urgent} urgent` : ""}.`
      : admin
        ? "No escalated flags."
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
          flag.escalated_at ? [" ", h("span", { class: "badge escalated" }, "Escalated")] : "",
        ),
        h(
          "h2",
          { id: titleId },
          admin ? flag.patient_display_name : h("a", { href: `#/patients/${flag.patient_id}` }, flag.patient_display_name),
          `: ${KIND_TITLES[flag.kind] || flag.kind}`,
        ),
        h("p", {}, flag.description),
        ...flagFacts(flag),
        h(
          "p",
          { class: "muted" },
          "Raised ",
          h("time", { datetime: flag.raised_at }, formatWhen(flag.raised_at)),
          " · ",
          waited,
          flag.escalated_at ? [" · escalated ", h("time", { datetime: flag.escalated_at }, formatWhen(flag.escalated_at))] : "",
        ),
        whyFlagged(flag, rules),
      ),
    );
    if (!admin) {
      card.append(
        acknowledgeForm(flag, titleId, rules?.outcomes || {}, (done) => {
          flag.acknowledged_at = done.acknowledged_at;
          waits.splice(waits.indexOf(tick), 1);
          const waitedFor = duration((done.seconds_to_acknowledge ?? 0) * 1000);
          waited.textContent = `acknowledged after ${waitedFor}`;
          card.classList.add("is-acknowledged");
          open -= 1;
          describe();
          announce(`Acknowledged: ${(rules?.outcomes || {})[done.outcome] || done.outcome}. It waited ${waitedFor}.`);
        }),
      );
    }
    list.append(card);
  }
  const timer = setInterval(() => waits.forEach((tick) => tick()), 30000);
  return () => clearInterval(timer);
}

/** Acknowledge with an outcome from the short list and an optional note. */
function acknowledgeForm(flag, titleId, outcomes, onDone) {
  const action = h("div", { class: "flag-action" });
  const outcome = h(
    "select",
    { name: "outcome", required: true },
    h("option", { value: "" }, "Choose what was done…"),
    Object.entries(outcomes).map(([value, label]) => h("option", { value }, label)),
  );
  const note = h("textarea", { name: "note", maxlength: "2000", rows: "2" });
  const button = h("button", { type: "submit", class: flag.severity === "urgent" ? "primary" : "", "aria-describedby": titleId }, "Acknowledge");
  const message = h("p", { class: "form-message", role: "alert" });
  const form = h(
    "form",
    { class: "acknowledge", "aria-labelledby": titleId, novalidate: true },
    field("What was done", outcome),
    field("Note (optional)", note, "Only the care team reads it; never in a notification."),
    button,
    message,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.textContent = "";
    if (!outcome.value) {
      outcome.setAttribute("aria-invalid", "true");
      message.textContent = "What was done: choose one.";
      outcome.focus();
      return;
    }
    outcome.removeAttribute("aria-invalid");
    button.disabled = true;
    try {
      const body = { outcome: outcome.value };
      if (note.value.trim()) body.note = note.value.trim();
      const done = await call(`/flags/${flag.id}/acknowledge`, { method: "POST", body });
      const said = h("p", { class: "done", tabindex: "-1" }, `Acknowledged: ${outcomes[done.outcome] || done.outcome}`);
      action.replaceChildren(said);
      said.focus(); // the form that had focus is gone
      onDone(done);
    } catch (error) {
      button.disabled = false;
      message.textContent = failure(error, "Acknowledging");
    }
  });
  action.append(form);
  return action;
}

function showNotices(section, notices) {
  if (!notices.length) return;
  section.hidden = false;
  section.append(
    h("h2", { id: "notices-title" }, "Accounts deleted with open flags"),
    h("ul", { class: "flag-list" }, notices.map((notice) => {
      const flags = notice.open_flags.map((f) => `${f.count} × ${KIND_TITLES[f.kind] || f.kind}`).join(", ");
      const sessions = notice.sessions.map((s) => `${SESSION_NAMES[s.kind] || s.kind} on ${formatWhen(s.scheduled_at)}`);
      return h(
        "li",
        { id: uid("notice") },
        h("strong", {}, notice.patient_display_name),
        " deleted their account ",
        h("time", { datetime: notice.deleted_at }, formatWhen(notice.deleted_at)),
        ". ",
        flags ? `Open then: ${flags}. ` : "",
        sessions.length ? `Booked sessions that went with it: ${sessions.join("; ")}.` : "",
      );
    })),
  );
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
