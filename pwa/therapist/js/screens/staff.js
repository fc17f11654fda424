// The clinic's staff, for admins: each therapist and admin with their two-step
// sign-in and last sign-in, and the two things an admin does for someone who
// lost a device: sign them out everywhere, reset their two-step sign-in. Each
// asks first, says what happened, and the server records it in the audit log.

import { h } from "/js/dom.js";
import { call, failure } from "../client.js";
import { formatWhen, plural } from "../format.js";
import { askInPlace } from "../forms.js";
import { dataTable } from "../tables.js";

const ROLE = { therapist: "Therapist", admin: "Admin" };

function nameOf(person) {
  return person.display_name || person.email;
}

export async function render(main, { me }) {
  main.append(
    h("h1", {}, "Staff"),
    h("p", {}, "Your clinic's therapists and admins. Sign someone out everywhere when a laptop or phone is lost; reset two-step sign-in when they lost their authenticator and their recovery codes. Both are recorded in the audit log."),
  );
  const status = h("p", { class: "muted loading", role: "status", tabindex: "-1" }, "Loading the staff…");
  const tbody = h("tbody", {});
  const table = dataTable({
    label: "Staff",
    className: "staff",
    caption: "Therapists and admins, by name",
    headers: ["Name", "Role", "Two-step sign-in", "Last sign-in", "Actions"],
    body: tbody,
  });
  main.append(status, table);

  async function load() {
    try {
      const { items } = await call("/staff");
      tbody.replaceChildren(...items.map(row));
      status.textContent = plural(items.length, "person", "people") + ".";
    } catch (error) {
      status.textContent = failure(error, "The staff list");
    } finally {
      status.classList.remove("loading");
    }
  }

  function row(person) {
    const name = nameOf(person);
    const mine = person.id === me?.id;
    const edit = h("div", {});
    const actions = h("div", { class: "actions" });
    if (!mine) {
      // The visible words begin the button's name; the person is for screen readers.
      const revoke = h("button", { type: "button", class: "small" }, "Sign out everywhere", h("span", { class: "visually-hidden" }, `: ${name}`));
      revoke.addEventListener("click", () =>
        confirm(
          edit,
          revoke,
          `Sign ${name} out on every device? Anything they have open ends at once; they sign in again with their password and two-step code.`,
          "Yes, sign them out",
          async () => {
            await call(`/users/${person.id}/sessions/revoke`, { method: "POST" });
            return `${name} is signed out on every device.`;
          },
        ),
      );
      actions.append(revoke);
      if (person.two_step_enabled) {
        const reset = h("button", { type: "button", class: "small" }, "Reset two-step sign-in", h("span", { class: "visually-hidden" }, ` for ${name}`));
        reset.addEventListener("click", () =>
          confirm(
            edit,
            reset,
            `Reset ${name}'s two-step sign-in? Their authenticator and recovery codes stop working and they are signed out everywhere; at their next sign-in they set up a new authenticator before anything else. Do this only once you are sure it is them asking.`,
            "Yes, reset it",
            async () => {
              await call(`/users/${person.id}/totp/reset`, { method: "POST" });
              return `${name}'s two-step sign-in is reset and they are signed out everywhere. They set up a new authenticator at their next sign-in.`;
            },
          ),
        );
        actions.append(reset);
      }
    }
    return h(
      "tr",
      {},
      h("th", { scope: "row" }, h("span", { class: "person-name" }, name), mine ? " (you)" : "", person.display_name ? h("br") : null, person.display_name ? h("span", { class: "muted" }, person.email) : null),
      h("td", {}, ROLE[person.role] || person.role),
      h("td", {}, person.two_step_enabled ? "On" : "Not set up"),
      h("td", {}, person.last_sign_in_at ? h("time", { datetime: person.last_sign_in_at }, formatWhen(person.last_sign_in_at)) : "Never"),
      h("td", {}, mine ? h("span", { class: "muted" }, "Yours are in My account") : [actions, edit]),
    );
  }

  /** Ask in place; on yes, do it, say what happened, and reload the list. */
  function confirm(edit, opener, question, yesLabel, act) {
    askInPlace(edit, opener, {
      question,
      yes: yesLabel,
      no: "No, leave it",
      onYes: async (message) => {
        try {
          const said = await act();
          await load();
          // The status line is a live region and takes focus: said once, where the list is.
          status.textContent = said;
          status.focus();
        } catch (error) {
          message.textContent = failure(error, "That");
        }
      },
    });
  }

  await load();
}
