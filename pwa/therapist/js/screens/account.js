// My account: change my password, and replace two-step sign-in (a new phone).
// Both ask again for what proves it's me (the current password, and a code);
// both end my other sessions, so the session this page uses is a new one and
// its CSRF token is read again. After two-step sign-in is turned off the
// workspace's enrolment screen follows: a new key, a code, new recovery codes.

import { h } from "/js/dom.js";
import { call, whoAmI } from "../client.js";
import { feedback, field, refusal } from "../forms.js";

const MIN_PASSWORD = 12;

function passwordInput(id, autocomplete) {
  return h("input", { id, name: id, type: "password", autocomplete, required: true, maxlength: "256" });
}

/** One part of the page, titled by its own heading. */
function part(id, title, ...children) {
  return h("section", { class: "account-part", "aria-labelledby": id }, h("h2", { id }, title), ...children);
}

/**
 * The server ended my other sessions and gave this one a new id: read who I
 * am (and the CSRF token) again. Offline just now, the next request does it.
 */
async function readMeAgain() {
  try {
    await whoAmI();
  } catch {
    // The next request reads it again (or its 403 sends me to enrolment).
  }
}

/** What a form still needs before it is sent, each line naming its field (`labels`). */
function needs(labels) {
  const lines = [];
  const invalid = [];
  const add = (key, words) => {
    lines.push(`${labels[key]}: ${words}`);
    invalid.push(key);
  };
  return { lines, invalid, add };
}

function passwordSection(me) {
  const current = passwordInput("current-password", "current-password");
  const fresh = passwordInput("new-password", "new-password");
  const again = passwordInput("confirm-password", "new-password");
  const labels = {
    current_password: "Current password",
    new_password: "New password",
    confirm: "Confirm the new password",
  };
  const controls = { current_password: current, new_password: fresh, confirm: again };
  const { message, show, done, clear } = feedback(controls);
  // The email beside the new password, so a password manager saves the pair.
  const username = h("input", {
    type: "email",
    name: "username",
    autocomplete: "username",
    value: me.email,
    hidden: true,
    readonly: true,
    tabindex: "-1",
  });
  const button = h("button", { type: "submit", class: "primary" }, "Change password");
  const form = h(
    "form",
    { novalidate: true, "aria-labelledby": "password-heading" },
    username,
    field(labels.current_password, current),
    field(
      labels.new_password,
      fresh,
      `At least ${MIN_PASSWORD} characters. A few words you'll remember work well; a password manager works best.`,
    ),
    field(labels.confirm, again),
    message,
    h("div", { class: "actions" }, button),
  );

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear();
    const missing = needs(labels);
    if (!current.value) missing.add("current_password", "type the password you sign in with now.");
    if (fresh.value.length < MIN_PASSWORD) missing.add("new_password", `use at least ${MIN_PASSWORD} characters.`);
    else if (again.value !== fresh.value) missing.add("confirm", "it is not the same as the new password.");
    if (missing.lines.length) {
      show(missing.lines, missing.invalid, "Your password is not changed yet:");
      return;
    }
    button.disabled = true;
    try {
      await call("/auth/password", {
        method: "POST",
        body: { current_password: current.value, new_password: fresh.value },
      });
    } catch (error) {
      const found = refusal(error, labels, "Changing the password");
      show(found.lines, found.invalid, "Your password is not changed yet:");
      return;
    } finally {
      button.disabled = false;
    }
    form.reset();
    username.value = me.email;
    await readMeAgain();
    done("Your password is changed. Use the new one next time you sign in; any other device signed in as you has been signed out.");
  });

  return part("password-heading", "Change your password", form);
}

function totpSection(navigate) {
  const password = passwordInput("totp-password", "current-password");
  const code = h("input", {
    id: "totp-old-code",
    name: "code",
    type: "text",
    autocomplete: "one-time-code",
    autocapitalize: "off",
    spellcheck: "false",
    required: true,
    maxlength: "20",
  });
  const labels = { password: "Password", code: "Code from your current app, or a recovery code" };
  const controls = { password, code };
  const { message, show, clear } = feedback(controls);
  const button = h("button", { type: "submit", class: "primary" }, "Replace two-step sign-in");
  const form = h(
    "form",
    { novalidate: true, "aria-labelledby": "totp-heading" },
    field(labels.password, password),
    field(labels.code, code, "The 6 digits the app on your old phone shows, or one of your unused recovery codes."),
    message,
    h("div", { class: "actions" }, button),
  );

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear();
    const value = code.value.replace(/\s+/g, "");
    const missing = needs(labels);
    if (!password.value) missing.add("password", "type the password you sign in with.");
    if (!/^[0-9A-Za-z-]{6,20}$/.test(value)) missing.add("code", "type the 6 digits the app shows, or a recovery code.");
    if (missing.lines.length) {
      show(missing.lines, missing.invalid, "Two-step sign-in is not changed yet:");
      return;
    }
    button.disabled = true;
    try {
      await call("/auth/totp/disable", { method: "POST", body: { password: password.value, code: value } });
    } catch (error) {
      button.disabled = false;
      const found = refusal(error, labels, "Replacing two-step sign-in");
      show(found.lines, found.invalid, "Two-step sign-in is not changed yet:");
      return;
    }
    // The old key and recovery codes are gone: I am not enrolled now; set up the new phone.
    await readMeAgain();
    navigate("/enrol");
  });

  return part(
    "totp-heading",
    "Replace two-step sign-in",
    h(
      "p",
      {},
      "For a new phone, or if you lost the old one. Confirm it's you with your password and a code; " +
        "then you'll add Between to the authenticator app on the new phone and get new recovery codes. " +
        "The old phone's codes and your old recovery codes stop working.",
    ),
    form,
  );
}

export async function render(main, { me, navigate }) {
  main.append(
    h("h1", {}, "My account"),
    h("p", { class: "muted" }, `Signed in as ${me.email}.`),
    h("div", { class: "account" }, passwordSection(me), totpSection(navigate)),
  );
}
