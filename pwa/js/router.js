// The hash router of both apps (the patient app and the therapist workspace):
// a table of routes, one screen module each, loaded on demand and drawn into
// the page's <main id="main">, titled "<its h1> · <the page's own title>".
// Each app keeps its own rules about who may open what.

/**
 * routes: [pattern, screen name, {keys: names of the captured groups, ...}];
 * the options come back with the match, for the app's own rules.
 * load(name): the screen's module (the app's import, relative to the app).
 * guard(path, found): true to show the screen; falsy when the app took over
 *   (a redirect, a notice).
 * prepare(path, found): the app's chrome for this screen, before it loads.
 * context(found): what the app gives the screen besides params and navigate.
 * unloadable(): the nodes shown when a screen's module cannot be fetched.
 * failed(view, error): a screen's render threw (the view is still current).
 */
export function createRouter({ routes, start, load, guard, prepare, context, unloadable, failed }) {
  const main = document.getElementById("main");
  const appName = document.title;
  let cleanup = null;
  let renderId = 0;
  let firstRender = true;

  function navigate(path) {
    if (location.hash === `#${path}`) route();
    else location.hash = `#${path}`;
  }

  function match(path) {
    for (const [pattern, name, options = {}] of routes) {
      const found = pattern.exec(path);
      if (found) {
        const params = {};
        (options.keys || []).forEach((key, index) => {
          if (found[index + 1]) params[key] = found[index + 1];
        });
        return { ...options, name, params, open: Boolean(options.open) };
      }
    }
    return null;
  }

  /** End the current screen (and any render still loading), then show these nodes. */
  function show(...nodes) {
    renderId += 1;
    if (typeof cleanup === "function") cleanup();
    cleanup = null;
    main.replaceChildren(...nodes);
  }

  async function route() {
    const path = location.hash.replace(/^#/, "") || start;
    const found = match(path);
    if (!guard(path, found)) return;

    const id = ++renderId;
    prepare?.(path, found);
    let screen;
    try {
      screen = await load(found.name);
    } catch {
      if (id === renderId) show(...unloadable());
      return;
    }
    if (id !== renderId) return;
    if (typeof cleanup === "function") cleanup();
    cleanup = null;
    // Each render draws into its own element: a render still loading when the
    // next route starts keeps writing into a detached view, never into this one.
    const view = document.createElement("div");
    view.className = "view";
    main.replaceChildren(view);
    let done;
    try {
      done = await screen.render(view, { params: found.params, navigate, ...context?.(found) });
    } catch (error) {
      if (id === renderId) failed(view, error);
    }
    if (id !== renderId) {
      if (typeof done === "function") done();
      return;
    }
    cleanup = done;
    const heading = view.querySelector("h1");
    document.title = heading ? `${heading.textContent} · ${appName}` : appName;
    if (heading && !firstRender) {
      heading.setAttribute("tabindex", "-1");
      heading.focus();
    }
    firstRender = false;
  }

  return {
    navigate,
    route,
    show,
    /** Changes with every screen: a late answer compares it to know it is stale. */
    current: () => renderId,
  };
}

/** Mark the navigation link of the screen at this path (or under it) as current. */
export function markCurrentLink(links, path) {
  for (const link of links) {
    const here = path === link.dataset.path || path.startsWith(`${link.dataset.path}/`);
    if (here) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}
