import { h } from "../dom.js";
import { flush, queued } from "../outbox.js";
import { signOutNow } from "../signout-core.js";

export async function render(main, { navigate }) {
  main.append(h("h1", {}, "Sign out"));
  const body = h("div", {}, h("p", { role: "status" }, "Sending anything that is waiting…"));
  main.append(body);
  await flush();
  const left = await queued();
  if (!left.length) {
    body.replaceChildren(h("p", { role: "status" }, "Signing out…"));
    await signOutNow();
    return;
  }
  const again = h("button", { type: "button", class: "primary" }, "Try sending again");
  const drop = h("button", { type: "button" }, `Discard ${left.length === 1 ? "it" : "them"} and sign out`);
  const stay = h("button", { type: "button", class: "quiet" }, "Stay signed in");
  again.addEventListener("click", () => render(main.replaceChildren() || main, { navigate }));
  drop.addEventListener("click", async () => {
    drop.disabled = true;
    await signOutNow();
  });
  stay.addEventListener("click", () => navigate("/today"));
  body.replaceChildren(
    h(
      "p",
      { class: "attention" },
      left.length === 1
        ? "1 thing you wrote has not reached the server yet."
        : `${left.length} things you wrote have not reached the server yet.`,
    ),
    h(
      "p",
      {},
      "Signing out removes everything from this phone. If you sign out now, what is waiting will be lost. You can stay signed in and it will be sent when you're back online.",
    ),
    h("p", {}, h("a", { href: "#/waiting" }, "See what's waiting")),
    h("div", { class: "actions" }, again, drop, stay),
  );
}
