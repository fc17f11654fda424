// Staff sign-in: email, password and the code from an authenticator app
// (or a recovery code). Someone who has not set up two-step sign-in yet leaves
// the code empty and is taken to enrolment.

import { h } from "/js/dom.js";
import { ApiError, OfflineError, signIn } from "../client.js";
import { field } from "../forms.js";

function input(id, attrs) {
  return h("input", { id, name: id, required: true, ...attrs });
}

export async function render(main, { reason, signedIn }) {
  const message = h("div", { class: "form-message", role: "alert" });
  const button = h("button", { type: "submit", class: "primary" }, "Sign in");
  const form = h(
    "form",
    { novalidate: true, class: "signin" },
    field("Email", input("email", { type: "email", autocomplete: "username" })),
    field("Password", input("password", { type: "password", autocomplete: "current-password" })),
    field(
      "Authentication code",
      input("totp", {
        type: "text",
        inputmode: "numeric",
        autocomplete: "one-time-code",
        maxlength: "20",
        required: false,
        spellcheck: "false",
      }),
      "The 6-digit code from your authenticator app, or one of your recovery codes. " +
        "Not set up yet? Leave it empty and you'll set it up next.",
    ),
    message,
    h("div", { class: "actions" }, button),
  );
  const { email, password, totp } = form.elements;

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.replaceChildren();
    if (!email.value.trim() || !password.value) {
      message.replaceChildren(h("p", { class: "attention" }, "Enter your email and password."));
      (email.value.trim() ? password : email).focus();
      return;
    }
    button.disabled = true;
    try {
      const me = await signIn(email.value.trim(), password.value, totp.value.replace(/\s+/g, ""));
      signedIn(me);
    } catch (error) {
      totp.value = "";
      const text =
        error instanceof OfflineError
          ? "The server could not be reached. Check the connection and try again."
          : error instanceof ApiError && error.status === 429
            ? "Too many attempts. Please wait a few minutes before trying again."
            : error instanceof ApiError && error.status === 401
              ? "The email, password or code is not right. Codes change every 30 seconds; use the current one."
              : "Signing in did not work just now. Please try again.";
      message.replaceChildren(h("p", { class: "attention" }, text));
    } finally {
      button.disabled = false;
    }
  });

  main.append(
    h(
      "section",
      { class: "narrow" },
      h("h1", {}, "Sign in"),
      reason ? h("p", { class: "notice" }, reason) : h("p", {}, "The therapist workspace of Between."),
      form,
      h(
        "p",
        { class: "muted" },
        "Lost your authenticator? Use a recovery code, or ask your clinic's admin. ",
        "Patients sign in to ",
        h("a", { href: "/" }, "the Between app"),
        ".",
      ),
    ),
  );
}
