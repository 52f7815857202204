// The staff dashboard in a real browser against a real server with simulated lockers: what
// supervisors, admins and auditors do at their desks.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  apiLogin,
  DEMO_PASSWORD,
  newPage,
  screenshot,
  seriousViolations,
  totp,
  useServerAndBrowser,
} from "./harness.mjs";

const env = useServerAndBrowser();

// The server accepts a code of the previous, current or next 30-s step, but never a step at or
// before the last one that badge used (src/app/staff_logins.cc). So each login of a badge takes
// the next unused step, waiting for the clock when both usable steps are spent.
const lastStep = new Map();
async function staffCode(badge) {
  for (;;) {
    const now = Math.floor(Date.now() / 30000);
    const step = Math.max(now, (lastStep.get(badge) ?? -Infinity) + 1);
    if (step <= now + 1) {
      lastStep.set(badge, step);
      return totp(undefined, step * 30000);
    }
    await new Promise((r) => setTimeout(r, (now + 1) * 30000 - Date.now() + 50));
  }
}

// The dashboard's login form, as a person fills it in; resolves once the menu shows.
async function dashboardLogin(page, badge) {
  await page.goto(`${env.server.url}/`);
  await page.fill("#badge", badge);
  await page.fill("#password", DEMO_PASSWORD);
  await page.fill("#code", await staffCode(badge));
  await page.click("#login");
  await page.waitForSelector("#nav");
}

// A staff session for setting the scene over the API (not through the page under test).
async function staffApi(badge) {
  const res = await fetch(`${env.server.url}/api/v1/staff/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ badge, password: DEMO_PASSWORD, code: await staffCode(badge) }),
  });
  assert.equal(res.status, 200, `staff login ${badge}: ${await res.clone().text()}`);
  const cookie = res.headers.get("set-cookie").split(";")[0];
  const { csrf_token: csrf } = await res.json();
  return async (method, path, body, contentType = "application/json") => {
    const r = await fetch(`${env.server.url}${path}`, {
      method,
      headers: { Cookie: cookie, "X-CSRF-Token": csrf, ...(body !== undefined ? { "Content-Type": contentType } : {}) },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    return { status: r.status, body: await r.json().catch(() => null) };
  };
}

async function terminalSignOut(badge, pin, serial) {
  const token = await apiLogin(env.server.url, badge, pin);
  const res = await fetch(`${env.server.url}/api/v1/terminal/signout`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ serial }),
  });
  return { status: res.status, body: await res.json() };
}

// A weekly window on a day that is not today at the site, so any time today is outside it.
function scheduleNotToday(timeZone) {
  const today = new Intl.DateTimeFormat("en-US", { timeZone, weekday: "short" }).format(new Date());
  const days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
  return `${days[(days.indexOf(today) + 3) % 7]} 10:00-11:00`;
}

test("a supervisor sees an after-hours attempt in the alert feed within 1 s and acknowledges it", async () => {
  // An officer at HQ whose only window is on another weekday, imported by the admin.
  const admin = await staffApi("5001");
  const csv =
    "badge,name,roles,sites,certifications,licence_expires,schedule,pin\n" +
    `7001,Nia Nightshift,officer,HQ,,,${scheduleNotToday("America/New_York")},4321\n`;
  const imported = await admin("POST", "/api/v1/imports/people", csv, "text/csv");
  assert.equal(imported.status, 200, JSON.stringify(imported.body));
  assert.equal(imported.body.imported, 1);

  const page = await newPage(env.browser);
  await dashboardLogin(page, "2001");
  assert.match(await page.textContent("#who"), /2001/);
  assert.match(await page.textContent("#who-roles"), /supervisor/);
  await page.click('#nav a[data-screen="alerts"]');
  await page.waitForSelector("#alerts-count");
  assert.equal(await page.locator('#alerts li[data-badge="7001"]').count(), 0);
  // Note in the page when the row shows up (same machine, same clock as this test).
  await page.evaluate(() => {
    const seen = () => document.querySelector('#alerts li[data-badge="7001"][data-code="outside_schedule"]');
    new MutationObserver(() => {
      if (!window.alertSeenAt && seen()) window.alertSeenAt = Date.now();
    }).observe(document.body, { childList: true, subtree: true });
  });
  await page.waitForTimeout(300); // the event stream is open

  const token = await apiLogin(env.server.url, "7001", "4321");
  const sent = Date.now();
  const res = await fetch(`${env.server.url}/api/v1/terminal/signout`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ serial: "RAD-0004" }),
  });
  const attempt = { status: res.status, body: await res.json() };
  const answered = Date.now();
  assert.equal(attempt.status, 403);
  assert.equal(attempt.body.reasons[0].code, "outside_schedule");
  const row = page.locator('#alerts li[data-badge="7001"][data-code="outside_schedule"]');
  await row.waitFor({ timeout: 5000 });
  const seenAt = await page.evaluate(() => window.alertSeenAt);
  const latency = seenAt - answered;
  // The alert's event is written before the answer, so the row can show before the answer arrives.
  console.log(`alert row visible ${seenAt - sent} ms after the sign-out was sent, ${latency} ms after its answer`);
  assert.ok(latency < 1000, `the alert showed ${latency} ms after the attempt`);
  assert.match(await row.textContent(), /WARNING/);
  assert.match(await row.textContent(), /outside your schedule/);
  const index = Number(await row.getAttribute("data-index"));
  await screenshot(page, "dashboard-alerts");

  await row.locator("button.ack").click();
  await row.locator('input[name="note"]').fill("Called her: she came in on the wrong day.");
  await row.locator("button.ack-confirm").click();
  await row.waitFor({ state: "detached", timeout: 5000 });
  const acked = await admin("GET", "/api/v1/alerts?state=acknowledged");
  const mine = acked.body.alerts.find((a) => a.index === index);
  assert.ok(mine, "the server lists the alert as acknowledged");
  assert.equal(mine.acknowledged.by, "2001");
  assert.match(mine.acknowledged.note, /wrong day/);
  const open = await admin("GET", "/api/v1/alerts");
  assert.ok(!open.body.alerts.some((a) => a.index === index), "no longer open");
  assert.deepEqual(page.errors, []);
});

test("an auditor cannot reach the admin screens, and the server refuses admin calls", async () => {
  const page = await newPage(env.browser);
  await dashboardLogin(page, "6001");
  assert.match(await page.textContent("#who-roles"), /auditor/);
  assert.equal(await page.locator('#nav a[data-screen="admin"]').count(), 0, "no Admin in the menu");
  assert.equal(await page.locator('#nav a[data-screen="emergency"]').count(), 0, "no Emergency in the menu");
  assert.equal(await page.locator('#nav a[data-screen="audit"]').count(), 1, "Audit is there");
  await page.goto(`${env.server.url}/#/admin`);
  await page.waitForSelector("#refused");
  assert.match(await page.textContent("#refused"), /not available for your role/);
  assert.equal(await page.locator("#import").count(), 0, "no import form");

  // With the auditor's own cookie and CSRF token, straight at the API.
  const statuses = await page.evaluate(async () => {
    const csrf = sessionStorage.getItem("custodian.dashboard.csrf");
    const post = (path, body, type) =>
      fetch(path, { method: "POST", headers: { "X-CSRF-Token": csrf, "Content-Type": type }, body }).then((r) => r.status);
    return {
      import: await post("/api/v1/imports/people", "badge,name,roles,sites,certifications,licence_expires,schedule,pin\n", "text/csv"),
      token: await post("/api/v1/tokens", JSON.stringify({ badge: "6001", name: "sneaky" }), "application/json"),
      me: await fetch("/api/v1/me").then((r) => r.status),
    };
  });
  assert.deepEqual(statuses, { import: 403, token: 403, me: 200 });

  // A reload keeps the session (the CSRF token is in sessionStorage); logging out ends it.
  await page.reload();
  await page.waitForSelector("#nav");
  assert.match(await page.textContent("#who"), /6001/);
  await page.click("#logout");
  await page.waitForSelector("#login");
  assert.match(await page.textContent("#login-error"), /logged out/);
  assert.equal(await page.evaluate(() => fetch("/api/v1/me").then((r) => r.status)), 401);
  assert.deepEqual(page.errors, []);
});

test("lockdown asked and approved on the dashboard blocks a sign-out; lifting it restores it", async () => {
  const supervisor = await newPage(env.browser);
  await dashboardLogin(supervisor, "2001");
  await supervisor.click('#nav a[data-screen="emergency"]');
  await supervisor.waitForSelector('#em-site option[value="HQ"]', { state: "attached" });
  const ask = async (mode, reason) => {
    await supervisor.selectOption("#em-site", "HQ");
    await supervisor.selectOption("#em-bank", "");
    await supervisor.selectOption("#em-mode", mode);
    await supervisor.fill("#em-reason", reason);
    await supervisor.click("#ask");
    await supervisor.waitForSelector("dialog#confirm[open]");
    assert.match(await supervisor.textContent("#confirm-text"), /of all of HQ/);
    await supervisor.click("#confirm-ask");
    const status = supervisor.locator(`#ask-status [data-mode="${mode}"]`);
    await status.waitFor();
    assert.match(await status.textContent(), /waiting for a second person's approval/);
    return status.getAttribute("data-ask");
  };

  // Cancelling the confirmation asks nothing.
  await supervisor.fill("#em-reason", "not really");
  await supervisor.click("#ask");
  await supervisor.click("#cancel-ask");
  assert.equal(await supervisor.locator("dialog#confirm[open]").count(), 0);
  assert.match(await supervisor.textContent("#waiting"), /Nothing is waiting/);

  const lock = await ask("lockdown", "Armed suspect in the building");
  // The asker cannot approve their own ask: the server says why.
  const own = supervisor.locator(`#waiting .ask-row[data-ask="${lock}"]`);
  await own.waitFor();
  await own.locator("button.approve").click();
  await own.locator(".error").waitFor();
  assert.match(await own.locator(".error").textContent(), /second person/);
  await screenshot(supervisor, "dashboard-emergency");

  // A second person, in another env.browser context, sees the ask and approves it.
  const adminPage = await newPage(env.browser);
  await dashboardLogin(adminPage, "5001");
  await adminPage.click('#nav a[data-screen="emergency"]');
  const approveLock = adminPage.locator(`#waiting .ask-row[data-ask="${lock}"] button.approve`);
  await approveLock.click();
  await adminPage.waitForSelector("#approved");
  await adminPage.waitForSelector('#lockdowns [data-site="HQ"]');
  await supervisor.waitForSelector('#lockdowns [data-site="HQ"]', { timeout: 2000 });

  const refused = await terminalSignOut("1001", "1234", "RAD-0005");
  assert.equal(refused.status, 403);
  assert.ok(refused.body.reasons.some((r) => r.code === "lockdown"), JSON.stringify(refused.body));

  // Lift it: ask "normal", the admin's page shows the new ask live and approves it.
  const lift = await ask("normal", "Suspect in custody");
  await adminPage.locator(`#waiting .ask-row[data-ask="${lift}"] button.approve`).click({ timeout: 3000 });
  await adminPage.waitForSelector('#lockdowns [data-site="HQ"]', { state: "detached" });
  // The sign-out is granted again, and the supervisor's overview shows the door open within 1 s.
  await supervisor.click('#nav a[data-screen="overview"]');
  const cell = supervisor.locator('.site[data-site="HQ"] li.cell', { hasText: "RAD-0005" });
  await cell.waitFor();
  assert.match(await cell.getAttribute("data-state"), /^(in|charging)$/);
  await supervisor.evaluate(() => {
    const watched = [...document.querySelectorAll('.site[data-site="HQ"] li.cell')].find((c) => c.textContent.includes("RAD-0005"));
    const key = watched.dataset.compartment;
    new MutationObserver(() => {
      const now = document.querySelector(`.site[data-site="HQ"] li.cell[data-compartment="${key}"]`);
      if (!window.cellChangedAt && now && /^(door_open|out)$/.test(now.dataset.state)) window.cellChangedAt = Date.now();
    }).observe(document.body, { childList: true, subtree: true, attributes: true });
  });
  const granted = await terminalSignOut("1001", "1234", "RAD-0005");
  const answered = Date.now();
  assert.equal(granted.status, 200, JSON.stringify(granted.body));
  assert.equal(granted.body.granted, true);
  await supervisor.waitForFunction(() => window.cellChangedAt, null, { timeout: 5000 });
  const latency = (await supervisor.evaluate(() => window.cellChangedAt)) - answered;
  console.log(`overview cell of RAD-0005 changed ${latency} ms after the sign-out's answer`);
  assert.ok(latency < 1000, `the grid changed ${latency} ms after the sign-out`);
  assert.deepEqual(supervisor.errors, []);
  assert.deepEqual(adminPage.errors, []);
});

test("each main screen has no serious accessibility violations and is photographed", async () => {
  const page = await newPage(env.browser);
  await page.goto(`${env.server.url}/`);
  await page.waitForSelector("#login");
  assert.deepEqual(await seriousViolations(page), []);
  await screenshot(page, "dashboard-login");
  await dashboardLogin(page, "5001");
  // Each screen and what shows that its data arrived.
  const screens = [
    ["overview", '.site[data-site="HQ"] .cell'],
    ["locator", "#serial"],
    ["custody", "#custody-summary:not(:empty)"],
    ["alerts", "#alerts-count:not(:empty)"],
    ["audit", "#audit-table tbody tr"],
    ["people", "#people-table tbody tr"],
    ["charts", "#charts figure"],
    ["emergency", "#waiting p, #waiting ul"],
    ["ledger", "#ledger-events"],
    ["admin", "#admin-people-table tbody tr"],
  ];
  for (const [name, ready] of screens) {
    await page.click(`#nav a[data-screen="${name}"]`);
    await page.waitForSelector(ready);
    if (name === "overview") {
      // Three sites, each with its banks; one site at a time on choice.
      assert.equal(await page.locator(".site").count(), 3);
      assert.match(await page.textContent(".legend"), /Fault.*Door open.*Overdue.*Quarantined.*Out.*Charging.*In.*Empty/);
      await page.selectOption("#overview-site", "HQ");
      await page.waitForFunction(() => document.querySelectorAll(".site").length === 1);
      assert.equal(await page.locator('.site[data-site="HQ"] .bank').count(), 2);
    }
    if (name === "locator") {
      await page.fill("#serial", "RAD-0005");
      await page.click("text=Find");
      await page.waitForSelector('.item-card[data-serial="RAD-0005"]');
      const state = await page.textContent("#item-state");
      assert.match(state, /Signed out|In its compartment|Being/);
      if (state === "Signed out") assert.match(await page.textContent("#item-holder"), /\(1001\)/);
    }
    if (name === "audit") {
      await page.fill("#f-kind", "login.");
      await page.click("text=Search");
      await page.waitForFunction(() =>
        [...document.querySelectorAll("#audit-table tbody tr td:nth-child(4)")].every((td) => td.textContent.startsWith("login.")),
      );
      const href = await page.getAttribute("#csv", "href");
      assert.match(href, /format=csv/);
      assert.match(href, /kind=login\./);
      const csv = await page.evaluate((u) => fetch(u).then((r) => r.text()), href);
      const lines = csv.trim().split("\n");
      assert.match(lines[0], /^index,time,actor,kind,payload/);
      assert.ok(lines.length > 1 && lines.slice(1).every((l) => l.includes(",login.")), csv.slice(0, 300));
    }
    if (name === "charts") {
      // GET /api/v1/stats: four charts, each with its numbers as a table.
      assert.equal(await page.locator("#charts figure canvas").count(), 4);
      assert.match(await page.textContent("#chart-type details table"), /RADIO/);
      // The lockdown test's granted sign-out (RAD-0005) counts in the weekday chart's numbers.
      const weekday = await page.$$eval("#chart-weekday details table td", (tds) =>
        tds.map((td) => Number(td.textContent)).filter((n) => Number.isFinite(n)),
      );
      assert.ok(weekday.reduce((a, b) => a + b, 0) >= 1, `sign-outs by weekday: ${weekday}`);
    }
    if (name === "ledger") {
      await page.click("#verify");
      await page.waitForSelector("#verified");
      assert.match(await page.textContent("#verified"), /Verified: all [\d,]+ events are intact \(root [0-9a-f]{64}\)/);
      await page.click("#sign");
      await page.waitForSelector("#signed");
      assert.match(await page.textContent("#signed"), /Signed checkpoint of [\d,]+ events/);
      // The one just signed is now the last kept.
      const signedSize = (await page.textContent("#signed")).match(/of ([\d,]+) events/)[1];
      await page.waitForFunction(
        (size) => (document.querySelector("#ledger-last-checkpoint")?.textContent ?? "").startsWith(`at ${size} events (`),
        signedSize,
      );
    }
    assert.equal(await page.getAttribute(`#nav a[data-screen="${name}"]`, "aria-current"), "page");
    assert.deepEqual(await seriousViolations(page), [], `axe on ${name}`);
    // Readable at 1280×800 without sideways scrolling; every button and link at least 44 px high
    // for a finger on a 10-inch touch screen.
    const fit = await page.evaluate(() => ({
      overflow: document.documentElement.scrollWidth - window.innerWidth,
      small: [...document.querySelectorAll("button, #nav a, select, input:not([type=file])")]
        .filter((el) => el.offsetParent !== null && el.getBoundingClientRect().height < 44)
        .map((el) => el.id || el.textContent.trim().slice(0, 30)),
    }));
    assert.ok(fit.overflow <= 0, `${name} scrolls sideways by ${fit.overflow} px`);
    assert.deepEqual(fit.small, [], `targets under 44 px on ${name}`);
    await screenshot(page, `dashboard-${name}`);
  }
  assert.deepEqual(page.errors, []);
});
