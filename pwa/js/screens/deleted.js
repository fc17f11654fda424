// After a patient deleted their account: signed out, nothing of theirs left.
import { h } from "../dom.js";
import { ACCOUNT_DELETED } from "../session.js";

export async function render(main, { navigate }) {
  // Shown only in the tab where the account was deleted (until someone signs in there),
  // never to someone who merely opens this address.
  if (sessionStorage.getItem(ACCOUNT_DELETED) !== "1") return navigate("/signin");
  main.append(
    h("h1", {}, "Your account and data are deleted"),
    h(
      "p",
      {},
      "Everything you wrote and answered in Between is gone, from the server and from this phone. Your therapist no longer sees any of it.",
    ),
    h("p", {}, "Thank you for the work you did here. Your care team is still there for you, outside this app."),
    h("p", {}, h("a", { href: "#/signin" }, "Sign in with another account")),
  );
}
