// Hash routing (#/campaigns/3?tab=report): the Rust service serves one
// index.html, and the part after # never reaches it.

export type Cleanup = () => void;
export type View = (
  main: HTMLElement,
  params: Record<string, string>,
  query: URLSearchParams,
) => Cleanup | void | Promise<Cleanup | void>;

interface Route {
  pattern: RegExp;
  names: string[];
  view: View;
}

const routes: Route[] = [];

/** Registers `path` ("/campaigns/:id") for `view`. */
export function route(path: string, view: View): void {
  const names: string[] = [];
  const source = path.replace(/:([a-z_]+)/g, (_, name: string) => {
    names.push(name);
    return "([^/]+)";
  });
  routes.push({ pattern: new RegExp(`^${source}$`), names, view });
}

export function currentPath(): { path: string; query: URLSearchParams } {
  const hash = location.hash.replace(/^#/, "") || "/";
  const [path, search = ""] = hash.split("?", 2);
  return { path: path || "/", query: new URLSearchParams(search) };
}

export function navigate(path: string): void {
  if (location.hash === "#" + path) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else location.hash = path;
}

export function match(path: string): { view: View; params: Record<string, string> } | null {
  for (const candidate of routes) {
    const found = candidate.pattern.exec(path);
    if (!found) continue;
    const params: Record<string, string> = {};
    candidate.names.forEach((name, index) => (params[name] = decodeURIComponent(found[index + 1])));
    return { view: candidate.view, params };
  }
  return null;
}
