import { ApiError, OfflineError, api } from "../api.js";
import { askFor, field, h, problemMessages } from "../dom.js";
import { events } from "../outbox.js";
import { setMe } from "../session.js";

function deviceZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

export async function render(main, { params, navigate }) {
  const token = params.token;
  main.append(h("h1", {}, "Welcome to Between"));
  const body = h("div", { class: "loading" }, "Opening your invitation…");
  main.append(body);
  let invite;
  try {
    invite = await api(`/invites/${encodeURIComponent(token)}`, { quiet401: true });
  } catch (error) {
    body.replaceChildren(
      h(
        "p",
        {},
        error instanceof OfflineError
          ? "You're offline. Opening an invitation needs a connection; try again in a moment."
          : "This invitation link doesn't work any more. It may have expired or been used already. Ask your clinic for a new one.",
      ),
      h("p", {}, h("a", { href: "#/signin" }, "I already have an account")),
    );
    body.classList.remove("loading");
    return;
  }
  body.classList.remove("loading");
  if (invite.role !== "patient") {
    // Therapists and admins join in the clinic's workspace, where they set up two-step sign-in.
    body.replaceChildren(
      h("p", {}, "This invitation is for the clinic's workspace, where therapists and admins work."),
      h(
        "p",
        {},
        h(
          "a",
          { href: `/therapist/index.html#/invite/${encodeURIComponent(token)}` },
          "Open the invitation in the workspace",
        ),
      ),
    );
    return;
  }
  const zone = deviceZone();
  const message = h("div", { role: "alert" });
  const password = h("input", {
    type: "password",
    id: "new-password",
    autocomplete: "new-password",
    required: true,
    minlength: "12",
  });
  const shareYes = h("input", { type: "radio", name: "share", value: "yes", checked: true });
  const shareNo = h("input", { type: "radio", name: "share", value: "no" });
  const button = h("button", { type: "submit", class: "primary" }, "Create my account");
  const form = h(
    "form",
    { novalidate: true },
    h("p", {}, "Your email: ", h("strong", {}, invite.email)),
    field("Choose a password", password, "At least 12 characters. A few words you'll remember work well."),
    h(
      "fieldset",
      {},
      h("legend", {}, "What should your therapist see?"),
      h(
        "p",
        { class: "hint" },
        "You decide for every single check-in and journal entry, and you can change your mind at any time. This only sets where new items start.",
      ),
      h(
        "label",
        { class: "check" },
        shareYes,
        h("span", {}, "Share new items with my therapist, unless I make one private"),
      ),
      h(
        "label",
        { class: "check" },
        shareNo,
        h("span", {}, "Keep new items private, unless I choose to share one"),
      ),
      h(
        "p",
        { class: "hint" },
        "Private items are seen by nobody but you — not even as a count. One exception, for your safety: if a questionnaire tells us you've had thoughts that you would be better off dead, or of hurting yourself, or a check-in says you don't feel safe, your care team is told you may need support. They see only that, not what you wrote or answered.",
      ),
    ),
    h(
      "div",
      { class: "notice", id: "not-watched" },
      h("h2", {}, "Between is not watched in real time"),
      h(
        "p",
        {},
        "Your therapist reads what you share before your next session, not as you write it. If you need help now, use Need help now at the top of every screen: it lists who to call or text, any time.",
      ),
    ),
    h("p", { class: "muted" }, `Reminders will follow your time zone: ${zone}. You can change it in Settings.`),
    message,
    h("div", { class: "actions" }, button),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.replaceChildren();
    password.removeAttribute("aria-invalid");
    if (password.value.length < 12) {
      password.setAttribute("aria-invalid", "true");
      return askFor(message, "Your password needs at least 12 characters.", password);
    }
    button.disabled = true;
    try {
      const me = await api(`/invites/${encodeURIComponent(token)}/accept`, {
        method: "POST",
        body: { password: password.value, time_zone: zone, share_by_default: shareYes.checked },
        quiet401: true,
      });
      await setMe(me);
      events.dispatchEvent(new Event("signed-in"));
      navigate("/today");
    } catch (error) {
      const lines =
        error instanceof ApiError
          ? problemMessages(error.problem)
          : ["You're offline. Try again when you have a connection."];
      if (error instanceof ApiError && error.problem.errors?.password) {
        password.setAttribute("aria-invalid", "true");
      }
      message.replaceChildren(
        h("div", { class: "attention" }, h("ul", {}, lines.map((line) => h("li", {}, line)))),
      );
    } finally {
      button.disabled = false;
    }
  });
  const greeting = invite.display_name ? `Hello, ${invite.display_name}.` : "Hello.";
  // Replaces "Opening your invitation…", which stayed above the form.
  body.replaceChildren(
    h("p", {}, greeting, " ", `${invite.clinic_name} invited you to Between, a private journal for the time between your sessions.`),
    form,
  );
}
