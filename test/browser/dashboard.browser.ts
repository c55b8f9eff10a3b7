// The dashboard in real headless Chromium (Debian's chromium driven by playwright-core), against a
// real gateway whose codex lane runs the pinned Codex CLI on the fake ChatGPT backend and hits a
// usage limit, next to an API-key lane on the fake OpenAI API. Traffic comes from the official
// openai client. Screenshots go to test-artifacts/dashboard/.

import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import OpenAI from "openai";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { startFakeChatGPT, type FakeChatGPT } from "../fakes/chatgpt";
import { makeHome, type TestHome } from "../fakes/codex-run";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai";
import { main } from "../../gateway/cli";
import { codexLane, openaiLane, startTestGateway, tempDir, type TestGateway } from "../helpers/gateway";
import { Readable, Writable } from "node:stream";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const ARTIFACTS = path.join(__dirname, "..", "..", "test-artifacts", "dashboard");
const STEP_MS = 15_000;

describe("dashboard in Chromium", { timeout: 180_000 }, () => {
  let chatgpt: FakeChatGPT;
  let openai: FakeOpenAI;
  let gw: TestGateway;
  let client: OpenAI;
  let home: TestHome;
  const cleanups: (() => unknown)[] = [];
  /** The request that failed over from the spent codex lane to the API-key lane. */
  let failoverId = "";
  let resetsAt = 0;

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    chatgpt = await startFakeChatGPT();
    openai = await startFakeOpenAI();
    home = makeHome("dash-plus-a-");
    chatgpt.addAccount({ accountId: "acct-plus-a", email: "plus-a@example.com", plan: "plus" });
    chatgpt.writeAuth(home.dir, "acct-plus-a");
    gw = await startTestGateway(
      { after: (f: () => unknown) => cleanups.push(f) },
      {
        lanes: [
          codexLane("plus-a", { home: home.dir, engine: "app-server", concurrency: 2, config: chatgpt.codexConfig(), env: chatgpt.codexEnv(), models: null, planPriceUsd: 20 }),
          openaiLane("api", openai.baseUrl, "sk-browser-test-0123456789abcdef"),
        ],
      },
    );
    client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });

    const ask = async (content: string) => {
      const r = await client.chat.completions.create({ model: "gpt-5.5", messages: [{ role: "user", content }] }).withResponse();
      return { lane: r.response.headers.get("x-codex-lanes-lane"), id: r.response.headers.get("x-request-id")! };
    };
    assert.equal((await ask("served by the plan")).lane, "plus-a");
    // The plan's window runs out: a real usage limit from the backend, through the real Codex CLI.
    resetsAt = Math.floor(Date.now() / 1000) + 3600;
    chatgpt.setScenario("acct-plus-a", { name: "usage_limit", resetsAt });
    const spent = await ask("the plan is spent");
    assert.equal(spent.lane, "api");
    failoverId = spent.id;
    assert.equal((await ask("straight to the api")).lane, "api");
    assert.equal(gw.server.dispatcher.laneViewsNow()[0]!.state, "cooling");
  });

  after(async () => {
    for (const f of cleanups.reverse()) await f();
    await openai?.close();
    await chatgpt?.close();
    home?.cleanup();
  });

  async function browser(opts: { javaScriptEnabled?: boolean; viewport?: { width: number; height: number } } = {}): Promise<{ ctx: BrowserContext; page: Page; problems: string[] }> {
    const dir = mkdtempSync(path.join(os.tmpdir(), "codex-lanes-chromium-"));
    const ctx = await chromium.launchPersistentContext(dir, { executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 60_000, ...opts });
    cleanups.push(async () => {
      await ctx.close().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    });
    ctx.setDefaultTimeout(STEP_MS);
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    // Console errors include CSP violations: the page's own script and styles must all be allowed.
    const problems: string[] = [];
    page.on("console", (m) => {
      // The sign-in form comes with status 401 (no session), which Chromium reports as a failed load.
      if (m.type() === "error" && !/status of 401/.test(m.text())) problems.push(m.text());
    });
    page.on("pageerror", (e) => problems.push(e.message));
    return { ctx, page, problems };
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });

  test("sign in, see the cooling lane count down, filter the log, open a row's attempts, refresh live, sign out", async () => {
    const { page, problems } = await browser({ viewport: { width: 1280, height: 900 } });

    // Without the admin key: nothing but the sign-in form.
    await page.goto(`${gw.url}/dashboard`);
    await page.waitForSelector("form#signin");
    const before = await page.content();
    for (const hidden of ["plus-a", "Request log", "data-lane", "gpt-5.5"]) assert.ok(!before.includes(hidden), `sign-in page shows ${hidden}`);
    await page.fill("input[name=key]", gw.key);
    await Promise.all([page.waitForLoadState("load"), page.click("button[type=submit]")]);
    assert.match(await page.textContent("p.err") ?? "", /does not open the dashboard/);
    assert.ok(!(await page.content()).includes("plus-a"), "a client key shows nothing either");
    await shot(page, "01-signin-refused");

    await page.fill("input[name=key]", gw.adminKey);
    await Promise.all([page.waitForURL(`${gw.url}/dashboard`), page.click("button[type=submit]")]);
    const lane = page.locator('article[data-lane="plus-a"]');
    assert.equal(await lane.getAttribute("data-state"), "cooling");
    assert.match(await lane.locator("p.until").innerText(), /^Cooling until \d{4}-\d\d-\d\d \d\d:\d\d UTC \(in (5\dm \d\ds|1h 0[01]m)\)$/);
    const countdown = lane.locator("p.until time[data-until]");
    // The page's script rewrites every countdown each second: scribble on it and watch it come back.
    await countdown.evaluate((el) => (el.textContent = "scribbled"));
    await page.waitForFunction(() => document.querySelector('article[data-lane="plus-a"] p.until time')?.textContent !== "scribbled", undefined, { timeout: 5_000 });
    assert.match(await countdown.innerText(), /^in (5\dm \d\ds|1h 0[01]m)$/, "the countdown ticks");
    assert.match(await lane.innerText(), /Primary \(5 h\)/);
    assert.equal(await page.locator('article[data-lane="api"]').getAttribute("data-state"), "ready");
    assert.match(await page.locator("#ledger").innerText(), /plus-a\s+subscription/);
    await shot(page, "02-dashboard");

    // Filter the log by lane (a plain GET form).
    await page.selectOption('#log-filters select[name="lane"]', "api");
    await Promise.all([page.waitForURL(/lane=api/), page.click('#log-filters button[type="submit"]')]);
    const lanes = await page.locator("#live-log details.req summary .lane").allInnerTexts();
    assert.ok(lanes.length >= 2, `rows: ${lanes.join(", ")}`);
    assert.ok(lanes.every((l) => l === "api"), `only api rows: ${lanes.join(", ")}`);
    await shot(page, "03-log-filtered");

    // Open the failover row: its attempts say why it left the codex lane.
    const row = page.locator(`details[data-id="${failoverId}"]`);
    await row.locator("summary").click();
    assert.equal(await row.getAttribute("open"), "");
    const attempts = await row.locator("table.attempts tbody tr").allInnerTexts();
    assert.match(attempts[0]!, /^1\s+plus-a\s+usage_limit\s+usage_limit_reached/);
    assert.match(attempts.at(-1)!, /api\s+ok/);
    await shot(page, "04-row-attempts");

    // Live refresh: a new request shows up without a reload, and the open row stays open.
    const fresh = await client.chat.completions.create({ model: "gpt-5.5", messages: [{ role: "user", content: "arrives while watching" }] }).withResponse();
    const freshId = fresh.response.headers.get("x-request-id")!;
    await page.waitForSelector(`details[data-id="${freshId}"]`, { timeout: 15_000 });
    assert.equal(await row.getAttribute("open"), "", "the open row is still open after the refresh");
    assert.match((await page.textContent("#live-status")) ?? "", /^live, updated \d\d:\d\d:\d\d UTC$/);

    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `no sideways scrolling on a phone (${overflow}px too wide)`);
    await shot(page, "05-phone");
    await page.setViewportSize({ width: 1280, height: 900 });

    // Sign out: the sign-in form again, and the session is gone for good.
    await Promise.all([page.waitForLoadState("load"), page.click("header button:has-text('Sign out')")]);
    await page.waitForSelector("form#signin");
    await page.goto(`${gw.url}/dashboard`);
    await page.waitForSelector("form#signin");
    assert.ok(!(await page.content()).includes("plus-a"));
    await shot(page, "06-signed-out");
    assert.deepEqual(problems, [], "no console errors (CSP included)");
  });

  /** `codex-lanes calc --monthly-api-spend <spend> --json` run as a user would, without a config file. */
  async function cliEstimate(spend: string): Promise<{ verdict: string; best: { monthlyCostUsd: number } }> {
    const dir = tempDir("codex-lanes-browser-calc-");
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    let out = "";
    const io = {
      out: new Writable({ write: (c, _e, cb) => ((out += String(c)), cb()) }),
      err: new Writable({ write: (_c, _e, cb) => cb() }),
      stdin: Readable.from([]),
      env: { HOME: dir },
      cwd: dir,
      signal: new AbortController().signal,
    };
    assert.equal(await main(["calc", "--monthly-api-spend", spend, "--json"], io), 0);
    return JSON.parse(out) as { verdict: string; best: { monthlyCostUsd: number } };
  }

  test("the calculator gives the product's two worked examples, as the CLI does; the ledger shows each account's plan", async () => {
    const { page, problems } = await browser({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${gw.url}/dashboard`);
    await page.fill("input[name=key]", gw.adminKey);
    await Promise.all([page.waitForURL(`${gw.url}/dashboard`), page.click("button[type=submit]")]);

    // The account's own plan, its capacity estimate next to this month's traffic, and its price.
    const plusA = page.locator('#ledger tr[data-lane="plus-a"]');
    assert.match(await plusA.innerText(), /^plus-a\s+subscription\s+ChatGPT Plus reported by the account \(plus\)\s+\$[\d.]+\s+about \$700\s+\$20\.00 \(lane\)/);

    // $3,500 a month: one Pro 5x for $100.
    await page.fill("#calc-form input[name=spend]", "3500");
    await Promise.all([page.waitForURL(/spend=3500/), page.click("#calc-form button[type=submit]")]);
    const three = await cliEstimate("3500");
    assert.equal(await page.locator("#calc-best").getAttribute("data-cover"), "pro-5x:1");
    assert.match(await page.locator("#calc-best").innerText(), /^1 × ChatGPT Pro 5x: \$100 a month, covering about \$3,500\. one account: the simplest to run/);
    assert.equal(await page.locator("#calc-covers li").count(), 1);
    assert.equal(await page.locator("#calc-verdict strong").innerText(), three.verdict, "the page says what the CLI says");
    await shot(page, "08-calc-3500");

    // $7,000 a month: one Pro 20x or two Pro 5x, both $200, and what each buys.
    await page.fill("#calc-form input[name=spend]", "$7,000");
    await Promise.all([page.waitForURL(/spend=%247%2C000|spend=\$7,000/), page.click("#calc-form button[type=submit]")]);
    const seven = await cliEstimate("7000");
    assert.equal(seven.best.monthlyCostUsd, 200);
    assert.deepEqual(await page.locator("#calc-covers li").evaluateAll((els) => els.map((e) => e.getAttribute("data-cover"))), ["pro-20x:1", "pro-5x:2"]);
    assert.match(await page.locator("#calc-best").innerText(), /^1 × ChatGPT Pro 20x: \$200 a month, covering about \$14,000\. one account: the simplest to run.*room for about \$14,000 a month\.$/);
    assert.match(await page.locator("#calc-alt-0").innerText(), /^2 × ChatGPT Pro 5x: \$200 a month, covering about \$7,000\. 2 independent windows: when a burst spends one, the other keeps serving\.$/);
    assert.equal(await page.locator("#calc-verdict strong").innerText(), seven.verdict);
    await shot(page, "09-calc-7000");

    // The plan table with OpenAI's message ranges, on a phone too.
    await page.click("#calc details summary");
    assert.match(await page.locator('#calc tr[data-plan="pro-20x"]').innerText(), /^ChatGPT Pro 20x\s+pro-20x\s+\$200\s+\$14,000\s+300-1,600$/);
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `no sideways scrolling on a phone (${overflow}px too wide)`);
    await shot(page, "10-calc-phone");
    assert.deepEqual(problems, [], "no console errors (CSP included)");
  });

  test("with JavaScript off: countdowns as text, filters and attempts still work", async () => {
    const { page } = await browser({ javaScriptEnabled: false, viewport: { width: 1024, height: 800 } });
    await page.goto(`${gw.url}/dashboard`);
    await page.fill("input[name=key]", gw.adminKey);
    await Promise.all([page.waitForURL(`${gw.url}/dashboard`), page.click("button[type=submit]")]);
    const countdown = page.locator('article[data-lane="plus-a"] p.until time');
    assert.match(await countdown.innerText(), /^in (5\dm \d\ds|1h 0[01]m)$/);
    // The reset the backend announced (Codex may round it up to the end of its minute).
    const until = Date.parse((await countdown.getAttribute("data-until"))!);
    assert.ok(until >= resetsAt * 1000 && until <= resetsAt * 1000 + 60_000, `until ${new Date(until).toISOString()}`);
    assert.match((await page.textContent("#live-status")) ?? "", /reload for new data/);
    await page.selectOption('#log-filters select[name="status"]', "ok");
    await page.selectOption('#log-filters select[name="lane"]', "plus-a");
    await Promise.all([page.waitForURL(/status=ok/), page.click('#log-filters button[type="submit"]')]);
    const rows = page.locator("#live-log details.req");
    assert.equal(await rows.count(), 1);
    await rows.first().locator("summary").click();
    assert.match(await rows.first().locator("table.attempts").innerText(), /plus-a\s+ok/);
    await shot(page, "07-no-javascript");
  });
});
