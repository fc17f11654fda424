import { ApiError, OfflineError } from "../api.js";
import { askFor, field, h, problemMessages } from "../dom.js";
import { events, flush } from "../outbox.js";
import { session, signIn } from "../session.js";

export async function render(main, { navigate }) {
  const message = h("div", { role: "alert", class: "form-message" });
  const email = h("input", { type: "email", id: "email", name: "email", autocomplete: "username", required: true });
  const password = h("input", {
    type: "password",
    id: "password",
    name: "password",
    autocomplete: "current-password",
    required: true,
  });
  const button = h("button", { type: "submit", class: "primary" }, "Sign in");
  const form = h(
    "form",
    { novalidate: true },
    field("Email", email),
    field("Password", password),
    message,
    h("div", { class: "actions" }, button),
  );
  if (session.me && !session.verified && navigator.onLine) {
    message.replaceChildren(
      h("p", { class: "notice" }, "Your session has ended. Sign in again to send anything that is waiting."),
    );
  }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.replaceChildren();
    if (!email.value.trim() || !password.value) return askFor(message, "Enter your email and password.");
    button.disabled = true;
    try {
      const me = await signIn(email.value.trim(), password.value);
      if (me.role !== "patient") {
        // Staff belong in the workspace, signed in there by this same session.
        location.assign(WORKSPACE);
        return;
      }
      events.dispatchEvent(new Event("signed-in"));
      flush();
      const next = sessionStorage.getItem("between.after-signin");
      sessionStorage.removeItem("between.after-signin");
      navigate(next && next.startsWith("/") && next !== "/signin" ? next : "/today");
    } catch (error) {
      const text =
        error instanceof OfflineError
          ? "You're offline. Signing in needs a connection."
          : error instanceof ApiError
            ? problemMessages(error.problem)[0] || "That didn't work. Please try again."
            : "That didn't work. Please try again.";
      message.replaceChildren(h("p", { class: "attention" }, text));
      // Staff give a code from their phone, which only the workspace asks for.
      if (error instanceof ApiError && error.status === 401) message.append(staffLink());
    } finally {
      button.disabled = false;
    }
  });
  main.append(
    h("h1", {}, "Sign in"),
    h("p", {}, "Welcome back. Your journal is here when you need it."),
    form,
    h("p", { class: "muted" }, "New here? Open the invitation link your clinic sent you."),
    staffLink(),
  );
}

const WORKSPACE = "/therapist/index.html";

function staffLink() {
  return h("p", { class: "muted" }, "Clinic staff: ", h("a", { href: WORKSPACE }, "sign in to the therapist workspace"), ".");
}
