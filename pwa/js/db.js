// The one IndexedDB database of the app, with stepwise schema upgrades.
// It holds what waits to be sent (outbox, drafts: their words sealed, see
// sealed.js), the device key and the sealed offline copies, and small
// non-health caches (who is signed in, crisis resources, questionnaire wording).
// Writes use durability "strict": a write is on disk before we say "saved".

const NAME = "between";
const VERSION = 1;
export const STORES = ["outbox", "drafts", "kv"];
let opening = null;

export function openDb() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const request = indexedDB.open(NAME, VERSION);
      request.onupgradeneeded = (event) => {
        const db = request.result;
        // Each step upgrades from the version before it; never edit a past step.
        if (event.oldVersion < 1) {
          db.createObjectStore("outbox", { keyPath: "seq", autoIncrement: true });
          db.createObjectStore("drafts", { keyPath: "key" });
          db.createObjectStore("kv", { keyPath: "key" });
        }
      };
      request.onsuccess = () => {
        const db = request.result;
        db.onversionchange = () => {
          db.close();
          opening = null;
        };
        resolve(db);
      };
      request.onerror = () => {
        opening = null;
        reject(request.error);
      };
    });
  }
  return opening;
}

export function done(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** Run `work(store…)` in one transaction; resolves once it has committed. */
export async function transaction(names, mode, work) {
  const db = await openDb();
  const list = Array.isArray(names) ? names : [names];
  const tx = db.transaction(list, mode, mode === "readwrite" ? { durability: "strict" } : {});
  const committed = new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error("IndexedDB transaction aborted"));
  });
  const result = await work(...list.map((name) => tx.objectStore(name)));
  await committed;
  return result;
}

export const get = (store, key) => transaction(store, "readonly", (s) => done(s.get(key)));
export const getAll = (store) => transaction(store, "readonly", (s) => done(s.getAll()));
export const put = (store, value) => transaction(store, "readwrite", (s) => done(s.put(value)));
export const remove = (store, key) => transaction(store, "readwrite", (s) => done(s.delete(key)));

export async function getValue(key) {
  return (await get("kv", key))?.value;
}

export function setValue(key, value) {
  return put("kv", { key, value });
}

/** Empty every store, then delete the database: nothing of this user stays. */
export async function wipe() {
  try {
    await transaction(STORES, "readwrite", (...stores) =>
      Promise.all(stores.map((store) => done(store.clear()))),
    );
  } finally {
    const db = await opening?.catch(() => null);
    db?.close();
    opening = null;
    await new Promise((resolve) => {
      const request = indexedDB.deleteDatabase(NAME);
      request.onsuccess = request.onerror = request.onblocked = () => resolve();
    });
  }
}
