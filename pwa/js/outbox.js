// The outbox: everything the patient writes is stored here first (IndexedDB,
// durability "strict"), then sent in order. Each item carries the UUID of
// what it creates or changes, so a replay never duplicates (the server
// answers 200 with the stored item). 4xx answers keep the item, marked for
// the patient to correct or discard; network errors and 5xx keep it queued.
//
// What was written (an item's body and label) is kept sealed under the
// device key (sealed.js), bound to the person and the item's id; only what
// is needed to send it in order (its kind, path, state) is in clear. When
// the server ends the session the key goes, and the items wait, sealed,
// until the same person signs in again. Every change of the outbox runs
// under one lock (across tabs), because sealing cannot happen inside an
// IndexedDB transaction.

import { ApiError, OfflineError, api } from "./api.js";
import { done, get, getAll, transaction } from "./db.js";
import { isoLocal } from "./dom.js";
import { deviceKey, openValue, sealValue } from "./sealed.js";
import { refreshMe, session } from "./session.js";

export const events = new EventTarget();
// Kept for the tab (a reload included) and cleared at sign-out.
export const SENT_HERE = "between.sent-here";

/** Whether this tab has sent anything, so "everything is sent" is said only after something was. */
export function sentSinceStart() {
  return sessionStorage.getItem(SENT_HERE) === "1";
}
const sentAnswers = new Map();
let running = null;
let persistenceAsked = false;

function changed() {
  events.dispatchEvent(new Event("change"));
}

function mine(item) {
  return session.me && item.user_id === session.me.id;
}

/** One change of the outbox at a time, in this tab and across tabs. */
function changing(work) {
  return navigator.locks ? navigator.locks.request("between-outbox-change", work) : work();
}

/** `item` as stored: what was written sealed, the rest in clear. */
async function sealed(item) {
  const { body, label, ...rest } = item;
  const box = await sealValue(`outbox:${item.id}`, { body, label });
  if (!box) throw new Error("Sign in again to keep what you write.");
  return { ...rest, sealed: box };
}

/** A stored item with its body and label, or null when it does not open here. */
async function opened(item) {
  if (!item.sealed) return item; // kept in clear by an earlier version
  const { sealed: box, ...rest } = item;
  const words = await openValue(`outbox:${item.id}`, box);
  return words === undefined ? null : { ...rest, body: words.body, label: words.label };
}

/** My items as stored (sealed), oldest first: enough to count them and see their state. */
export async function queued(kind) {
  const items = (await getAll("outbox")).filter(mine);
  return kind ? items.filter((item) => item.kind === kind) : items;
}

/** My items, opened, oldest first. */
export async function pending(kind) {
  return (await Promise.all((await queued(kind)).map(opened))).filter(Boolean);
}

/** Seal what an earlier version kept in clear. */
export async function sealOld() {
  await changing(async () => {
    const old = (await getAll("outbox")).filter((item) => mine(item) && !item.sealed);
    if (!old.length) return;
    const items = await Promise.all(old.map(sealed));
    await transaction("outbox", "readwrite", (store) => Promise.all(items.map((item) => done(store.put(item)))));
  });
}

async function askForPersistence() {
  if (persistenceAsked) return;
  persistenceAsked = true;
  try {
    if (navigator.storage?.persist && !(await navigator.storage.persisted())) {
      await navigator.storage.persist();
    }
  } catch {
    // Best effort: the browser decides.
  }
}

/**
 * Store a write. `entry` = {kind, op: "create"|"update"|"delete", id, method, path, body, label}.
 * An edit of something not yet sent is folded into the waiting item, so the
 * server sees one create (or one edit) and no stale version.
 */
export async function enqueue(entry) {
  if (!session.me) throw new Error("Sign in first.");
  if (!(await deviceKey())) throw new Error("Sign in again to keep what you write.");
  const record = {
    ...entry,
    user_id: session.me.id,
    created_at: isoLocal(),
    state: "waiting",
    problem: null,
  };
  const stored = await changing(async () => {
    const same = (
      await Promise.all(
        (await getAll("outbox"))
          .filter((item) => item.id === entry.id && item.user_id === record.user_id)
          .map(opened),
      )
    ).filter(Boolean);
    const create = same.find((item) => item.op === "create");
    const update = same.find((item) => item.op === "update");
    const revive = async (item) => {
      item.state = "waiting";
      item.problem = null;
      item.rev = (item.rev || 0) + 1; // tells a send in flight that this changed meanwhile
      const kept = await sealed(item);
      await transaction("outbox", "readwrite", (store) => done(store.put(kept)));
      return item;
    };
    if (entry.op === "create" && create) {
      // A correction of something the server has not accepted yet.
      create.body = entry.body;
      create.label = entry.label;
      if (create.problem?.status === 409) {
        const fresh = crypto.randomUUID();
        create.body = { ...entry.body, id: fresh };
        create.id = fresh;
      }
      return revive(create);
    }
    if (entry.op === "update" && (create || update)) {
      const target = create || update;
      const { version: _ignored, ...fields } = entry.body;
      target.body = { ...target.body, ...fields };
      return revive(target);
    }
    const kept = entry.op === "delete" && create ? null : await sealed(record);
    return transaction("outbox", "readwrite", async (store) => {
      if (entry.op === "delete") {
        for (const item of same) await done(store.delete(item.seq));
        if (create) return null; // it never reached the server: nothing to send
      }
      record.seq = await done(store.add(kept));
      return record;
    });
  });
  changed();
  askForPersistence();
  return stored;
}

export async function discard(seq) {
  await changing(() => transaction("outbox", "readwrite", (store) => done(store.delete(seq))));
  changed();
}

/** Send what waits, in order. Safe to call often: one flush runs at a time. */
export function flush() {
  if (!running) {
    const work = () => replay();
    running = (navigator.locks ? navigator.locks.request("between-outbox", work) : work())
      .catch(() => {})
      .finally(() => {
        running = null;
      });
  }
  return running;
}

/**
 * Store, try to send at once, and tell what happened: sent, waiting or held.
 * `onKept` is called once the entry is stored on this phone, before any sending.
 */
export async function submit(entry, { onKept } = {}) {
  const record = await enqueue(entry);
  if (!record) return { state: "sent", response: null };
  onKept?.();
  for (let attempt = 0; attempt < 2; attempt += 1) {
    await flush();
    const current = await get("outbox", record.seq);
    if (!current) return { state: "sent", response: sentAnswers.get(record.seq) ?? null };
    if (current.state === "held") return { state: "held", problem: current.problem };
  }
  return { state: "waiting" };
}

async function replay() {
  if (!session.me) return;
  if (!(await queued()).some((item) => item.state === "waiting")) return;
  try {
    await refreshMe(); // a fresh CSRF token before any replay
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      events.dispatchEvent(new Event("signin-needed"));
    }
    return;
  }
  // Without the key (it comes back with the same person's sign-in) nothing can be opened to send.
  if (!(await deviceKey())) return;
  await sealOld();
  // Chosen after refreshMe: only what this signed-in person wrote is sent under their session.
  const items = await pending();
  const heldIds = new Set(items.filter((item) => item.state === "held").map((item) => item.id));
  let changedMeanwhile = false;
  for (const item of items) {
    if (item.state === "held" || heldIds.has(item.id)) continue;
    let answer;
    try {
      answer = await api(item.path, { method: item.method, body: item.body, quiet401: true });
    } catch (error) {
      if (error instanceof OfflineError) return;
      if (!(error instanceof ApiError)) return;
      if (error.status === 401) {
        events.dispatchEvent(new Event("signin-needed"));
        return;
      }
      if (error.status >= 500 || error.status === 429 || error.status === 408) return;
      const settled = await settle(item, error);
      if (settled === undefined) {
        await hold(item, error.problem);
        heldIds.add(item.id);
        continue;
      }
      answer = settled;
    }
    changedMeanwhile = (await sent(item, answer)) || changedMeanwhile;
    sentAnswers.set(item.seq, answer);
    sessionStorage.setItem(SENT_HERE, "1");
    events.dispatchEvent(new CustomEvent("sent", { detail: { item, response: answer } }));
    changed();
  }
  if (changedMeanwhile) await replay();
}

/**
 * Some 4xx answers mean the work is already done (a replay after the app
 * closed mid-send). Returns the answer to use, or undefined to hold the item.
 */
async function settle(item, error) {
  if (item.op === "delete" && (error.status === 404 || error.status === 410)) return null;
  if (item.op === "update" && error.status === 409) {
    try {
      const current = await api(item.path, { quiet401: true });
      const { version: _v, ...fields } = item.body;
      const applied = Object.entries(fields).every(
        ([key, value]) => JSON.stringify(current?.[key]) === JSON.stringify(value),
      );
      if (applied) return current;
      error.problem.detail =
        "This was changed on another device since. Open it again to make your change.";
    } catch {
      // Keep the server's own answer.
    }
  }
  if (item.op === "create" && error.status === 410) {
    error.problem.detail = "This was deleted on another device.";
  }
  return undefined;
}

/**
 * The server has `item`. Remove it, unless the patient changed it while it
 * was on its way: then the server has the older words, and the newer ones
 * stay queued as an edit of what was just stored.
 */
async function sent(item, answer) {
  return changing(async () => {
    const stored = await get("outbox", item.seq);
    if (!stored) return false;
    if ((stored.rev || 0) === (item.rev || 0)) {
      await transaction("outbox", "readwrite", (store) => done(store.delete(item.seq)));
      return false;
    }
    const current = await opened(stored);
    if (!current) return false;
    const { id: _id, version: _version, ...fields } = current.body || {};
    if (current.op === "create") current.path = `${current.path}/${current.id}`;
    current.op = "update";
    current.method = "PATCH";
    current.body = { ...fields, version: answer?.version };
    current.rev = (current.rev || 0) + 1;
    current.state = "waiting";
    const kept = await sealed(current);
    await transaction("outbox", "readwrite", (store) => done(store.put(kept)));
    return true;
  });
}

async function hold(item, problem) {
  await changing(() =>
    transaction("outbox", "readwrite", async (store) => {
      const current = await done(store.get(item.seq));
      // Changed while on its way: the new version gets its own try.
      if (!current || (current.rev || 0) !== (item.rev || 0)) return;
      current.state = "held";
      current.problem = problem;
      await done(store.put(current));
    }),
  );
  changed();
}
