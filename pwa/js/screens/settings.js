import { ApiError, OfflineError, api, unavailable } from "../api.js";
import { field, h, problemMessages, titledCard } from "../dom.js";
import { patchMe } from "../session.js";
import { installApp, myName, myPassword } from "./settings-account.js";

function hhmm(value) {
  return typeof value === "string" ? value.slice(0, 5) : "";
}

function isIos() {
  const ua = navigator.userAgent;
  return /iPhone|iPad|iPod/.test(ua) || (ua.includes("Macintosh") && navigator.maxTouchPoints > 1);
}

function installed() {
  return matchMedia("(display-mode: standalone)").matches || navigator.standalone === true;
}

function zones(current) {
  let list = [];
  try {
    list = Intl.supportedValuesOf("timeZone");
  } catch {
    list = [];
  }
  if (current && !list.includes(current)) list = [current, ...list];
  if (!list.includes("UTC")) list = ["UTC", ...list];
  return list;
}

export async function render(main) {
  // Loaded now, so the click below calls enablePush() with no await before it:
  // browsers (Safari strictly) show the permission prompt only inside the gesture.
  let push = null;
  import("../push.js")
    .then((module) => {
      push = module;
    })
    .catch(() => {});
  main.append(h("h1", {}, "Settings"), myName());

  const formBox = titledCard("reminders-title", "Reminders and time");
  main.append(formBox);
  let settings;
  try {
    settings = await api("/me/settings");
  } catch (error) {
    formBox.append(
      h("p", { class: "muted" }, unavailable(error, "your settings")),
    );
  }
  if (settings) {
    const device = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const checkin = h("input", { type: "time", id: "checkin-time", value: hhmm(settings.checkin_time) });
    // Up to two more reminders a day (a morning and a midday one, say).
    const more = [0, 1].map((index) =>
      h("input", { type: "time", id: `more-time-${index}`, value: hhmm(settings.more_checkin_times?.[index]) }),
    );
    const quietStart = h("input", { type: "time", id: "quiet-start", value: hhmm(settings.quiet_hours_start) });
    const quietEnd = h("input", { type: "time", id: "quiet-end", value: hhmm(settings.quiet_hours_end) });
    const zone = h(
      "select",
      { id: "time-zone" },
      zones(settings.time_zone).map((name) => h("option", { value: name, selected: name === settings.time_zone || null }, name.replaceAll("_", " "))),
    );
    const message = h("div", { role: "status" });
    const form = h(
      "form",
      { novalidate: true },
      field("Daily check-in reminder", checkin, "Leave empty for no daily reminder."),
      h(
        "fieldset",
        {},
        h("legend", {}, "More reminders (optional)"),
        h("p", { class: "hint" }, "Up to two more a day, for example one in the morning."),
        field("Another reminder", more[0]),
        field("And another", more[1]),
      ),
      h(
        "fieldset",
        {},
        h("legend", {}, "Quiet hours"),
        h("p", { class: "hint" }, "No reminders between these times."),
        field("From", quietStart),
        field("Until", quietEnd),
      ),
      field(
        "Time zone",
        zone,
        device && device !== settings.time_zone ? `This phone is set to ${device.replaceAll("_", " ")}.` : null,
      ),
      message,
      h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Save settings")),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      message.replaceChildren();
      try {
        const saved = await api("/me/settings", {
          method: "PATCH",
          body: {
            checkin_time: checkin.value || null,
            more_checkin_times: [...new Set(more.map((input) => input.value).filter(Boolean))],
            quiet_hours_start: quietStart.value || null,
            quiet_hours_end: quietEnd.value || null,
            time_zone: zone.value,
          },
        });
        await patchMe({ time_zone: saved?.time_zone || zone.value });
        message.replaceChildren(h("p", { class: "notice" }, "Saved."));
      } catch (error) {
        const lines =
          error instanceof ApiError ? problemMessages(error.problem) : ["You're offline; try again when you're connected."];
        message.replaceChildren(h("div", { class: "attention" }, h("ul", {}, lines.map((line) => h("li", {}, line)))));
      }
    });
    formBox.append(form);
  }

  const pushStatus = h("p", { role: "status" });
  const pushButton = h("button", { type: "button", class: "primary" }, "Turn on reminders on this phone");
  const offButton = h("button", { type: "button", class: "quiet" }, "Turn reminders off on this phone");
  const pushBox = titledCard(
    "notifications-title",
    "Notifications",
    h("p", {}, "Gentle reminders to check in and reflect. They never show anything you wrote."),
  );
  const iosSteps = h(
    "div",
    { class: "notice", hidden: !(isIos() && !installed()) },
    h("p", {}, "On iPhone and iPad, reminders work once Between is on your Home Screen:"),
    h(
      "ol",
      {},
      h("li", {}, "Tap the Share button in Safari."),
      h("li", {}, "Choose “Add to Home Screen”."),
      h("li", {}, "Open Between from the Home Screen and come back here."),
    ),
  );
  pushBox.append(iosSteps);
  const say = {
    enabled: "Reminders are on for this phone.",
    off: "Reminders are off for this phone. You can turn them on any time.",
    dismissed: "Reminders are off. You can turn them on any time.",
    denied: "Notifications are blocked for Between. You can allow them in your browser or phone settings.",
    unsupported: "This browser can't show notifications.",
    "ios-needs-home-screen": "First add Between to your Home Screen (steps above).",
    "signed-out": "Sign in again, then turn reminders on.",
    offline: "You're offline. Try again when you're connected.",
    "no-push-service":
      "This browser could not reach its notification service, so reminders can't be turned on here. Try another browser, or add Between to your Home Screen.",
    failed: "Reminders could not be turned on just now. Please try again later.",
  };
  const show = (outcome) => {
    pushStatus.textContent = say[outcome.status] || say.failed;
    if (outcome.status === "ios-needs-home-screen") iosSteps.hidden = false;
    offButton.hidden = outcome.status !== "enabled";
  };
  offButton.hidden = !("Notification" in window) || Notification.permission !== "granted";
  if (!("Notification" in window) || !("serviceWorker" in navigator)) {
    pushButton.disabled = true;
    pushStatus.textContent = say.unsupported;
  } else if (Notification.permission === "denied") {
    pushStatus.textContent = say.denied;
  } else if (Notification.permission === "granted") {
    pushStatus.textContent = "Notifications are allowed on this phone.";
    // Allowed is not the same as on: say whether this phone is subscribed.
    import("../push.js")
      .then((module) => module.pushState())
      .then((state) => show({ status: state }))
      .catch(() => {});
  }
  pushButton.addEventListener("click", () => {
    if (!push?.enablePush) {
      pushStatus.textContent = "Reminders are not available yet. Please try again in a moment.";
      return;
    }
    pushStatus.textContent = "Asking…";
    push.enablePush().then(show, () => show({ status: "failed" }));
  });
  offButton.addEventListener("click", () => {
    push?.disablePush?.().then(show, () => show({ status: "failed" }));
  });
  pushBox.append(h("div", { class: "actions" }, pushButton, offButton), pushStatus);
  main.append(pushBox);

  main.append(
    titledCard(
      "my-data-title",
      "My data",
      h("p", {}, "A copy of everything you have written and answered here, as a file for you to keep."),
      h(
        "div",
        { class: "actions" },
        h("a", { class: "button", href: "/api/v1/me/export", download: "" }, "Download my data"),
        h(
          "a",
          { class: "button quiet", href: "/api/v1/me/export?format=fhir", download: "" },
          "Questionnaires for another clinic (FHIR)",
        ),
      ),
    ),
    titledCard(
      "account-title",
      "Signing out",
      h("p", {}, "Signing out removes your journal from this phone. Anything waiting is sent first."),
      h("div", { class: "actions" }, h("a", { class: "button", href: "#/signout" }, "Sign out")),
    ),
    myPassword(),
    installApp({ ios: isIos(), installed: installed() }),
    deleteAccount(),
  );
}

/** Why the server deleted nothing, by its answer's status. */
const NOT_DELETED = {
  422: "That password is not right. Nothing has been deleted.",
  429: "Too many tries. Nothing has been deleted; please wait a few minutes before trying again.",
  401: "Your session has ended. Nothing has been deleted; sign in again to delete your account.",
  other: "Your account could not be deleted just now. Nothing has been deleted; please try again later.",
};

/**
 * Deleting the account, in two deliberate steps (open, then confirm with the
 * password), so a stray tap never deletes anything. A wrong password, no
 * connection or too many tries delete nothing, here or on the server.
 */
function deleteAccount() {
  const open = h("button", { type: "button", "aria-expanded": "false", "aria-controls": "delete-form" }, "Delete my account…");
  const password = h("input", {
    type: "password",
    id: "delete-password",
    name: "password",
    autocomplete: "current-password",
  });
  const confirm = h("button", { type: "submit", class: "grave" }, "Delete my account and data for good");
  const keep = h("button", { type: "button", class: "quiet" }, "Keep my account");
  const message = h("div", { role: "alert" });
  const form = h(
    "form",
    { id: "delete-form", novalidate: true, hidden: true },
    field("Your password", password, "To confirm that it is you deleting your account."),
    message,
    h("div", { class: "actions" }, confirm, keep),
  );
  const say = (text) => {
    message.replaceChildren(h("p", { class: "attention" }, text));
  };
  open.addEventListener("click", () => {
    form.hidden = false;
    open.setAttribute("aria-expanded", "true");
    password.focus();
  });
  keep.addEventListener("click", () => {
    form.hidden = true;
    password.value = "";
    message.replaceChildren();
    password.removeAttribute("aria-invalid");
    open.setAttribute("aria-expanded", "false");
    open.focus();
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.replaceChildren();
    if (!password.value) {
      password.setAttribute("aria-invalid", "true");
      say("Enter your password to confirm. Nothing has been deleted.");
      password.focus();
      return;
    }
    confirm.disabled = true;
    keep.disabled = true;
    message.replaceChildren(h("p", {}, "Deleting your account…"));
    try {
      await api("/me", { method: "DELETE", body: { password: password.value }, quiet401: true });
    } catch (error) {
      confirm.disabled = false;
      keep.disabled = false;
      const status = error instanceof ApiError ? error.status : 0;
      if (status === 422) {
        password.value = "";
        password.setAttribute("aria-invalid", "true");
      }
      say(
        error instanceof OfflineError
          ? "You're offline. Nothing has been deleted; try again when you're connected."
          : NOT_DELETED[status] || NOT_DELETED.other,
      );
      password.focus();
      return;
    }
    const { forgetDeletedAccount } = await import("../signout-core.js");
    await forgetDeletedAccount();
  });
  return titledCard(
    "delete-title",
    "Delete my account",
    h(
      "p",
      {},
      "This deletes your account and everything in it, for good: your check-ins, journal entries and check-up answers, including anything still waiting on this phone. Your therapist will no longer see any of it. It cannot be undone.",
    ),
    h(
      "p",
      {},
      "You may want to keep a copy first. ",
      h("a", { href: "/api/v1/me/export", download: "" }, "Download a copy of my data"),
    ),
    h("div", { class: "actions" }, open),
    form,
  );
}
