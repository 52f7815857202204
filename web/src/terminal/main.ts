// The locker terminal (/terminal): a touch screen beside the lockers. Badge and PIN, the items
// this officer may take now and the withheld ones with their reason, sign-out and return with the
// door's progress, problem reports and handover. Locks itself after the session's idle time and
// forgets what was on screen.
//
// The terminal's site comes from ?site= (remembered by the browser), as the installer sets it up.

import "../lib/base.css";
import "./terminal.css";
import { ApiError, call, type Auth, type Item, type Key, type Outcome } from "../lib/api";
import { followEvents, type LedgerEvent } from "../lib/events";
import { compartmentName, h, mount, when } from "../lib/dom";

interface Session {
  token: string;
  badge: string;
  name: string;
  site: string;
  idle_timeout_s: number;
}
interface Listing {
  site: string;
  allowed: Item[];
  withheld: Item[];
  held: Item[];
}

const app = document.getElementById("app")!;
const params = new URLSearchParams(location.search);
let site = params.get("site") ?? localStorage.getItem("custodian.site") ?? "";
if (params.get("site")) localStorage.setItem("custodian.site", site);

let session: Session | null = null;
let listing: Listing | null = null;
let selected = new Set<string>();
let busy = false; // a door is open for this session: no idle lock meanwhile
let idleTimer = 0;
let stopEvents: (() => void) | null = null;
// What the ledger said about a serial lately (return.rejected, signout.abandoned, …).
const verdicts = new Map<string, LedgerEvent>();

const auth = (): Auth => ({ bearer: session?.token });

// ---- idle lock -------------------------------------------------------------------------------

function touch(): void {
  window.clearTimeout(idleTimer);
  if (!session) return;
  idleTimer = window.setTimeout(() => {
    if (busy) return touch();
    void lock(`Locked after ${session?.idle_timeout_s ?? 60} s without use.`);
  }, (session.idle_timeout_s || 60) * 1000);
}
for (const e of ["pointerdown", "keydown"]) document.addEventListener(e, touch, { passive: true });

async function lock(message = ""): Promise<void> {
  const token = session?.token;
  session = null;
  listing = null;
  selected = new Set();
  verdicts.clear();
  stopEvents?.();
  stopEvents = null;
  window.clearTimeout(idleTimer);
  showLogin(message);
  if (token) {
    try {
      await call({ bearer: token }, "POST", "/api/v1/terminal/logout");
    } catch {
      /* already ended (idle on the server too) */
    }
  }
}

// ---- login -----------------------------------------------------------------------------------

function header(right: Node | string = ""): HTMLElement {
  return h(
    "header",
    { class: "bar" },
    h("div", { class: "brand" }, h("span", { class: "logo", "aria-hidden": "true" }), "Custodian"),
    h("div", { class: "site" }, site ? `Site ${site}` : ""),
    right,
  );
}

function showSitePicker(): void {
  const input = h("input", { id: "site", autocomplete: "off", "aria-label": "Site code" });
  const form = h(
    "form",
    {
      class: "card narrow",
      onsubmit: (e: Event) => {
        e.preventDefault();
        site = input.value.trim();
        if (!site) return;
        localStorage.setItem("custodian.site", site);
        showLogin();
      },
    },
    h("h1", {}, "Set up this terminal"),
    h("p", {}, "Which site is this terminal at? (The installer sets this once; /terminal?site=HQ does too.)"),
    h("label", { for: "site" }, "Site code"),
    input,
    h("button", { type: "submit", class: "big" }, "Save"),
  );
  mount(app, header(), h("main", {}, form));
  input.focus();
}

function showLogin(message = ""): void {
  if (!site) return showSitePicker();
  let pin = "";
  const badge = h("input", {
    id: "badge",
    inputmode: "numeric",
    autocomplete: "off",
    placeholder: "Scan or type your badge",
  });
  const dots = h("div", { class: "pin-dots", "aria-live": "polite", id: "pin-dots" });
  const error = h("div", { role: "alert", id: "login-error" });
  if (message) mount(error, h("p", { class: "notice" }, message));
  const render = () => {
    mount(dots, pin ? "●".repeat(pin.length) : h("span", { class: "muted" }, "PIN"));
    dots.setAttribute("aria-label", `${pin.length} digits entered`);
  };
  const submit = async () => {
    if (!badge.value.trim()) {
      mount(error, h("p", { class: "error" }, "Scan or type your badge first."));
      return badge.focus();
    }
    if (!pin) {
      mount(error, h("p", { class: "error" }, "Enter your PIN on the keypad."));
      return;
    }
    try {
      const s = await call<Session>({}, "POST", "/api/v1/terminal/login", {
        badge: badge.value.trim(),
        pin,
        site,
      });
      session = s;
      touch();
      stopEvents = followEvents({ Authorization: `Bearer ${s.token}` }, (e) => {
        const serial = e.payload?.serial;
        if (typeof serial === "string") verdicts.set(serial, e);
      });
      await refresh();
    } catch (e) {
      pin = "";
      render();
      mount(error, h("p", { class: "error" }, e instanceof ApiError ? e.message : String(e)));
    }
  };
  const key = (label: string, action: () => void, cls = "") =>
    h("button", { type: "button", class: `key ${cls}`, onclick: action, "aria-label": label }, label);
  const digits = ["1", "2", "3", "4", "5", "6", "7", "8", "9"].map((d) =>
    key(d, () => {
      if (pin.length < 12) pin += d;
      render();
    }),
  );
  const pad = h(
    "div",
    { class: "pinpad", role: "group", "aria-label": "PIN keypad" },
    digits,
    key("Clear", () => {
      pin = "";
      render();
    }, "secondary"),
    key("0", () => {
      if (pin.length < 12) pin += "0";
      render();
    }),
    key("OK", () => void submit(), "ok"),
  );
  badge.addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      e.preventDefault();
      (pad.querySelector("button") as HTMLButtonElement).focus();
    }
  });
  document.onkeydown = (e) => {
    if (session || document.activeElement === badge) return;
    if (/^[0-9]$/.test(e.key) && pin.length < 12) pin += e.key;
    else if (e.key === "Backspace") pin = pin.slice(0, -1);
    else if (e.key === "Enter") return void submit();
    else return;
    render();
  };
  render();
  mount(
    app,
    header(),
    h(
      "main",
      { class: "login" },
      h(
        "section",
        { class: "card" },
        h("h1", {}, "Sign in"),
        h("label", { for: "badge" }, "Badge"),
        badge,
        h("div", { class: "pin-label", id: "pin-label" }, "PIN"),
        dots,
        pad,
        error,
      ),
      h(
        "aside",
        { class: "use-notice", "aria-label": "System use notice" },
        h("h2", {}, "Authorized use only"),
        h(
          "p",
          {},
          "This system is for authorized personnel of the agency. Every sign-in, every door that opens and every item that leaves or returns is recorded in a tamper-evident ledger and may be reviewed. Use implies consent to this monitoring.",
        ),
      ),
    ),
  );
  badge.focus();
}

// ---- the session's screen ---------------------------------------------------------------------

async function refresh(): Promise<void> {
  if (!session) return;
  try {
    listing = await call<Listing>(auth(), "GET", "/api/v1/terminal/items");
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return lock("Your session ended. Sign in again.");
    throw e;
  }
  showItems();
}

function itemCard(i: Item, opts: { selectable?: boolean; reasons?: boolean } = {}): HTMLElement {
  const chosen = selected.has(i.serial);
  const body = [
    h("div", { class: "serial" }, i.serial),
    h("div", { class: "type" }, `${i.type} · `, h("span", { class: "nowrap" }, `door ${compartmentName(i.home)}`)),
    i.charge_percent !== undefined ? h("div", { class: "charge" }, `Charge ${i.charge_percent} %`) : null,
    opts.reasons
      ? (i.reasons ?? []).map((r) => h("p", { class: "reason", "data-code": r.code }, r.sentence))
      : null,
    (i.requirements ?? []).map((r) => h("p", { class: "requirement" }, r.sentence)),
  ];
  if (!opts.selectable) return h("li", { class: "item withheld", "data-serial": i.serial }, body);
  return h(
    "li",
    { class: "item" },
    h(
      "button",
      {
        type: "button",
        class: `pick ${chosen ? "chosen" : ""}`,
        "aria-pressed": chosen ? "true" : "false",
        "data-serial": i.serial,
        onclick: () => {
          if (selected.has(i.serial)) selected.delete(i.serial);
          else selected.add(i.serial);
          showItems();
        },
      },
      body,
    ),
  );
}

function heldRow(i: Item): HTMLElement {
  return h(
    "li",
    { class: "held", "data-serial": i.serial },
    h(
      "div",
      {},
      h("div", { class: "serial" }, i.serial),
      h(
        "div",
        { class: `type ${i.custody?.overdue ? "overdue" : ""}` },
        `${i.type} · since ${when(i.custody?.since)} · due ${when(i.custody?.due)}`,
        i.custody?.overdue ? " · OVERDUE" : "",
      ),
    ),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "button", class: "big", onclick: () => void doReturn(i.serial) }, "Return"),
      h("button", { type: "button", class: "secondary", onclick: () => showProblem(i.serial) }, "Report problem"),
      h("button", { type: "button", class: "secondary", onclick: () => showHandover(i.serial) }, "Hand over"),
    ),
  );
}

function showItems(message: Node | null = null): void {
  if (!session || !listing) return;
  const l = listing;
  const scan = h("input", {
    id: "scan",
    autocomplete: "off",
    placeholder: "Scan or type a serial to return",
    "aria-label": "Serial to return",
  });
  scan.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && scan.value.trim()) void doReturn(scan.value.trim());
  });
  const take = h(
    "button",
    {
      type: "button",
      class: "big take",
      id: "take",
      disabled: selected.size === 0,
      onclick: () => void doSignOut([...selected]),
    },
    selected.size === 0
      ? "Pick what you take"
      : `Take ${selected.size} item${selected.size > 1 ? "s" : ""}`,
  );
  mount(
    app,
    header(
      h(
        "div",
        { class: "who" },
        h("span", {}, session.name || session.badge),
        h("button", { type: "button", class: "secondary", onclick: () => void lock() }, "Sign out of terminal"),
      ),
    ),
    h(
      "main",
      { class: "session" },
      message,
      h(
        "section",
        { "aria-labelledby": "held-h" },
        h("h2", { id: "held-h" }, `You hold (${l.held.length})`),
        l.held.length ? h("ul", { class: "held-list" }, l.held.map(heldRow)) : h("p", { class: "muted" }, "Nothing."),
        h("div", { class: "scan" }, scan),
      ),
      h(
        "section",
        { "aria-labelledby": "allowed-h" },
        h("div", { class: "row" }, h("h2", { id: "allowed-h" }, "You may take"), take),
        l.allowed.length
          ? h("ul", { class: "grid", id: "allowed" }, l.allowed.map((i) => itemCard(i, { selectable: true })))
          : h("p", { class: "muted" }, "Nothing you may take here now."),
      ),
      l.withheld.length
        ? h(
            "section",
            { "aria-labelledby": "withheld-h" },
            h("h2", { id: "withheld-h" }, "Withheld"),
            h("ul", { class: "grid", id: "withheld" }, l.withheld.map((i) => itemCard(i, { reasons: true }))),
          )
        : null,
    ),
  );
}

// ---- the door's progress -----------------------------------------------------------------------

interface Step {
  label: string;
  done: boolean;
}

function showDoor(title: string, door: Key, steps: Step[], note = ""): void {
  mount(
    app,
    header(),
    h(
      "main",
      { class: "door" },
      h("p", { class: "door-name" }, `Door ${compartmentName(door)} is open`),
      h("h1", { id: "door-title" }, title),
      h(
        "ol",
        { class: "steps", "aria-live": "polite" },
        steps.map((s, n) =>
          h(
            "li",
            { class: s.done ? "done" : n === steps.findIndex((x) => !x.done) ? "now" : "" },
            h("span", { class: "tick", "aria-hidden": "true" }, s.done ? "✓" : String(n + 1)),
            s.label,
            h("span", { class: "visually-hidden" }, s.done ? " (done)" : ""),
          ),
        ),
      ),
      note ? h("p", { class: "muted" }, note) : null,
    ),
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function doorsOpen(door: Key): Promise<boolean> {
  const d = await call<{ open: Key[] }>(auth(), "GET", "/api/v1/terminal/doors");
  return d.open.some((k) => k.bank === door.bank && k.compartment === door.compartment);
}

function findItem(l: Listing, serial: string): Item | undefined {
  return [...l.held, ...l.allowed, ...l.withheld].find((i) => i.serial === serial);
}

const signOutEnds: Record<string, string> = {
  item_not_taken: "The door closed with the item still inside: nothing was signed out to you.",
  door_not_opened: "The door was not opened in time and is locked again: nothing was signed out.",
  weight_unchanged:
    "The item's tag left but the compartment's weight did not change: the sign-out did not finish and an armorer has been alerted.",
};
const returnEnds: Record<string, string> = {
  wrong_item: "The wrong item went in. Take it out again: the item you hold is still signed out to you.",
  nothing_returned: "The door closed without the item: it is still signed out to you.",
  wrong_weight: "The item's weight is not right (something missing or added?). It is still signed out to you; an armorer has been alerted.",
  door_not_opened: "The door was not opened in time and is locked again: the item is still signed out to you.",
};

// Follows one open door until the ledger says how it ended. Returns the sentence to show.
async function follow(
  serial: string,
  door: Key,
  title: string,
  labels: [string, string, string, string],
  isDone: (i: Item | undefined) => boolean,
  isOver: (i: Item | undefined) => boolean,
  ends: Record<string, string>,
  since: number,
): Promise<{ ok: boolean; sentence: string }> {
  const steps: Step[] = labels.map((label, n) => ({ label, done: n === 0 }));
  showDoor(title, door, steps);
  for (;;) {
    await sleep(300);
    if (!session) return { ok: false, sentence: "" };
    const l = await call<Listing>(auth(), "GET", "/api/v1/terminal/items");
    const open = await doorsOpen(door);
    const item = findItem(l, serial);
    if (open) steps[1].done = true;
    if (isDone(item)) {
      steps.forEach((s) => (s.done = true));
      listing = l;
      return { ok: true, sentence: "" };
    }
    if (isOver(item)) {
      listing = l;
      const v = verdicts.get(serial);
      const reason = v && v.index > since ? String(v.payload?.reason ?? "") : "";
      return { ok: false, sentence: ends[reason] ?? "The door closed and nothing changed." };
    }
    if (!open && steps[1].done) steps[2].done = true;
    showDoor(title, door, steps, open ? "Close the door when you are done." : "");
  }
}

function lastIndex(): number {
  let max = 0;
  for (const v of verdicts.values()) max = Math.max(max, v.index);
  return max;
}

async function doSignOut(serials: string[]): Promise<void> {
  if (!session || busy) return;
  busy = true;
  const results: HTMLElement[] = [];
  try {
    for (const serial of serials) {
      const since = lastIndex();
      const o = await call<Outcome>(auth(), "POST", "/api/v1/terminal/signout", { serial });
      if (!o.granted || !o.compartment) {
        results.push(h("p", { class: "error" }, o.reasons.map((r) => r.sentence).join(" ") || `${serial} was refused.`));
        continue;
      }
      const r = await follow(
        serial,
        o.compartment,
        `Door ${compartmentName(o.compartment)} is open: take ${serial}, then close the door`,
        ["Door unlocked", "Door opened", `${serial} taken`, "Door closed"],
        (i) => i?.state === "out" && i.custody?.badge === session?.badge,
        (i) => i !== undefined && i.state !== "signing_out" && i.state !== "out",
        signOutEnds,
        since,
      );
      const due = listing ? findItem(listing, serial)?.custody?.due : undefined;
      results.push(
        r.ok
          ? h("p", { class: "ok" }, `${serial} is signed out to you${due ? `, due back ${when(due)}` : ""}.`)
          : h("p", { class: "error" }, `${serial}: ${r.sentence}`),
      );
    }
  } catch (e) {
    results.push(h("p", { class: "error" }, e instanceof ApiError ? e.sentences().join(" ") : String(e)));
  } finally {
    busy = false;
    selected = new Set();
    touch();
  }
  await refresh();
  showItems(h("div", { class: "result", role: "status", id: "result" }, results));
}

async function doReturn(serial: string, problem = ""): Promise<void> {
  if (!session || busy) return;
  busy = true;
  let result: HTMLElement;
  try {
    const since = lastIndex();
    const body: Record<string, string> = { serial };
    if (problem) body.problem = problem;
    const o = await call<Outcome>(auth(), "POST", "/api/v1/terminal/return", body);
    if (!o.granted || !o.compartment) {
      result = h("p", { class: "error" }, o.reasons.map((r) => r.sentence).join(" ") || `${serial} cannot be returned here.`);
    } else {
      const r = await follow(
        serial,
        o.compartment,
        `Put ${serial} back in door ${compartmentName(o.compartment)}, then close the door`,
        ["Door unlocked", "Door opened", `${serial} put in`, "Door closed"],
        (i) => i === undefined || i.state === "in" || (i.state === "quarantined" && !i.custody),
        (i) => i?.state === "out",
        returnEnds,
        since,
      );
      result = r.ok
        ? h("p", { class: "ok" }, `${serial} is back. Thank you.`)
        : h("p", { class: "error" }, `${serial}: ${r.sentence}`);
    }
  } catch (e) {
    result = h("p", { class: "error" }, e instanceof ApiError ? e.sentences().join(" ") : String(e));
  } finally {
    busy = false;
    touch();
  }
  await refresh();
  showItems(h("div", { class: "result", role: "status", id: "result" }, result));
}

// ---- problem and handover ------------------------------------------------------------------------

function panel(title: string, ...content: (Node | null)[]): void {
  mount(
    app,
    header(),
    h(
      "main",
      { class: "panel" },
      h("h1", {}, title),
      content,
      h("button", { type: "button", class: "secondary big", onclick: () => showItems() }, "Back"),
    ),
  );
}

function showProblem(serial: string): void {
  const text = h("textarea", { id: "problem", rows: 3, maxlength: 1000, "aria-label": "What is wrong" });
  const error = h("div", { role: "alert" });
  const send = async (andReturn: boolean) => {
    const description = text.value.trim();
    if (!description) return mount(error, h("p", { class: "error" }, "Say what is wrong first."));
    if (andReturn) return doReturn(serial, description);
    try {
      await call<Outcome>(auth(), "POST", "/api/v1/terminal/problem", { serial, description });
      await refresh();
      showItems(h("p", { class: "ok result", role: "status" }, `Reported: ${serial}. An armorer will look at it.`));
    } catch (e) {
      mount(error, h("p", { class: "error" }, e instanceof ApiError ? e.sentences().join(" ") : String(e)));
    }
  };
  const preset = (t: string) =>
    h("button", { type: "button", class: "secondary", onclick: () => (text.value = t) }, t);
  panel(
    `Report a problem with ${serial}`,
    h("div", { class: "presets" }, ["Does not power on", "Damaged", "Battery will not hold", "Part missing"].map(preset)),
    text,
    error,
    h(
      "div",
      { class: "row" },
      h("button", { type: "button", class: "big", onclick: () => void send(false) }, "Report"),
      h("button", { type: "button", class: "big", onclick: () => void send(true) }, "Report and return it"),
    ),
  );
  text.focus();
}

function showHandover(serial: string): void {
  const badge = h("input", { id: "receiver-badge", autocomplete: "off", "aria-label": "Colleague's badge" });
  const pin = h("input", {
    id: "receiver-pin",
    type: "password",
    inputmode: "numeric",
    autocomplete: "off",
    "aria-label": "Colleague's PIN",
  });
  const error = h("div", { role: "alert" });
  const send = async () => {
    if (!session) return;
    let receiver: Session | null = null;
    try {
      receiver = await call<Session>({}, "POST", "/api/v1/terminal/login", {
        badge: badge.value.trim(),
        pin: pin.value,
        site,
      });
      const o = await call<Outcome>(auth(), "POST", "/api/v1/terminal/handover", {
        serial,
        receiver_token: receiver.token,
      });
      if (!o.granted) {
        mount(error, h("p", { class: "error" }, o.reasons.map((r) => r.sentence).join(" ")));
        return;
      }
      await refresh();
      showItems(
        h("p", { class: "ok result", role: "status" }, `${serial} is now signed out to ${receiver.name || receiver.badge}.`),
      );
    } catch (e) {
      mount(error, h("p", { class: "error" }, e instanceof ApiError ? e.sentences().join(" ") : String(e)));
    } finally {
      if (receiver) {
        try {
          await call({ bearer: receiver.token }, "POST", "/api/v1/terminal/logout");
        } catch {
          /* ended anyway */
        }
      }
    }
  };
  panel(
    `Hand ${serial} to a colleague`,
    h("p", {}, "Your colleague signs in here with their own badge and PIN; the item is then theirs."),
    h("label", { for: "receiver-badge" }, "Colleague's badge"),
    badge,
    h("label", { for: "receiver-pin" }, "Colleague's PIN"),
    pin,
    error,
    h("button", { type: "button", class: "big", onclick: () => void send() }, "Hand over"),
  );
  badge.focus();
}

showLogin();
