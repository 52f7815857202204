// The locker terminal in a real browser against a real server with simulated lockers: what an
// officer does at the touch screen.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  apiLogin,
  newPage,
  screenshot,
  seriousViolations,
  startServer,
  terminalLogin,
  useServerAndBrowser,
} from "./harness.mjs";

const env = useServerAndBrowser();

test("an officer signs out a radio and returns it; the simulated locker moves it", async () => {
  const page = await newPage(env.browser);
  await page.goto(`${env.server.url}/terminal?site=HQ`);
  await page.waitForSelector("#badge");
  assert.match(await page.textContent(".use-notice"), /Authorized use only/);
  assert.deepEqual(await seriousViolations(page), []);
  await screenshot(page, "terminal-login");

  await terminalLogin(page, env.server.url, "1001");
  await page.waitForSelector("#allowed");
  assert.match(await page.textContent("#held-h"), /You hold \(0\)/);
  assert.deepEqual(await seriousViolations(page), []);
  await screenshot(page, "terminal-items");

  await page.click('#allowed button[data-serial="RAD-0003"]');
  assert.equal(await page.getAttribute('#allowed button[data-serial="RAD-0003"]', "aria-pressed"), "true");
  assert.match(await page.textContent("#take"), /Take 1 item/);
  await page.click("#take");
  // The door's progress, then the outcome once the simulator's officer took it and closed it.
  await page.waitForSelector("#door-title");
  assert.match(await page.textContent("#door-title"), /Door [A-Z]-\d+ is open/);
  await screenshot(page, "terminal-door");
  await page.waitForSelector("#result", { timeout: 30_000 });
  assert.match(await page.textContent("#result"), /RAD-0003 is signed out to you, due back/);
  assert.ok(await page.isVisible('.held[data-serial="RAD-0003"]'), "the radio is listed as held");
  await screenshot(page, "terminal-signed-out");

  await page.click('.held[data-serial="RAD-0003"] >> text=Return');
  await page.waitForSelector("#door-title");
  assert.match(await page.textContent("#door-title"), /Put RAD-0003 back/);
  await page.waitForSelector("#result", { timeout: 30_000 });
  assert.match(await page.textContent("#result"), /RAD-0003 is back/);
  assert.match(await page.textContent("#held-h"), /You hold \(0\)/);
  assert.deepEqual(page.errors, []);
});

test("an officer whose CEW certification expired sees the tasers withheld with the reason", async () => {
  const page = await newPage(env.browser);
  await terminalLogin(page, env.server.url, "1002");
  await page.waitForSelector("#withheld");
  const cew = page.locator('#withheld [data-serial="CEW-0001"]');
  assert.equal(await cew.count(), 1);
  assert.match(await cew.textContent(), /CEW certification expired on/);
  assert.equal(await page.locator('#withheld [data-serial="CEW-0001"] [data-code="certification_expired"]').count(), 1);
  // Not offered for the taking.
  assert.equal(await page.locator('#allowed [data-serial="CEW-0001"]').count(), 0);
  await screenshot(page, "terminal-withheld");
  assert.deepEqual(page.errors, []);
});

test("a wrong PIN is refused with a sentence and the PIN is cleared", async () => {
  const page = await newPage(env.browser);
  await terminalLogin(page, env.server.url, "1003", { pin: "9999" });
  await page.waitForSelector("#login-error .error");
  assert.match(await page.textContent("#login-error"), /PIN|badge/i);
  assert.equal((await page.textContent("#pin-dots")).trim(), "PIN");
});

test("the terminal locks itself after the idle time and hides what was on screen", async () => {
  const quick = await startServer({ env: { CUSTODIAN_SESSIONS_TERMINAL_IDLE_S: "5" } });
  try {
    const page = await newPage(env.browser);
    await terminalLogin(page, quick.url, "1001");
    await page.waitForSelector("#allowed");
    await page.waitForSelector("#badge", { timeout: 15_000 });
    assert.equal(await page.locator("#allowed").count(), 0, "the item list is gone");
    assert.match(await page.textContent("#login-error"), /Locked after 5 s/);
  } finally {
    await quick.stop();
  }
});

test("by hand at the door: each step shows as the sensors report it, and a wrong item going back in is named", async () => {
  // No auto officer: the test is the officer, acting on the simulated locker through its control
  // port while the terminal follows what the driver reads over Modbus.
  const manual = await startServer({ env: { CUSTODIAN_LOCKERS_AUTO_OFFICER: "false" } });
  try {
    const page = await newPage(env.browser);
    await terminalLogin(page, manual.url, "1001");
    await page.click('#allowed button[data-serial="RAD-0004"]');
    await page.click("#take");
    await page.waitForSelector("#door-title");
    const [, bank, compartment] = (await page.textContent(".door-name")).match(/Door ([A-Z])-(\d+) is open/);
    const where = { site: "HQ", bank, compartment };
    const state = await manual.sim({ op: "state", ...where });
    const tags = state.banks[0].compartments[0].items.map((i) => i.tag);
    assert.equal(tags.length >= 1, true, "the radio's compartment holds a tagged item");

    const step = (n) => page.locator(".steps li").nth(n);
    assert.equal(await step(1).getAttribute("class"), "now", "waiting for the door to open");
    await manual.sim({ op: "open_door", ...where });
    await page.waitForFunction(() => document.querySelectorAll(".steps li")[1]?.className === "done");
    // Which tag is RAD-0004's: the one that is not another item's (a compartment may hold several).
    let taken = null;
    for (const tag of tags) {
      const r = await manual.sim({ op: "take", ...where, tag });
      if (r.item?.serial === "RAD-0004") {
        taken = tag;
        break;
      }
      await manual.sim({ op: "put", ...where, tag, weight_g: r.item.weight_g });
    }
    assert.ok(taken, "RAD-0004 was in its compartment");
    await manual.sim({ op: "close_door", ...where });
    await page.waitForSelector("#result", { timeout: 20_000 });
    assert.match(await page.textContent("#result"), /RAD-0004 is signed out to you/);

    // Back, but with something else in hand.
    await page.click('.held[data-serial="RAD-0004"] >> text=Return');
    await page.waitForSelector("#door-title");
    await manual.sim({ op: "open_door", ...where });
    // The driver must see the door open (it polls) before what happens inside can prove anything.
    await page.waitForFunction(() => document.querySelectorAll(".steps li")[1]?.className === "done");
    await manual.sim({ op: "put", ...where, tag: "E2801170000002000000BEEF", weight_g: 300 });
    await manual.sim({ op: "close_door", ...where });
    await page.waitForSelector("#result", { timeout: 20_000 });
    assert.match(await page.textContent("#result"), /RAD-0004: The wrong item went in/);
    assert.ok(await page.isVisible('.held[data-serial="RAD-0004"]'), "the radio is still signed out to the officer");
    await screenshot(page, "terminal-wrong-item");
    assert.deepEqual(page.errors, []);
  } finally {
    await manual.stop();
  }
});

test("fits a 10-inch touch screen held upright, with every target big enough for a gloved finger", async () => {
  const context = await env.browser.newContext({ viewport: { width: 800, height: 1280 }, hasTouch: true });
  const page = await context.newPage();
  await page.goto(`${env.server.url}/terminal?site=HQ`);
  await page.waitForSelector("#badge");
  await page.fill("#badge", "1001");
  for (const d of "1234") await page.tap(`.pinpad button[aria-label="${d}"]`);
  await page.tap('.pinpad button[aria-label="OK"]');
  await page.waitForSelector("#allowed");
  const sizes = await page.evaluate(() => ({
    sideways: document.documentElement.scrollWidth - window.innerWidth,
    small: [...document.querySelectorAll("button, input")]
      .map((e) => e.getBoundingClientRect())
      .filter((r) => r.width > 0 && (r.height < 63.5 || r.width < 63.5)).length,
  }));
  assert.equal(sizes.sideways, 0, "no sideways scrolling");
  assert.equal(sizes.small, 0, "no button or field under 64 px");
  await context.close();
});

test("an officer reports a problem with one radio, which cannot then be handed over, and hands the other to a colleague", async () => {
  const page = await newPage(env.browser);
  await terminalLogin(page, env.server.url, "1001");
  await page.click('#allowed button[data-serial="RAD-0007"]');
  await page.click('#allowed button[data-serial="RAD-0008"]');
  assert.match(await page.textContent("#take"), /Take 2 items/);
  await page.click("#take");
  await page.waitForSelector("#result", { timeout: 60_000 });
  assert.match(await page.textContent("#result"), /RAD-0007 is signed out to you.*RAD-0008 is signed out to you/s);

  await page.click('.held[data-serial="RAD-0007"] >> text=Report problem');
  await page.click("text=Battery will not hold");
  assert.equal(await page.inputValue("#problem"), "Battery will not hold");
  await page.click('.panel button:text-is("Report")');
  await page.waitForSelector(".result");
  assert.match(await page.textContent(".result"), /Reported: RAD-0007/);

  // A reported radio is quarantined: nobody else may be given it.
  const handOver = async (serial) => {
    await page.click(`.held[data-serial="${serial}"] >> text=Hand over`);
    await page.fill("#receiver-badge", "1003");
    await page.fill("#receiver-pin", "1234");
    await page.click('.panel button:text-is("Hand over")');
  };
  await handOver("RAD-0007");
  await page.waitForSelector(".panel .error");
  assert.match(await page.textContent(".panel .error"), /RAD-0007 withheld: it is quarantined \(Battery will not hold\)/);
  await page.click('.panel button:text-is("Back")');

  await handOver("RAD-0008");
  await page.waitForSelector(".result");
  assert.match(await page.textContent(".result"), /RAD-0008 is now signed out to .+/);
  assert.equal(await page.locator('.held[data-serial="RAD-0008"]').count(), 0, "no longer held by 1001");
  assert.equal(await page.locator('.held[data-serial="RAD-0007"]').count(), 1, "the reported one stays with 1001");
  // The colleague holds it now, as the server says.
  const token = await apiLogin(env.server.url, "1003");
  const res = await fetch(`${env.server.url}/api/v1/terminal/items`, { headers: { Authorization: `Bearer ${token}` } });
  const held = (await res.json()).held.map((i) => i.serial);
  assert.deepEqual(held, ["RAD-0008"]);
  assert.deepEqual(page.errors, []);
});
