// Accepting an invitation to the clinic's workspace (therapists, admins):
// the email the invitation is for, a password (the server's rules: at least
// 12 characters) and, optionally, the name colleagues see. Accepting signs the
// person in; two-step sign-in must be set up next, before anything else.

import { h } from "/js/dom.js";
import { ApiError, OfflineError, call, setMe, state } from "../client.js";
import { feedback, field, refusal } from "../forms.js";

const MIN_PASSWORD = 12;
/** What the person sees for each field the server may name in its answer. */
const LABELS = { password: "Password", display_name: "Your name", time_zone: "Time zone" };

function deviceZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

function unavailable(error) {
  if (error instanceof OfflineError) {
    return "The server could not be reached. Check the connection, then reload this page.";
  }
  if (error instanceof ApiError && [404, 410].includes(error.status)) {
    return (
      "This invitation link doesn't work any more: it may have expired or been used already. " +
      "Ask your clinic's admin for a new one."
    );
  }
  return "This invitation could not be opened just now. Reload the page to try again.";
}

export async function render(main, { params, signedIn }) {
  const token = params.token;
  const section = h("section", { class: "narrow invite" }, h("h1", {}, "Join your clinic's workspace"));
  main.append(section);
  const body = h("div", { class: "loading" }, "Opening your invitation…");
  section.append(body);

  let invite;
  try {
    invite = await call(`/invites/${encodeURIComponent(token)}`);
  } catch (error) {
    body.className = "";
    body.replaceChildren(
      h("p", { class: "attention" }, unavailable(error)),
      h("p", {}, h("a", { href: "#/signin" }, "I already have an account: sign in")),
    );
    return;
  }
  body.className = "";

  if (invite.role === "patient") {
    // A patient's invitation belongs to the Between app, where they keep their journal.
    body.replaceChildren(
      h("p", {}, "This invitation is for the Between app, the journal patients keep between sessions."),
      h("p", {}, h("a", { href: `/#/invite/${encodeURIComponent(token)}` }, "Open the invitation in the Between app")),
    );
    return;
  }

  if (state.me) {
    // Accepting would replace this session with the new account's.
    body.replaceChildren(
      h(
        "p",
        { class: "notice" },
        `You're signed in as ${state.me.email}. This invitation is for ${invite.email}: ` +
          "sign out, then open the invitation link again.",
      ),
      h("p", {}, h("a", { href: "#/signout" }, "Sign out")),
    );
    return;
  }

  const password = h("input", {
    id: "invite-password",
    name: "password",
    type: "password",
    autocomplete: "new-password",
    required: true,
    minlength: String(MIN_PASSWORD),
  });
  const name = h("input", {
    id: "invite-name",
    name: "display_name",
    type: "text",
    autocomplete: "name",
    maxlength: "120",
    value: invite.display_name || "",
  });
  // The email is a hidden username beside the new password, so password managers save the pair.
  const username = h("input", {
    type: "email",
    name: "username",
    autocomplete: "username",
    value: invite.email,
    hidden: true,
    readonly: true,
    tabindex: "-1",
  });
  const { message, show, clear } = feedback({ password, display_name: name });
  const button = h("button", { type: "submit", class: "primary" }, "Create my account");
  const form = h(
    "form",
    { novalidate: true },
    username,
    field(
      "Choose a password",
      password,
      `At least ${MIN_PASSWORD} characters. A few words you'll remember work well; a password manager works best.`,
    ),
    field("Your name (optional)", name, "As colleagues and your patients will see it. You can change it later."),
    message,
    h("div", { class: "actions" }, button),
  );
  const NOT_YET = "Your account was not created yet:";

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear();
    if (password.value.length < MIN_PASSWORD) {
      show([`Password: use at least ${MIN_PASSWORD} characters.`], ["password"], NOT_YET);
      return;
    }
    const answer = { password: password.value, time_zone: deviceZone() };
    if (name.value.trim()) answer.display_name = name.value.trim();
    button.disabled = true;
    let me;
    try {
      me = await call(`/invites/${encodeURIComponent(token)}/accept`, { method: "POST", body: answer });
    } catch (error) {
      button.disabled = false;
      const gone = error instanceof ApiError && [404, 410].includes(error.status);
      const found = gone
        ? { lines: ["This invitation has expired or been used already. Ask your clinic's admin for a new one."], invalid: [] }
        : refusal(error, LABELS, "Creating your account");
      show(found.lines, found.invalid, NOT_YET);
      return;
    }
    setMe(me);
    signedIn(me); // staff set up two-step sign-in next, then reach their home
  });

  const greeting = invite.display_name ? `Welcome, ${invite.display_name}.` : "Welcome.";
  const what = invite.role === "admin" ? "as an admin" : "as a therapist";
  body.replaceChildren(
    h("p", {}, greeting, " ", `${invite.clinic_name} invited you to its Between workspace ${what}.`),
    h("p", {}, "Your email: ", h("strong", {}, invite.email)),
    form,
    h(
      "p",
      { class: "muted" },
      "Next you'll set up two-step sign-in with an authenticator app on your phone, which protects your patients' data.",
    ),
  );
}
