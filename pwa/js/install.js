// "Install Between" where the browser offers it: the browser's offer arrives
// once, early, so the app keeps it here until Settings shows the button.

let offer = null;
const listeners = new Set();

export function watchInstallOffer() {
  window.addEventListener("beforeinstallprompt", (event) => {
    event.preventDefault(); // no mini-bar of the browser's own; Settings offers it calmly
    offer = event;
    for (const listener of listeners) listener();
  });
  window.addEventListener("appinstalled", () => {
    offer = null;
    for (const listener of listeners) listener();
  });
}

/** Whether the browser will install the app if asked now. */
export function canInstall() {
  return offer !== null;
}

export function onInstallOffer(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Ask the browser to install; resolves to "accepted" or "dismissed". */
export async function install() {
  if (!offer) return "dismissed";
  const asked = offer;
  offer = null;
  await asked.prompt();
  const { outcome } = await asked.userChoice;
  return outcome;
}
