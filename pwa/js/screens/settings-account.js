// Settings: my name, my password, and installing the app.

import { ApiError, OfflineError, api } from "../api.js";
import { field, h, problemMessages, titledCard } from "../dom.js";
import { canInstall, install, onInstallOffer } from "../install.js";
import { patchMe, session } from "../session.js";

function failure(error) {
  if (error instanceof OfflineError) return ["You're offline; try again when you're connected."];
  if (error instanceof ApiError) return problemMessages(error.problem);
  return ["That could not be saved just now."];
}

function say(box, lines, good) {
  box.replaceChildren(
    good
      ? h("p", { class: "notice" }, lines[0])
      : h("div", { class: "attention" }, h("ul", {}, lines.map((line) => h("li", {}, line)))),
  );
}

/** The name my therapist and the app call me. */
export function myName() {
  const name = h("input", {
    type: "text",
    id: "my-name",
    autocomplete: "name",
    maxlength: "120",
    value: session.me?.display_name || "",
  });
  const message = h("div", { role: "status" });
  const form = h(
    "form",
    { novalidate: true },
    field("My name", name),
    message,
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Save my name")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = name.value.trim();
    if (!value) {
      say(message, ["Write the name you'd like to be called."]);
      return;
    }
    try {
      const saved = await api("/me/settings", { method: "PATCH", body: { display_name: value } });
      await patchMe({ display_name: saved?.display_name || value });
      say(message, ["Saved."], true);
    } catch (error) {
      say(message, failure(error));
    }
  });
  return titledCard("me-title", "About me", form);
}

/** A new password, given the current one; this phone stays signed in. */
export function myPassword() {
  const password = (id, label, autocomplete, hint) =>
    field(label, h("input", { type: "password", id, autocomplete, maxlength: "256" }), hint);
  const message = h("div", { role: "status" });
  const form = h(
    "form",
    { novalidate: true },
    password("current-password", "Current password", "current-password"),
    password("new-password", "New password", "new-password", "At least 12 characters. A few unrelated words work well."),
    message,
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Change my password")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const current = form.querySelector("#current-password");
    const next = form.querySelector("#new-password");
    if (!current.value || !next.value) {
      say(message, ["Give your current password and a new one."]);
      return;
    }
    try {
      await api("/auth/password", {
        method: "POST",
        body: { current_password: current.value, new_password: next.value },
      });
      current.value = "";
      next.value = "";
      say(message, ["Your password is changed. Other phones and browsers are signed out."], true);
    } catch (error) {
      say(message, failure(error));
    }
  });
  return titledCard(
    "password-title",
    "Password",
    form,
  );
}

/** "Install Between" where the browser offers it; on iPhone and iPad, the steps. */
export function installApp({ ios, installed }) {
  const box = titledCard("install-title", "Install Between");
  const status = h("p", { role: "status" });
  const button = h("button", { type: "button" }, "Install Between on this phone");
  button.addEventListener("click", async () => {
    const outcome = await install();
    status.textContent = outcome === "accepted" ? "Between is installed. Open it from your Home Screen." : "Not installed. You can install it any time.";
    show();
  });
  let stop = () => {};
  const show = () => {
    if (!box.isConnected && stop) stop(); // Settings was left: stop listening
    button.hidden = !canInstall();
  };
  if (installed) {
    box.append(h("p", {}, "Between is installed on this phone."));
    return box;
  }
  box.append(
    h("p", {}, "Installed, Between opens like an app, works offline and can remind you."),
    ios
      ? h("p", {}, "On iPhone and iPad: tap Share in Safari, then “Add to Home Screen”. Reminders work only from the Home Screen app.")
      : h("p", { class: "hint" }, "If no button shows, use your browser's menu: “Install app” or “Add to Home screen”."),
    h("div", { class: "actions" }, button),
    status,
  );
  show();
  stop = onInstallOffer(show);
  return box;
}
