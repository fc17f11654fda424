// Scheduling for one patient: book, move, complete or cancel dosing and
// integration sessions, and assign prompts from the clinic's library.

import { h, isoLocal, uid } from "/js/dom.js";
import { call, failure, listAll } from "../client.js";
import { assignedPanel } from "../assigned-prompts.js";
import { confirmClash, isConflict } from "../conflicts.js";
import { askInPlace, field } from "../forms.js";
import { ROUTES, THEMES, capitalise, dosingSummary, formatWhen, plural, toLocalInput } from "../format.js";

const KINDS = {
  ketamine: {
    path: "ketamine-sessions",
    title: "Dosing sessions",
    one: "dosing session",
    a: "a dosing session",
    describe: (session) => dosingSummary(session),
  },
  integration: {
    path: "integration-sessions",
    title: "Integration sessions",
    one: "integration session",
    a: "an integration session",
    describe: (session) => `${session.duration_minutes} minutes`,
  },
};

/** Tomorrow at 10:00 on this computer: a sensible first value for a new booking. */
function tomorrowMorning() {
  const date = new Date();
  date.setDate(date.getDate() + 1);
  date.setHours(10, 0, 0, 0);
  return toLocalInput(date.toISOString());
}

function fromLocalInput(value) {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : isoLocal(date);
}

export async function render(main, { params, announce }) {
  const { patientId } = params;
  const heading = h("h1", {}, "Schedule and prompts");
  const crumbName = h("a", { href: `#/patients/${patientId}` }, "Patient");
  main.append(
    h("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, h("a", { href: "#/caseload" }, "Caseload"), " › ", crumbName, " › ", h("span", { "aria-current": "page" }, "Schedule and prompts")),
    heading,
  );
  // The patient's summary, not the whole caseload or brief: one read of one patient.
  const patient = await call(`/patients/${patientId}`).catch(() => null);
  if (!patient) {
    main.append(h("p", { class: "attention" }, "This patient is not on your caseload."));
    return;
  }
  const name = patient.display_name;
  heading.textContent = `Schedule and prompts: ${name}`;
  crumbName.textContent = name;
  main.append(h("p", { class: "muted" }, `Times are in this computer's time zone (${Intl.DateTimeFormat().resolvedOptions().timeZone}).`));

  const layout = h("div", { class: "columns" });
  main.append(layout);
  const dosing = sessionsPanel("ketamine", patientId, name, announce);
  const integration = sessionsPanel("integration", patientId, name, announce);
  const assigned = assignedPanel(patientId, announce);
  const prompts = promptsPanel(patientId, announce, dosing, assigned);
  layout.append(dosing.element, integration.element);
  main.append(prompts.element, assigned.element);
  dosing.listeners.push((sessions) => integration.setDoses(sessions));
  // The dosing sessions first: integration sessions name the ones they follow.
  await dosing.load();
  await Promise.all([integration.load(), prompts.load(), assigned.load()]);
}

/** The preparation checklist of upcoming dosing sessions: id → {open, items}. */
async function openChecklists(patientId) {
  try {
    const { doses } = await call(`/patients/${patientId}/companion`);
    return new Map(doses.map((dose) => [dose.ketamine_session_id, dose]));
  } catch {
    return new Map(); // the schedule still shows without it
  }
}

/** From the day before the dose: what the patient has not ticked yet. */
function checklistNote(dose, session) {
  if (!dose || session.status !== "scheduled") return null;
  const ahead = Date.parse(session.scheduled_at) - Date.now();
  if (ahead < 0 || ahead > 2 * 86400000) return null;
  const open = dose.checklist.filter((item) => !item.done);
  return h(
    "span",
    { class: "checklist-note" },
    open.length ? ` · Not ticked yet: ${open.map((item) => item.text).join(" / ")}` : " · Checklist all ticked",
  );
}

function sessionsPanel(kind, patientId, name, announce) {
  const info = KINDS[kind];
  const base = `/patients/${patientId}/${info.path}`;
  const headingId = `${kind}-heading`;
  const upcomingList = h("ul", { class: "sessions" }, h("li", { class: "loading" }, "Loading…"));
  const pastList = h("ul", { class: "sessions past" });
  const pastBox = h("details", { class: "past" }, h("summary", {}, `Past and cancelled ${info.one}s`), pastList);
  // Focusable, so the keyboard lands on the outcome once the row it was on is redrawn.
  const status = h("p", { class: "form-message", role: "status", tabindex: "-1" });
  const panel = {
    sessions: [],
    element: null,
    // Told the sessions after each load (the integration panel and the prompts listen to dosing).
    listeners: [],
  };

  // --- which dosing sessions an integration session follows ---
  let doses = [];
  const followsBox = h("fieldset", { class: "follows" }, h("legend", {}, "Follows the dosing sessions (optional)"));
  const dosesById = () => new Map(doses.map((dose) => [dose.id, dose]));
  function followsNote(session) {
    const known = dosesById();
    const followed = (session.follows_ketamine_session_ids || []).map((id) => known.get(id)).filter(Boolean);
    if (!followed.length) return null;
    return h("span", { class: "follows-note" }, ` · Follows the dosing session${followed.length > 1 ? "s" : ""} on ${followed.map((dose) => formatWhen(dose.scheduled_at)).join(" and ")}`);
  }
  /** The choices: dosing sessions of the last eight weeks and ahead, not cancelled. */
  panel.setDoses = (sessions) => {
    doses = sessions;
    const since = Date.now() - 56 * 86400000;
    const choices = sessions.filter((dose) => dose.status !== "cancelled" && Date.parse(dose.scheduled_at) > since);
    const ticked = new Set([...followsBox.querySelectorAll("input:checked")].map((box) => box.value));
    followsBox.replaceChildren(
      followsBox.querySelector("legend"),
      ...choices.map((dose) => {
        const id = `follows-${dose.id}`;
        return h(
          "div",
          { class: "choice" },
          h("input", { type: "checkbox", id, value: dose.id, checked: ticked.has(dose.id) }),
          h("label", { for: id }, `${formatWhen(dose.scheduled_at)} · ${dosingSummary(dose)}`),
        );
      }),
    );
    if (!choices.length) followsBox.append(h("p", { class: "muted" }, "No dosing session in the last eight weeks."));
  };

  // --- the booking form ---
  const when = h("input", { type: "datetime-local", required: true, id: `${kind}-when` });
  const formFields = [field("Date and time", when)];
  let route;
  let dose;
  let setting;
  let duration;
  if (kind === "ketamine") {
    route = h("select", { id: "ketamine-route" }, Object.entries(ROUTES).map(([value, label]) => h("option", { value }, label)));
    dose = h("input", { type: "number", id: "ketamine-dose", min: "0.01", max: "1000", step: "0.01", inputmode: "decimal" });
    setting = h("select", { id: "ketamine-setting" }, h("option", { value: "clinic" }, "At the clinic"), h("option", { value: "home" }, "At home"));
    formFields.push(field("Route", route), field("Dose in mg (optional)", dose), field("Setting", setting));
  } else {
    duration = h("input", { type: "number", id: "integration-duration", min: "5", max: "480", step: "5", value: "50", inputmode: "numeric" });
    formFields.push(field("Length in minutes", duration), followsBox);
  }
  const formMessage = h("div", { class: "form-message", role: "alert" });
  const book = h("button", { type: "submit", class: "primary" }, `Book the ${info.one}`);
  const form = h("form", { class: "book", novalidate: true, "aria-label": `Book ${info.a}` }, ...formFields, formMessage, h("div", { class: "actions" }, book));

  /** Back to a new booking's first values, so the next one starts clean. */
  function clearForm() {
    when.value = tomorrowMorning();
    if (kind === "ketamine") {
      route.value = Object.keys(ROUTES)[0];
      dose.value = "";
      setting.value = "clinic";
    } else {
      duration.value = "50";
      for (const box of followsBox.querySelectorAll("input")) box.checked = false;
    }
  }
  clearForm();

  async function send(body) {
    const focused = document.activeElement === book;
    book.disabled = true;
    try {
      const session = await call(base, { method: "POST", body });
      formMessage.replaceChildren();
      status.textContent = `Booked: ${info.one} on ${formatWhen(session.scheduled_at)}.`;
      announce(status.textContent);
      clearForm();
      await panel.load();
    } catch (error) {
      formMessage.replaceChildren(
        isConflict(error)
          ? confirmClash(error, {
              name,
              yes: "Book it anyway",
              no: "Change the booking",
              // The same id: a replay of this confirmation never books twice.
              onYes: () => send({ ...body, confirm_overlap: true }),
              onNo: () => {
                formMessage.replaceChildren();
                when.focus();
              },
            })
          : h("p", { class: "attention" }, failure(error, "Booking")),
      );
    } finally {
      book.disabled = false;
      // Disabling it while the request ran took focus away.
      if (focused && document.activeElement === document.body) book.focus();
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    formMessage.replaceChildren();
    const scheduledAt = fromLocalInput(when.value);
    if (!scheduledAt) {
      formMessage.append(h("p", { class: "attention" }, "Choose a date and time."));
      when.focus();
      return;
    }
    const body = { id: crypto.randomUUID(), scheduled_at: scheduledAt };
    if (kind === "ketamine") {
      body.route = route.value;
      body.setting = setting.value;
      if (dose.value !== "") body.dose_mg = Number(dose.value);
    } else {
      body.duration_minutes = Number(duration.value);
      body.follows_ketamine_session_ids = [...followsBox.querySelectorAll("input:checked")].map((box) => box.value);
    }
    await send(body);
  });

  panel.element = h(
    "section",
    { class: "panel", "aria-labelledby": headingId },
    h("h2", { id: headingId }, info.title),
    h("h3", {}, "Coming up"),
    status,
    upcomingList,
    pastBox,
    h("h3", {}, `Book ${info.a}`),
    form,
  );

  function sessionRow(session) {
    const upcoming = session.status === "scheduled";
    const li = h("li", { class: `session is-${session.status}` });
    const line = h(
      "p",
      { class: "session-line" },
      h("time", { datetime: session.scheduled_at }, formatWhen(session.scheduled_at)),
      ` · ${info.describe(session)}`,
      followsNote(session),
      session.status !== "scheduled" ? h("span", { class: "badge" }, capitalise(session.status)) : null,
      checklistNote(checklists.get(session.id), session),
    );
    const tools = h("div", { class: "tools" });
    const edit = h("div", { class: "edit" });
    li.append(line, tools, edit);
    if (!upcoming) return li;
    const label = `${info.one} on ${formatWhen(session.scheduled_at)}`;
    const move = h("button", { type: "button", class: "small", "aria-label": `Move the ${label}` }, "Move");
    const cancel = h("button", { type: "button", class: "small", "aria-label": `Cancel the ${label}` }, "Cancel");
    const done = Date.parse(session.scheduled_at) <= Date.now()
      ? h("button", { type: "button", class: "small", "aria-label": `Mark the ${label} completed` }, "Mark completed")
      : null;
    tools.append(...[move, cancel, done].filter(Boolean));

    move.addEventListener("click", () => {
      const input = h("input", { type: "datetime-local", value: toLocalInput(session.scheduled_at), id: uid("move") });
      const save = h("button", { type: "submit", class: "primary small" }, "Save the new time");
      const keep = h("button", { type: "button", class: "small" }, "Keep as it is");
      const message = h("div", { class: "form-message", role: "alert" });
      const moveForm = h("form", { class: "inline-form", novalidate: true }, field("New date and time", input), h("div", { class: "actions" }, save, keep), message);
      keep.addEventListener("click", () => {
        edit.replaceChildren();
        move.focus();
      });
      moveForm.addEventListener("submit", async (event) => {
        event.preventDefault();
        const scheduledAt = fromLocalInput(input.value);
        if (!scheduledAt) {
          message.textContent = "Choose a date and time.";
          return;
        }
        save.disabled = true;
        await change(session, { scheduled_at: scheduledAt }, `Moved to ${formatWhen(scheduledAt)}.`, message);
        save.disabled = false;
      });
      edit.replaceChildren(moveForm);
      input.focus();
    });

    cancel.addEventListener("click", () =>
      askInPlace(edit, cancel, {
        question: `Cancel the ${label}? The patient's reminders for it stop.`,
        yes: "Yes, cancel it",
        no: "Keep it",
        onYes: (message) => change(session, { status: "cancelled" }, `Cancelled the ${label}.`, message),
      }),
    );

    done?.addEventListener("click", async () => {
      done.disabled = true;
      await change(session, { status: "completed" }, `Marked the ${label} completed.`, status);
      done.disabled = false;
    });
    return li;
  }

  async function change(session, fields, said, message) {
    try {
      await call(`${base}/${session.id}`, { method: "PATCH", body: { version: session.version, ...fields } });
      // Said once the list is redrawn, so nothing acted on after it is a stale row.
      await panel.load();
      status.textContent = said;
      announce(said);
      // The row that had focus was redrawn (or moved to the past list): land on the outcome.
      if (!panel.element.contains(document.activeElement)) status.focus();
    } catch (error) {
      if (isConflict(error)) {
        message.replaceChildren(
          confirmClash(error, {
            name,
            yes: "Move it anyway",
            no: "Choose another time",
            onYes: () => change(session, { ...fields, confirm_overlap: true }, said, message),
            onNo: () => message.replaceChildren(),
          }),
        );
        return;
      }
      message.textContent = failure(error, `This ${info.one}`);
      if (error.status === 409) await panel.load();
    }
  }

  let checklists = new Map();
  panel.load = async () => {
    try {
      panel.sessions = await listAll(`${base}?limit=200`, { limit: 1000 });
      if (kind === "ketamine") checklists = await openChecklists(patientId);
    } catch (error) {
      status.textContent = failure(error, info.title);
      upcomingList.replaceChildren();
      return;
    }
    const now = Date.now();
    const upcoming = panel.sessions.filter((session) => session.status === "scheduled");
    const past = panel.sessions.filter((session) => session.status !== "scheduled").reverse();
    upcomingList.replaceChildren(...upcoming.map(sessionRow));
    if (!upcoming.length) upcomingList.append(h("li", { class: "empty" }, `No ${info.one} booked.`));
    pastList.replaceChildren(...past.map(sessionRow));
    pastBox.hidden = !past.length;
    pastBox.querySelector("summary").textContent = `Past and cancelled ${info.one}s (${past.length})`;
    for (const listener of panel.listeners) listener(panel.sessions, now);
  };
  return panel;
}

function promptsPanel(patientId, announce, dosing, assigned) {
  const list = h("fieldset", { class: "prompt-choices" }, h("legend", {}, "Prompts to assign"));
  const waiting = h("p", { class: "loading" }, "Loading the library…");
  list.append(waiting);
  const themeFilter = h("select", { id: "assign-theme" }, h("option", { value: "" }, "All themes"), THEMES.map((theme) => h("option", { value: theme }, capitalise(theme))));
  const relative = h("select", { id: "assign-session" }, h("option", { value: "" }, "Due now"));
  const offset = h("input", { type: "number", id: "assign-offset", value: "24", step: "1", min: "0", max: "1440", inputmode: "numeric" });
  const direction = h("select", { id: "assign-relative" }, h("option", { value: "after" }, "After the session"), h("option", { value: "before" }, "Before the session"));
  const offsetField = h("div", { class: "relative-time" }, field("Hours", offset), field("Before or after", direction));
  offsetField.hidden = true;
  // Hours before a session go back at most two weeks.
  direction.addEventListener("change", () => {
    offset.max = direction.value === "before" ? "336" : "1440";
  });
  const message = h("div", { class: "form-message", role: "alert" });
  const status = h("p", { class: "form-message", role: "status" });
  const submit = h("button", { type: "submit", class: "primary" }, "Assign the chosen prompts");
  const form = h(
    "form",
    { novalidate: true, class: "assign" },
    h("div", { class: "toolbar" }, field("Theme", themeFilter), field("When", relative), offsetField),
    list,
    message,
    status,
    h("div", { class: "actions" }, submit),
  );
  const element = h(
    "section",
    { class: "panel", "aria-labelledby": "assign-heading" },
    h("h2", { id: "assign-heading" }, "Assign prompts"),
    h("p", { class: "muted" }, "Assigned prompts come first on the patient's Today screen. ", h("a", { href: "#/prompts" }, "Edit the prompt library")),
    form,
  );

  relative.addEventListener("change", () => {
    offsetField.hidden = !relative.value;
  });
  dosing.listeners.push((all, now) => {
    const sessions = all.filter((session) => session.status !== "cancelled" && Date.parse(session.scheduled_at) > now - 14 * 86400000);
    const chosen = relative.value;
    relative.replaceChildren(
      h("option", { value: "" }, "Due now"),
      // Spread: replaceChildren() would write an array as the text "[object HTMLOptionElement]".
      ...sessions.map((session) => h("option", { value: session.id }, `Relative to the dosing session on ${formatWhen(session.scheduled_at)}`)),
    );
    if (sessions.some((session) => session.id === chosen)) relative.value = chosen;
    offsetField.hidden = !relative.value;
  });
  themeFilter.addEventListener("change", () => {
    for (const item of list.querySelectorAll(".choice")) item.hidden = Boolean(themeFilter.value) && item.dataset.theme !== themeFilter.value;
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.replaceChildren();
    const ids = [...list.querySelectorAll("input:checked")].map((input) => input.value);
    if (!ids.length) {
      message.append(h("p", { class: "attention" }, "Choose at least one prompt."));
      return;
    }
    if (ids.length > 20) {
      message.append(h("p", { class: "attention" }, "Choose at most 20 prompts at a time."));
      return;
    }
    const body = { prompt_ids: ids };
    if (relative.value) {
      const hours = Number(offset.value || 0);
      if (!Number.isInteger(hours) || hours < 0) {
        message.append(h("p", { class: "attention" }, "Hours are counted from the session: a whole number, 0 or more. Choose before or after."));
        offset.focus();
        return;
      }
      body.ketamine_session_id = relative.value;
      body.relative = direction.value;
      body.offset_hours = hours;
    }
    submit.disabled = true;
    try {
      const answer = await call(`/patients/${patientId}/prompt-assignments`, { method: "POST", body });
      const due = answer.items.map((item) => item.due_at).filter(Boolean).sort()[0];
      status.textContent = `Assigned ${plural(answer.items.length, "prompt")}${due ? `, due ${formatWhen(due)}` : ""}.`;
      announce(status.textContent);
      for (const input of list.querySelectorAll("input:checked")) input.checked = false;
      await assigned.load();
    } catch (error) {
      message.append(h("p", { class: "attention" }, failure(error, "Assigning")));
    } finally {
      submit.disabled = false;
    }
  });

  async function load() {
    let prompts;
    try {
      prompts = (await call("/prompts?active=true")).items;
    } catch (error) {
      waiting.replaceWith(h("p", {}, failure(error, "The prompt library")));
      return;
    }
    waiting.remove();
    for (const prompt of prompts) {
      const id = `assign-${prompt.id}`;
      list.append(
        h(
          "div",
          { class: "choice", dataset: { theme: prompt.theme } },
          h("input", { type: "checkbox", id, value: prompt.id }),
          h("label", { for: id }, prompt.text, " ", h("span", { class: "muted" }, `(${capitalise(prompt.theme)})`)),
        ),
      );
    }
  }
  return { element, load };
}
