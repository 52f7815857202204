// What every browser test needs, all real: the custodian binary serving a freshly seeded demo
// agency with simulated lockers (the auto officer takes and puts back what a door offers), the
// built pages (web/dist), and Debian's chromium driven by playwright-core.
//
// Environment (set by CTest, tests/CMakeLists.txt):
//   CUSTODIAN_BIN   the custodian binary (default: build/dev/apps/custodian/custodian)
//   CHROMIUM        the browser (default /usr/bin/chromium)
//   SCREENSHOTS     where screenshots go (default build/screenshots)

import { spawn, execFileSync } from "node:child_process";
import net from "node:net";
import { createHmac } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, before } from "node:test";
import { chromium } from "playwright-core";
import axe from "axe-core";

const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, "../..");
export const bin = process.env.CUSTODIAN_BIN ?? path.join(root, "build/dev/apps/custodian/custodian");
export const dist = path.join(root, "web/dist");
export const screenshots = process.env.SCREENSHOTS ?? path.join(root, "build/screenshots");

// The demo's staff credentials (scripts/run-demo, docs/import.md "Demo agency").
export const DEMO_PASSWORD = "custodian-demo";
export const DEMO_TOTP_SECRET = "CUSTODIANDEMOCUSTODIANDEMO234567";
export const DEMO_PIN = "1234";

// RFC 6238 TOTP (SHA-1, 6 digits, 30 s), for the staff login's one-time code.
export function totp(secretBase32 = DEMO_TOTP_SECRET, at = Date.now(), offsetSteps = 0) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of secretBase32.replace(/=+$/, "")) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const key = Buffer.alloc(Math.floor(bits.length / 8));
  for (let i = 0; i < key.length; i++) key[i] = parseInt(bits.slice(i * 8, i * 8 + 8), 2);
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 30000) + offsetSteps));
  const mac = createHmac("sha1", key).update(counter).digest();
  const o = mac[mac.length - 1] & 0xf;
  const n = (mac.readUInt32BE(o) & 0x7fffffff) % 1_000_000;
  return String(n).padStart(6, "0");
}

if (!fs.existsSync(path.join(dist, "index.html"))) {
  throw new Error(`no built pages in ${dist}: run \`make build\` (or \`npm run build\` in web/) first`);
}
if (!fs.existsSync(bin)) throw new Error(`no custodian binary at ${bin}: run \`make test\` or set CUSTODIAN_BIN`);

// A seeded demo agency in a new temporary directory. Seeding (Argon2 for 60 people) is slow under
// the sanitizers, so the first call seeds a template that later calls copy.
export function seededDataDir() {
  const stamp = fs.statSync(bin).mtimeMs.toFixed(0);
  const template = path.join(os.tmpdir(), `custodian-web-template-${stamp}`);
  if (!fs.existsSync(path.join(template, "done"))) {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "custodian-web-seed-"));
    execFileSync(bin, ["demo", "seed", "--data", work], { stdio: "ignore" });
    fs.writeFileSync(path.join(work, "done"), "");
    try {
      fs.renameSync(work, template);
    } catch {
      fs.rmSync(work, { recursive: true, force: true }); // another test seeded it meanwhile
    }
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "custodian-web-"));
  fs.cpSync(template, dir, { recursive: true });
  return dir;
}

// `custodian serve --simulate` on a free loopback port. Resolves once it says where it serves.
export async function startServer({ dataDir = seededDataDir(), env = {}, args = [] } = {}) {
  const child = spawn(bin, ["serve", "--data", dataDir, "--port", "0", "--simulate", "--web", dist, ...args], {
    env: { ...process.env, CUSTODIAN_LOG_FORMAT: "text", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stderr.on("data", (d) => (log += d));
  let control = 0;
  const url = await new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`custodian serve did not start:\n${out}\n${log}`)), 60_000);
    child.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/serving (http:\/\/\S+)\/\n/);
      const c = out.match(/control 127\.0\.0\.1:(\d+)\n/);
      if (m && c) {
        control = Number(c[1]);
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on("exit", (code) => reject(new Error(`custodian serve exited with ${code}:\n${out}\n${log}`)));
  });
  return {
    url,
    dataDir,
    // One request to the simulator's control port (docs/hardware-protocol.md, "Simulator").
    sim: (request) => simControl(control, request),
    log: () => log,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.on("exit", r));
      child.kill("SIGTERM");
      await exited;
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

// A page at 1280×800 that fails the test on any script error.
export async function newPage(browser, viewport = { width: 1280, height: 800 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.errors = errors;
  return page;
}

export async function screenshot(page, name) {
  fs.mkdirSync(screenshots, { recursive: true });
  await page.screenshot({ path: path.join(screenshots, `${name}.png`) });
}

// axe-core on the page as it is now: the violations of impact serious or critical (WCAG 2 A/AA).
export async function seriousViolations(page) {
  await page.evaluate(axe.source); // through the debugger protocol: the page's CSP does not apply
  const result = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21aa"] } }),
  );
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.impact}: ${v.id} (${v.help}) at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

// The terminal's login: badge typed, PIN on the keypad.
export async function terminalLogin(page, url, badge, { site = "HQ", pin = DEMO_PIN } = {}) {
  await page.goto(`${url}/terminal?site=${site}`);
  await page.fill("#badge", badge);
  for (const d of pin) await page.click(`.pinpad button[aria-label="${d}"]`);
  await page.click('.pinpad button[aria-label="OK"]');
}

// Direct API calls for setting the scene (as a test, not as the page under test).
export async function apiLogin(url, badge, pin = DEMO_PIN, site = "HQ") {
  const res = await fetch(`${url}/api/v1/terminal/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ badge, pin, site }),
  });
  if (!res.ok) throw new Error(`login ${badge}: ${res.status} ${await res.text()}`);
  return (await res.json()).token;
}

function simControl(port, request) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    let answer = "";
    socket.on("data", (d) => {
      answer += d;
      const end = answer.indexOf("\n");
      if (end >= 0) {
        socket.end();
        const reply = JSON.parse(answer.slice(0, end));
        if (reply.ok) resolve(reply);
        else reject(new Error(`simulator: ${reply.error} (${JSON.stringify(request)})`));
      }
    });
    socket.on("error", reject);
    socket.write(JSON.stringify(request) + "\n");
  });
}

// One server and one browser for a whole test file, started before its first test and stopped
// after its last: `const env = useServerAndBrowser();` then `env.server`, `env.browser`.
export function useServerAndBrowser(options = {}) {
  const env = { server: null, browser: null };
  before(async () => {
    env.server = await startServer(options);
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.stop();
  });
  return env;
}
