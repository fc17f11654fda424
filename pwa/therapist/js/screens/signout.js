// Sign out: the server forgets the session at once, and this page keeps nothing.

import { h } from "/js/dom.js";
import { disablePush } from "/js/push.js";
import { signOut } from "../client.js";
import { stopIdle } from "../idle.js";

export async function render(main) {
  stopIdle();
  // Signing out on purpose (not the idle clock) also stops urgent-flag
  // notifications here: the computer may be someone else's next.
  await Promise.race([disablePush(), new Promise((done) => setTimeout(done, 8000))]);
  await signOut();
  for (const id of ["nav", "who"]) document.getElementById(id).hidden = true;
  main.append(
    h(
      "section",
      { class: "narrow" },
      h("h1", {}, "You're signed out"),
      h("p", {}, "Nothing from this session is kept on this computer."),
      h("p", {}, h("a", { href: "#/signin", class: "button primary" }, "Sign in again")),
    ),
  );
}
