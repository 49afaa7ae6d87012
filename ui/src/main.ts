// Herald's web UI: the shell (navigation, sign-in state) and the routes.
import "./style.css";
import { ApiError, get, post, setCsrfToken, setUnauthenticatedHandler, type MeResponse, type User } from "./api";
import { h, replace } from "./dom";
import { currentPath, match, navigate, route, type Cleanup } from "./router";
import { canWrite, isAdmin, setUser, user } from "./session";
import { signInView } from "./views/signin";
import { dashboardView } from "./views/dashboard";
import { campaignsView, newCampaignView } from "./views/campaigns";
import { campaignView, editCampaignView } from "./views/campaign";
import { trunksView } from "./views/trunks";
import { trunkGroupView, trunkGroupsView } from "./views/trunkGroups";
import { promptsView } from "./views/prompts";
import { newScriptView, scriptView, scriptsView } from "./views/scripts";
import { listView, listsView } from "./views/lists";
import { callerIdPoolView, callerIdPoolsView } from "./views/callerIds";
import { usersView } from "./views/users";
import { webhooksView } from "./views/webhooks";

route("/", () => navigate("/dashboard"));
route("/dashboard", dashboardView);
route("/campaigns", campaignsView);
route("/campaigns/new", newCampaignView);
route("/campaigns/:id", campaignView);
route("/campaigns/:id/edit", editCampaignView);
route("/trunks", trunksView);
route("/trunk-groups", trunkGroupsView);
route("/trunk-groups/:id", trunkGroupView);
route("/prompts", promptsView);
route("/scripts", scriptsView);
route("/scripts/new", newScriptView);
route("/scripts/:id", scriptView);
route("/lists", listsView);
route("/lists/:id", listView);
route("/caller-ids", callerIdPoolsView);
route("/caller-ids/:id", callerIdPoolView);
route("/users", usersView);
route("/webhooks", webhooksView);

const app = document.getElementById("app")!;
let cleanup: Cleanup | null = null;
let renderCount = 0;
/** Where to go after signing in. */
let afterSignIn = "/dashboard";

const NAV: { path: string; text: string; visible: () => boolean }[] = [
  { path: "/dashboard", text: "Dashboard", visible: () => true },
  { path: "/campaigns", text: "Campaigns", visible: () => true },
  { path: "/trunks", text: "Trunks", visible: () => true },
  { path: "/trunk-groups", text: "Trunk groups", visible: () => true },
  { path: "/prompts", text: "Prompts", visible: () => true },
  { path: "/scripts", text: "Scripts", visible: () => true },
  { path: "/lists", text: "Lists", visible: () => true },
  { path: "/caller-ids", text: "Caller IDs", visible: () => true },
  { path: "/users", text: "Users", visible: isAdmin },
  { path: "/webhooks", text: "Webhooks", visible: canWrite },
];

function dispose(): void {
  if (cleanup) cleanup();
  cleanup = null;
}

function shell(current: User): HTMLElement {
  const main = h("main", { id: "main", tabindex: "-1" });
  return h(
    "div",
    { class: "shell" },
    h("a", { class: "skip", href: "#main", onclick: (event: Event) => { event.preventDefault(); main.focus(); } }, "Skip to content"),
    h(
      "header",
      { class: "topbar" },
      h("a", { class: "brand", href: "#/dashboard" }, "Herald"),
      h(
        "nav",
        { "aria-label": "Main" },
        h("ul", null, NAV.filter((item) => item.visible()).map((item) => h("li", null, h("a", { href: "#" + item.path, "data-path": item.path }, item.text)))),
      ),
      h(
        "div",
        { class: "who" },
        h("span", { "data-testid": "signed-in-as" }, current.display_name || current.email),
        h("span", { class: `badge role-${current.role}` }, current.role),
        h("button", { type: "button", class: "link", onclick: signOut }, "Sign out"),
      ),
    ),
    h("p", { id: "flash", class: "flash", role: "status", "aria-live": "polite", hidden: true }),
    main,
  );
}

function markCurrentNav(path: string): void {
  document.querySelectorAll<HTMLAnchorElement>("nav a[data-path]").forEach((link) => {
    const here = path === link.dataset.path || path.startsWith(link.dataset.path + "/");
    if (here) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  });
}

async function render(): Promise<void> {
  const current = user();
  if (!current) return;
  dispose();
  const count = ++renderCount;
  let main = document.getElementById("main");
  if (!main) {
    replace(app, shell(current));
    main = document.getElementById("main")!;
  }
  const { path, query } = currentPath();
  markCurrentNav(path);
  const found = match(path);
  if (!found) {
    replace(main, h("h1", { tabindex: "-1" }, "Not found"), h("p", null, "Nothing lives at ", h("code", null, path), ". ", h("a", { href: "#/dashboard" }, "Go to the dashboard"), "."));
    return;
  }
  replace(main, h("p", { class: "loading" }, "Loading…"));
  try {
    const result = await found.view(main, found.params, query);
    if (count !== renderCount) {
      if (typeof result === "function") result();
      return;
    }
    cleanup = typeof result === "function" ? result : null;
  } catch (error) {
    if (count !== renderCount) return;
    if (error instanceof ApiError && error.status === 401) return;
    const request = error instanceof ApiError && error.request ? h("p", { class: "hint" }, `${error.request} answered ${error.status || "nothing"} (${error.code}).`) : null;
    replace(
      main,
      h("h1", { tabindex: "-1" }, "Something went wrong"),
      h("div", { class: "form-alert", role: "alert" }, (error as Error).message),
      request,
      h("p", null, h("button", { type: "button", onclick: () => void render() }, "Try again")),
    );
  }
  main.querySelector<HTMLElement>("h1")?.focus({ preventScroll: true });
}

/** The sign-in screen; afterwards back to where the session ran out (`remember`) or the dashboard. */
function showSignIn(remember = true): void {
  dispose();
  renderCount++;
  setUser(null);
  setCsrfToken(null);
  const { path } = currentPath();
  afterSignIn = "/dashboard";
  if (remember && path !== "/" && path !== "/signin") afterSignIn = location.hash.replace(/^#/, "");
  signInView(app, (signedIn, csrf) => {
    setUser(signedIn);
    setCsrfToken(csrf);
    replace(app);
    if (location.hash === "#" + afterSignIn) void render();
    else navigate(afterSignIn);
  });
}

async function signOut(): Promise<void> {
  try {
    await post("/auth/logout");
  } catch {
    // Signed out either way.
  }
  showSignIn(false);
}

async function start(): Promise<void> {
  setUnauthenticatedHandler(() => showSignIn());
  window.addEventListener("hashchange", () => {
    if (user()) void render();
  });
  try {
    const me = await get<MeResponse>("/auth/me");
    setUser(me.user);
    setCsrfToken(me.csrf_token ?? null);
    await render();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      showSignIn();
      return;
    }
    replace(app, h("main", { class: "narrow" }, h("h1", null, "Herald is not answering"), h("p", { role: "alert" }, (error as Error).message), h("button", { type: "button", onclick: () => location.reload() }, "Try again")));
  }
}

void start();
