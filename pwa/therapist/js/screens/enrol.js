// Setting up two-step sign-in (TOTP), which therapists and admins must do
// before they see anything else: scan the code (or type the key), confirm one
// code, keep the recovery codes that are shown once.

import { h } from "/js/dom.js";
import { ApiError, call, failure, setMe, state, whoAmI } from "../client.js";
import { field } from "../forms.js";
import { qrCode } from "../qr.js";

function groups(secret) {
  return secret.replace(/(.{4})/g, "$1 ").trim();
}

export async function render(main, { signedIn }) {
  main.append(
    h("h1", {}, "Set up two-step sign-in"),
    h(
      "p",
      {},
      "Your patients' health data needs more than a password. Add Between to an authenticator app " +
        "on your phone (for example Google Authenticator, Microsoft Authenticator or 1Password); " +
        "you'll give its 6-digit code each time you sign in.",
    ),
  );
  const body = h("div", { class: "loading" }, "Preparing a new key…");
  main.append(body);

  let enrolment;
  try {
    enrolment = await call("/auth/totp/enrol", { method: "POST" });
  } catch (error) {
    body.className = "";
    body.replaceChildren(h("p", { class: "attention" }, failure(error, "Setting up")));
    if (state.me?.totp_enrolled) {
      body.append(
        h("p", {}, "To move it to a new phone, use ", h("a", { href: "#/account" }, "My account"), "."),
        h("p", {}, h("a", { href: "#/" }, "Continue to the workspace")),
      );
    }
    return;
  }

  const message = h("div", { class: "form-message", role: "alert" });
  const code = h("input", {
    id: "totp-code",
    name: "code",
    type: "text",
    inputmode: "numeric",
    autocomplete: "one-time-code",
    pattern: "[0-9]{6}",
    maxlength: "6",
    required: true,
  });
  const button = h("button", { type: "submit", class: "primary" }, "Confirm");
  const form = h(
    "form",
    { novalidate: true },
    field("Code shown by the app", code, "6 digits; it changes every 30 seconds."),
    message,
    h("div", { class: "actions" }, button),
  );

  body.className = "enrol";
  body.replaceChildren(
    h(
      "ol",
      { class: "steps" },
      h(
        "li",
        {},
        h("h2", {}, "Scan this code with the app"),
        qrCode(enrolment.otpauth_uri, "QR code that adds Between to an authenticator app"),
        h(
          "p",
          {},
          "Can't scan? Choose “enter a key” in the app and type this key: ",
          h("code", { class: "secret" }, groups(enrolment.secret)),
        ),
      ),
      h("li", {}, h("h2", {}, "Type the code the app shows"), form),
    ),
  );

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.replaceChildren();
    const value = code.value.replace(/\s+/g, "");
    if (!/^\d{6}$/.test(value)) {
      message.replaceChildren(h("p", { class: "attention" }, "Enter the 6 digits the app shows."));
      code.focus();
      return;
    }
    button.disabled = true;
    try {
      const answer = await call("/auth/totp/confirm", { method: "POST", body: { code: value } });
      // Confirming replaces the session (others end): use its new CSRF token.
      setMe({ ...state.me, csrf_token: answer.csrf_token });
      const me = await whoAmI();
      showRecoveryCodes(main, answer.recovery_codes, () => signedIn(me));
    } catch (error) {
      message.replaceChildren(h("p", { class: "attention" }, confirmFailure(error)));
      code.select();
    } finally {
      button.disabled = false;
    }
  });

  main.append(h("p", { class: "muted" }, h("a", { href: "#/signout" }, "Sign out")));
}

/**
 * A code the server did not take reads as one sentence (its field name and
 * wording are for API clients); anything else is said in the server's words.
 */
function confirmFailure(error) {
  if (error instanceof ApiError && error.status === 422 && error.problem?.errors?.code) {
    return "That code is not right. Check your phone's clock is set automatically, and type the code the app shows now.";
  }
  return failure(error, "Confirming");
}

function showRecoveryCodes(main, codes, done) {
  const heading = h("h1", { tabindex: "-1" }, "Keep your recovery codes");
  main.replaceChildren(
    heading,
    h("p", { class: "notice" }, "Two-step sign-in is set up."),
    h(
      "p",
      {},
      "If you lose your phone, each of these codes signs you in once in place of an app code. " +
        "Print them or keep them in a password manager: they are shown only this once.",
    ),
    h("ul", { class: "recovery-codes" }, codes.map((item) => h("li", {}, h("code", {}, item)))),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "button", class: "quiet", onclick: () => window.print() }, "Print the codes"),
      h("button", { type: "button", class: "primary", onclick: done }, "I've kept them: continue"),
    ),
  );
  document.title = "Keep your recovery codes · Between for clinicians";
  heading.focus();
}
