// The last 30 days of my entries and check-ins, readable offline. Kept only
// sealed (sealed.js: AES-GCM under the non-extractable device key, in
// IndexedDB, which signing out deletes whole), and refreshed at each online read.

import { seal, unseal } from "./sealed.js";

const DAYS = 30;

/** Keep the items of the last 30 days (by `when(item)`) for reading offline. */
export async function keepRecent(name, items, when) {
  const since = Date.now() - DAYS * 86400000;
  try {
    await seal(`recent:${name}`, items.filter((item) => Date.parse(when(item)) >= since));
  } catch {
    // No WebCrypto or storage here: reading offline is a comfort, not a duty.
  }
}

/** What was kept under `name`, or an empty list. */
export async function recent(name) {
  try {
    return (await unseal(`recent:${name}`)) || [];
  } catch {
    return [];
  }
}
