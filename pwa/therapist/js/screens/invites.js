// Invitations: a therapist invites a patient (who joins their care team); an
// admin invites therapists. The accept link is shown once, with a QR code the
// patient can scan from this screen.

import { h } from "/js/dom.js";
import { call, failure } from "../client.js";
import { field } from "../forms.js";
import { formatWhen } from "../format.js";
import { qrCode } from "../qr.js";

export async function render(main, { me, announce }) {
  const admin = me.role === "admin";
  main.append(
    h("h1", {}, admin ? "Invite a therapist" : "Invite a patient"),
    h(
      "p",
      {},
      admin
        ? "The therapist gets a link to set a password and two-step sign-in. Therapists then invite their own patients."
        : "The patient gets a link to set a password and start their journal. They join your care team.",
    ),
  );
  const email = h("input", { type: "email", id: "invite-email", required: true, autocomplete: "off" });
  const name = h("input", { type: "text", id: "invite-name", maxlength: "120", autocomplete: "off" });
  const message = h("div", { class: "form-message", role: "alert" });
  const send = h("button", { type: "submit", class: "primary" }, "Create the invitation");
  const result = h("div", { class: "invite-result" });
  const form = h(
    "form",
    { novalidate: true, class: "narrow" },
    field(admin ? "Therapist's email" : "Patient's email", email),
    field("Name (optional)", name, "How they'll be greeted; they can change it."),
    message,
    h("div", { class: "actions" }, send),
  );
  const pending = h("section", { class: "pending-invites", "aria-labelledby": "pending-heading" });
  main.append(form, result, pending);

  // Listening before the pending list loads: a click meanwhile must not submit the
  // form natively (a page reload that loses what was typed).
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.replaceChildren();
    if (!email.value.trim() || !email.checkValidity()) {
      message.append(h("p", { class: "attention" }, "Enter a valid email address."));
      email.focus();
      return;
    }
    const body = { email: email.value.trim(), role: admin ? "therapist" : "patient" };
    if (name.value.trim()) body.display_name = name.value.trim();
    send.disabled = true;
    try {
      const invite = await call("/invites", { method: "POST", body });
      showInvite(result, invite);
      form.reset();
      await listPending(pending, result, announce);
      announce("Invitation created. The link and QR code are shown below.");
      result.querySelector("h2").focus();
    } catch (error) {
      message.append(h("p", { class: "attention" }, failure(error, "The invitation")));
    } finally {
      send.disabled = false;
    }
  });
  await listPending(pending, result, announce);
}

function showInvite(box, invite) {
  const link = h("input", { type: "text", id: "invite-link", readonly: true, value: invite.accept_url, class: "link" });
  const copied = h("span", { role: "status", class: "muted" });
  const copy = h("button", { type: "button" }, "Copy the link");
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(invite.accept_url);
      copied.textContent = "Copied.";
    } catch {
      link.select();
      copied.textContent = "Selected: press Ctrl+C (⌘C) to copy.";
    }
  });
  const who = invite.display_name ? `${invite.display_name} (${invite.email})` : invite.email;
  box.replaceChildren(
    h(
      "section",
      { class: "panel invite", "aria-labelledby": "invite-ready" },
      h("h2", { id: "invite-ready", tabindex: "-1" }, `Invitation for ${who}`),
      h(
        "p",
        {},
        "Valid until ",
        h("time", { datetime: invite.expires_at }, formatWhen(invite.expires_at)),
        ". Nothing is emailed: hand the link or QR code to the person yourself. This link is shown only now and lets whoever has it create the account: give it only to them, ",
        invite.role === "patient" ? "for example by letting them scan the code below in the room." : "for example in a direct message.",
      ),
      h("div", { class: "field" }, h("label", { for: "invite-link" }, "Invitation link"), h("div", { class: "copy-row" }, link, copy), copied),
      invite.role === "patient" ? h("figure", { class: "qr-figure" }, qrCode(invite.accept_url, `QR code of the invitation link for ${who}`), h("figcaption", {}, "The patient scans this with their phone's camera.")) : null,
    ),
  );
}

// Pending invitations (a therapist's own; an admin's, the clinic's): never a
// token here; a lost or expired link is replaced with "New link".
async function listPending(box, result, announce) {
  box.replaceChildren(
    h("h2", { id: "pending-heading" }, "Pending invitations"),
    h("p", {}, "Nothing is emailed: the link or QR code is handed to the person by you. Revoke a link given by mistake; make a new link if one was lost or has expired (the old one stops working)."),
  );
  let invites;
  try {
    invites = (await call("/invites")).items;
  } catch (error) {
    box.append(h("p", { class: "attention" }, failure(error, "The pending invitations")));
    return;
  }
  if (!invites.length) {
    box.append(h("p", { class: "muted" }, "No invitation is waiting to be accepted."));
    return;
  }
  const rows = invites.map((invite) => {
    const revoke = h("button", { type: "button" }, "Revoke");
    const renew = h("button", { type: "button" }, "New link");
    const label = invite.display_name ? `${invite.display_name} (${invite.email})` : invite.email;
    revoke.setAttribute("aria-label", `Revoke the invitation for ${label}`);
    renew.setAttribute("aria-label", `New link for ${label}`);
    revoke.addEventListener("click", async () => {
      try {
        await call(`/invites/${invite.id}`, { method: "DELETE" });
        announce(`The invitation for ${label} was revoked; its link no longer works.`);
        await listPending(box, result, announce);
      } catch (error) {
        box.append(h("p", { class: "attention" }, failure(error, "Revoking")));
      }
    });
    renew.addEventListener("click", async () => {
      try {
        const again = await call(`/invites/${invite.id}/reissue`, { method: "POST" });
        showInvite(result, again);
        announce(`A new link for ${label} is shown above; the old one no longer works.`);
        await listPending(box, result, announce);
        result.querySelector("h2").focus();
      } catch (error) {
        box.append(h("p", { class: "attention" }, failure(error, "The new link")));
      }
    });
    const expired = new Date(invite.expires_at) <= new Date();
    return h(
      "tr",
      {},
      h("td", {}, label),
      h("td", {}, invite.role),
      h("td", {}, h("time", { datetime: invite.created_at }, formatWhen(invite.created_at))),
      h("td", {}, expired ? "Expired " : "", h("time", { datetime: invite.expires_at }, formatWhen(invite.expires_at))),
      h("td", {}, h("div", { class: "actions" }, renew, revoke)),
    );
  });
  box.append(
    h(
      "table",
      {},
      h("caption", { class: "visually-hidden" }, "Pending invitations"),
      h("thead", {}, h("tr", {}, ...["Who", "Role", "Created", "Expires", "Actions"].map((name) => h("th", { scope: "col" }, name)))),
      h("tbody", {}, ...rows),
    ),
  );
}
