// The same pages in Firefox: Debian's firefox-esr driven over WebDriver BiDi by puppeteer-core
// (playwright-core drives only its own patched Firefox builds, which would be a download). The
// main paths of both pages, to show that nothing in them is Chromium-only.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import puppeteer from "puppeteer-core";
import { DEMO_PASSWORD, DEMO_PIN, screenshot, startServer, totp } from "./harness.mjs";

let server;
let firefox;

before(async () => {
  server = await startServer();
  firefox = await puppeteer.launch({
    browser: "firefox",
    executablePath: process.env.FIREFOX ?? "/usr/bin/firefox-esr",
    headless: true,
  });
});

after(async () => {
  await firefox?.close();
  await server?.stop();
});

async function newPage() {
  const page = await firefox.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.errors = errors;
  return page;
}

const textOf = (page, selector) => page.$eval(selector, (e) => e.textContent);

test("Firefox: an officer signs out a radio at the terminal and returns it", async () => {
  const page = await newPage();
  await page.goto(`${server.url}/terminal?site=HQ`);
  await page.waitForSelector("#badge");
  await page.type("#badge", "1001");
  for (const d of DEMO_PIN) await page.click(`.pinpad button[aria-label="${d}"]`);
  await page.click('.pinpad button[aria-label="OK"]');
  await page.waitForSelector("#allowed");
  await page.click('#allowed button[data-serial="RAD-0006"]');
  assert.match(await textOf(page, "#take"), /Take 1 item/);
  await page.click("#take");
  await page.waitForSelector("#door-title");
  await page.waitForSelector("#result", { timeout: 30_000 });
  assert.match(await textOf(page, "#result"), /RAD-0006 is signed out to you/);
  await screenshot(page, "firefox-terminal-signed-out");
  await page.click('.held[data-serial="RAD-0006"] .actions button');
  await page.waitForSelector("#door-title");
  await page.waitForSelector("#result", { timeout: 30_000 });
  assert.match(await textOf(page, "#result"), /RAD-0006 is back/);
  assert.deepEqual(page.errors, []);
});

test("Firefox: a supervisor logs in to the dashboard and sees the live grid and the alerts", async () => {
  const page = await newPage();
  await page.goto(`${server.url}/`);
  await page.waitForSelector("#badge");
  await page.type("#badge", "2001");
  await page.type("#password", DEMO_PASSWORD);
  await page.type("#code", totp());
  await page.click("#login");
  await page.waitForSelector("#nav");
  await page.waitForSelector('.site[data-site="HQ"] .cell');
  const cells = await page.$$eval('.site[data-site="HQ"] .cell', (c) => c.length);
  assert.ok(cells >= 40, `HQ's grid shows its compartments (${cells})`);
  await screenshot(page, "firefox-dashboard-overview");
  await page.click('#nav a[data-screen="alerts"]');
  await page.waitForSelector("#alerts-count:not(:empty)");
  assert.match(await textOf(page, "#alerts-count"), /alert/);
  // No admin screen for a supervisor, in Firefox as in Chromium.
  assert.equal(await page.$('#nav a[data-screen="admin"]'), null);
  assert.deepEqual(page.errors, []);
});
