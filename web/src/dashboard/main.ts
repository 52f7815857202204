// The staff dashboard (/): login with badge, password and one-time code, then the screens the
// caller's roles allow (hash routes, #/overview …), each kept live from the ledger's event stream.
// Every screen talks only to the public API (docs/openapi.yaml); the server checks every role and
// site again, so hiding a screen here is a convenience, not the protection.

import "../lib/base.css";
import "./dashboard.css";
import { ApiError, call } from "../lib/api";
import { h, mount } from "../lib/dom";
import { followEvents } from "../lib/events";
import { errorText, type Ctx, type Me, type Role, type ScreenDef, type View } from "./context";
import { csrf, sessionCalls, setCsrf } from "./session";
import { screens } from "./screens";

const app = document.getElementById("app")!;
let me: Me | null = null;
let view: View | null = null;
let stopEvents: (() => void) | null = null;

function ended(message: string): void {
  stopEvents?.();
  stopEvents = null;
  view?.dispose?.();
  view = null;
  me = null;
  setCsrf(null);
  showLogin(message);
}

const api = sessionCalls(() => {
  if (me) ended("Your session ended. Log in again.");
});

function can(roles: readonly Role[]): boolean {
  return !!me && me.roles.some((r) => roles.includes(r));
}

function showLogin(message = ""): void {
  document.title = "Log in — Custodian dashboard";
  const error = h("div", { id: "login-error", role: "alert" }, message ? h("p", { class: "notice" }, message) : null);
  const badge = h("input", { id: "badge", name: "badge", autocomplete: "username", required: true });
  const password = h("input", {
    id: "password",
    name: "password",
    type: "password",
    autocomplete: "current-password",
    required: true,
  });
  const code = h("input", {
    id: "code",
    name: "code",
    inputmode: "numeric",
    autocomplete: "one-time-code",
    pattern: "[0-9]{6}",
    maxlength: 6,
    required: true,
    "aria-describedby": "code-hint",
  });
  const submit = h("button", { type: "submit", id: "login" }, "Log in");
  const form = h(
    "form",
    { class: "login card", "aria-labelledby": "login-h" },
    h("h1", { id: "login-h" }, "Custodian dashboard"),
    h("p", { class: "muted" }, "For supervisors, armorers, custodians, admins and auditors."),
    h("label", { for: "badge" }, "Badge"),
    badge,
    h("label", { for: "password" }, "Password"),
    password,
    h("label", { for: "code" }, "One-time code"),
    code,
    h("p", { id: "code-hint", class: "muted small" }, "The 6 digits your authenticator app shows now."),
    submit,
    error,
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    submit.disabled = true;
    mount(error);
    try {
      const r = await call<{ csrf_token: string }>({}, "POST", "/api/v1/staff/login", {
        badge: badge.value.trim(),
        password: password.value,
        code: code.value.trim(),
      });
      setCsrf(r.csrf_token);
      password.value = "";
      await start();
    } catch (e) {
      mount(error, h("p", { class: "error" }, errorText(e)));
      code.value = "";
      submit.disabled = false;
    }
  });
  mount(app, h("main", { class: "login-page" }, form));
  badge.focus();
}

async function start(): Promise<void> {
  try {
    me = await api.get<Me>("/api/v1/me");
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 401)) showLogin(errorText(e));
    else ended("");
    return;
  }
  stopEvents?.();
  stopEvents = followEvents(
    {},
    (e) => view?.onEvent?.(e),
    () => {
      if (me) ended("Your session ended. Log in again.");
    },
  );
  if (!location.hash || location.hash === "#" || location.hash === "#/") {
    const first = screens.find((s) => can(s.roles));
    history.replaceState(null, "", `#/${first?.path ?? "overview"}`);
  }
  route();
}

async function logout(): Promise<void> {
  try {
    await api.post("/api/v1/staff/logout");
  } catch {
    /* the session may have ended already */
  }
  ended("You are logged out.");
}

function shell(current: ScreenDef | undefined): HTMLElement {
  const who = me!;
  const nav = h(
    "nav",
    { "aria-label": "Screens", id: "nav" },
    h(
      "ul",
      {},
      screens
        .filter((s) => can(s.roles))
        .map((s) =>
          h(
            "li",
            {},
            h("a", { href: `#/${s.path}`, "aria-current": s === current ? "page" : undefined, "data-screen": s.path }, s.title),
          ),
        ),
    ),
  );
  const header = h(
    "header",
    { class: "top" },
    h("p", { class: "brand" }, "Custodian"),
    h(
      "p",
      { class: "who", id: "who" },
      h("span", { class: "who-name" }, `${who.name ?? who.badge} (${who.badge})`),
      " · ",
      h("span", { id: "who-roles" }, who.roles.join(", ").replaceAll("_", " ")),
      " · ",
      h("span", { id: "who-sites" }, who.sites.includes("*") ? "all sites" : `sites ${who.sites.join(", ")}`),
    ),
    h("button", { type: "button", class: "secondary", id: "logout", onclick: () => void logout() }, "Log out"),
  );
  return h("div", { class: "shell" }, header, nav);
}

function route(): void {
  if (!me) return;
  const path = location.hash.replace(/^#\/?/, "").split("?")[0];
  const def = screens.find((s) => s.path === path);
  view?.dispose?.();
  view = null;
  const main = h("main", { id: "main", tabindex: -1 });
  mount(app, shell(def), main);
  if (!def) {
    document.title = "Not found — Custodian dashboard";
    mount(main, h("h1", {}, "No such screen"), h("p", {}, "Choose a screen from the menu."));
    return;
  }
  document.title = `${def.title} — Custodian dashboard`;
  if (!can(def.roles)) {
    mount(
      main,
      h("h1", {}, def.title),
      h("p", { class: "error", id: "refused" }, `${def.title} is not available for your role.`),
    );
    return;
  }
  const ctx: Ctx = { me, can, get: api.get, post: api.post };
  view = def.mount(main, ctx);
}

window.addEventListener("hashchange", route);

if (csrf()) void start();
else showLogin();
