// The GitHub Action end to end, run the way a runner runs it: the committed bundle
// `node action/dist/index.js` with INPUT_* variables and GITHUB_OUTPUT / GITHUB_STEP_SUMMARY /
// GITHUB_STATE files, then the post step with STATE_* variables. Against real parts: the real
// codex-lanes gateway (gateway/server.ts) on 127.0.0.1 whose codex lane runs the real pinned
// Codex against the fake ChatGPT backend, and the real pinned Codex for the direct lanes
// (node_modules/.bin first on PATH, so the action finds 0.169.0 and installs nothing).

import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Config } from "../gateway/config/types";
import { formatUtc } from "../gateway/lanes";
import type { Logger } from "../gateway/log";
import { startServer, type RunningServer } from "../gateway/server";
import { startFakeChatGPT, type FakeChatGPT } from "./fakes/chatgpt";
import { makeHome, type TestHome } from "./fakes/codex-run";

const ROOT = path.resolve(__dirname, "..");
const MAIN = path.join(ROOT, "action", "dist", "index.js");
// One entry point for both steps: the state the main step saved marks the post step.
const POST = MAIN;
const STEP_TIMEOUT_MS = 90_000;

// ---------------------------------------------------------------------------------------------
// Running the bundle as a runner does

interface StepResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  state: Record<string, string>;
}

interface Step {
  child: ChildProcess;
  result: Promise<StepResult>;
  files: { output: string; summary: string; state: string };
}

/** The test process's environment without anything a runner or Codex would read from it. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || /^(INPUT_|STATE_|GITHUB_|RUNNER_|CODEX_|OPENAI_)/i.test(k)) continue;
    env[k] = v;
  }
  env.PATH = `${path.join(ROOT, "node_modules", ".bin")}${path.delimiter}${process.env.PATH ?? ""}`;
  return env;
}

/** Parses GITHUB_OUTPUT / GITHUB_STATE: `name<<delimiter\nvalue\ndelimiter` blocks. */
function parseFileCommands(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<]+)<<(.+)$/.exec(lines[i]!);
    if (!m) continue;
    const end = lines.indexOf(m[2]!, i + 1);
    out[m[1]!] = lines.slice(i + 1, end).join("\n");
    i = end;
  }
  return out;
}

class Runner {
  readonly dir: TestHome;
  readonly temp: string;
  readonly workspace: string;

  constructor() {
    // Under the user's home, not /tmp: Codex warns about helper binaries under temporary dirs.
    this.dir = makeHome("action-runner-");
    this.temp = path.join(this.dir.dir, "runner-temp");
    this.workspace = path.join(this.dir.dir, "workspace");
    for (const d of [this.temp, this.workspace]) mkdirSync(d, { recursive: true });
  }

  start(script: string, inputs: Record<string, string>, extraEnv: Record<string, string> = {}, detached = false): Step {
    const n = readdirSync(this.dir.dir).length;
    const files = {
      output: path.join(this.dir.dir, `output-${n}`),
      summary: path.join(this.dir.dir, `summary-${n}`),
      state: path.join(this.dir.dir, `state-${n}`),
    };
    for (const f of Object.values(files)) writeFileSync(f, "");
    const env: Record<string, string> = {
      ...baseEnv(),
      GITHUB_OUTPUT: files.output,
      GITHUB_STEP_SUMMARY: files.summary,
      GITHUB_STATE: files.state,
      GITHUB_WORKSPACE: this.workspace,
      RUNNER_TEMP: this.temp,
      ...extraEnv,
    };
    for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = v;
    const child = spawn(process.execPath, [script], { cwd: this.workspace, env, stdio: ["ignore", "pipe", "pipe"], detached });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    const timer = setTimeout(() => killGroup(child), STEP_TIMEOUT_MS);
    const result = new Promise<StepResult>((resolve, reject) => {
      child.on("error", reject);
      child.on("close", (code, signal) => {
        clearTimeout(timer);
        resolve({
          code, signal, stdout, stderr,
          outputs: parseFileCommands(readFileSync(files.output, "utf8")),
          summary: readFileSync(files.summary, "utf8"),
          state: parseFileCommands(readFileSync(files.state, "utf8")),
        });
      });
    });
    return { child, result, files };
  }

  main(inputs: Record<string, string>, extraEnv: Record<string, string> = {}): Promise<StepResult> {
    return this.start(MAIN, inputs, extraEnv).result;
  }

  /** The post step, with the main step's saved state as STATE_* variables (as the runner passes it). */
  post(state: Record<string, string>): Promise<StepResult> {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(state)) env[`STATE_${k}`] = v;
    return this.start(POST, {}, env).result;
  }

  /** Directories the action created under RUNNER_TEMP. */
  leftovers(): string[] {
    return readdirSync(this.temp).filter((n) => n.startsWith("codex-lanes-"));
  }

  cleanup(): void {
    this.dir.cleanup();
  }
}

/**
 * Waits (bounded: 30 s) until a running main step has saved its run directory and Codex has reached
 * the fake for `accountId`; returns the run directory ("" if it never did).
 */
async function runningOn(step: Step, fake: FakeChatGPT, accountId: string): Promise<string> {
  let runDir = "";
  for (let i = 0; i < 300 && !(runDir && fake.requestsFor(accountId).length > 0); i++) {
    runDir = parseFileCommands(readFileSync(step.files.state, "utf8"))["run-dir"] ?? "";
    await new Promise((r) => setTimeout(r, 100));
  }
  return runDir;
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    // Our own step's process group: the action and the Codex it started.
    process.kill(-child.pid, "SIGKILL");
  } catch {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
}

function attemptsOf(r: StepResult): Array<{ lane: string; outcome: string; code: string | null; ms: number }> {
  return JSON.parse(r.outputs.attempts ?? "[]");
}

function errorLines(r: StepResult): string[] {
  return r.stdout.split("\n").filter((l) => l.startsWith("::error::"));
}

/**
 * Each secret is registered with `::add-mask::`, no stdout line other than a mask shows it (so none
 * shows it before its mask), and it is absent from stderr, the outputs and the summary.
 * Messages name the secret by label only, so a failure never prints one.
 */
function assertSecretsSafe(r: StepResult, secrets: Record<string, string>): void {
  const lines = r.stdout.split("\n");
  for (const [label, value] of Object.entries(secrets)) {
    const maskAt = lines.indexOf(`::add-mask::${value}`);
    assert.ok(maskAt >= 0, `${label} was not registered with ::add-mask::`);
    // No line but a mask shows it, so none shows it before its mask either.
    const shown = lines.filter((l) => l.includes(value) && !l.startsWith("::add-mask::")).length;
    assert.equal(shown, 0, `${label} appears in ${shown} stdout line(s) other than its mask`);
    assert.ok(!r.stderr.includes(value), `${label} appears on stderr`);
    assert.ok(!JSON.stringify(r.outputs).includes(value), `${label} appears in the step outputs`);
    assert.ok(!r.summary.includes(value), `${label} appears in the job summary`);
  }
}

/** The token values of an auth.json, labelled, for assertSecretsSafe. */
function tokenSecrets(label: string, authJson: string): Record<string, string> {
  const t = (JSON.parse(authJson) as { tokens: Record<string, string> }).tokens;
  return {
    [`${label} id_token`]: t.id_token!,
    [`${label} access_token`]: t.access_token!,
    [`${label} refresh_token`]: t.refresh_token!,
    [`${label} account_id`]: t.account_id!,
  };
}

// ---------------------------------------------------------------------------------------------
// Real parts: the fake ChatGPT backend, ChatGPT sign-ins, and the real gateway

const quietLog: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quietLog };

interface Gateway {
  url: string;
  key: string;
  server: RunningServer;
  close(): Promise<void>;
}

/** The real codex-lanes gateway with one codex lane ("plus-gw") signed in to `accountId` on the fake. */
async function startGateway(fake: FakeChatGPT, accountId: string): Promise<Gateway> {
  const home = makeHome("action-gw-home-");
  const data = makeHome("action-gw-data-");
  fake.writeAuth(home.dir, accountId);
  const config: Config = {
    source: "test", listen: { host: "127.0.0.1", port: 0 }, dataDir: data.dir,
    lanes: [{
      name: "plus-gw", type: "codex", home: home.dir, worker: null, engine: "app-server", concurrency: 2, maxUsedPercent: null,
      config: fake.codexConfig(), env: fake.codexEnv(), models: null, planPriceUsd: null,
    }],
    limits: { maxBodyBytes: 1_000_000, maxUploadBytes: 1_000_000, turnTimeoutMs: 30_000 },
    queue: { maxWaiting: 10, maxWaitMs: 10_000 },
    policy: { defaultCooldownMs: 900_000, maxRetries: 1, circuitThreshold: 3, circuitOpenMs: 30_000 },
    rateLimitPollMs: 0, log: { bodies: false, retentionDays: 30 }, prices: {}, adminKey: null, masterKey: null,
  };
  const server = await startServer(config, { out: { write() {} }, log: quietLog });
  const key = server.store.keys.create("ci").key;
  return {
    url: server.url, key, server,
    close: async () => {
      await server.close();
      home.cleanup();
      data.cleanup();
    },
  };
}

/** An auth.json for `accountId`, as the user would paste it into a secret. */
function authJsonFor(fake: FakeChatGPT, accountId: string): string {
  const home = makeHome("action-auth-");
  try {
    fake.writeAuth(home.dir, accountId);
    return readFileSync(path.join(home.dir, "auth.json"), "utf8");
  } finally {
    home.cleanup();
  }
}

/** The fake's overrides as `codex-args` (a JSON array), as a workflow would pass them. */
function fakeCodexArgs(fake: FakeChatGPT): string {
  return JSON.stringify(Object.entries(fake.codexConfig()).flatMap(([k, v]) => ["-c", `${k}=${JSON.stringify(v)}`]));
}

/** A 127.0.0.1 port nothing listens on. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** The reset an exec usage-limit message names, as gateway/lanes reads it: the end of that minute. */
function execReset(resetsAtSec: number): number {
  return Math.floor(resetsAtSec / 60) * 60_000 + 60_000;
}

// ---------------------------------------------------------------------------------------------

describe("GitHub Action (bundled action/dist/index.js)", () => {
  let fake: FakeChatGPT;
  let runner: Runner;

  before(async () => {
    assert.ok(existsSync(MAIN) && existsSync(POST), "action/dist is missing: run `npm run build:action`");
    fake = await startFakeChatGPT();
    runner = new Runner();
  });
  after(async () => {
    await fake?.close();
    runner?.cleanup();
  });

  test("gateway lane: streams the answer through the real gateway and reports lane, attempts, usage and summary", async (t) => {
    fake.addAccount({ accountId: "acct-gw-ok-5d1e", plan: "plus" });
    const gw = await startGateway(fake, "acct-gw-ok-5d1e");
    t.after(() => gw.close());
    const r = await runner.main({
      prompt: "review this pull request",
      "gateway-url": gw.url,
      "gateway-key": gw.key,
      effort: "low",
      "output-file": "out/answer.md",
    });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.outputs["final-message"], "echo: review this pull request");
    assert.equal(r.outputs.lane, "gateway");
    assert.deepEqual(attemptsOf(r).map((a) => [a.lane, a.outcome, a.code]), [["gateway", "ok", null]]);
    assert.deepEqual(JSON.parse(r.outputs.usage!), { input_tokens: 120, cached_input_tokens: 40, output_tokens: 12, reasoning_tokens: 4 });
    assert.equal(r.outputs["codex-version"], undefined, "no Codex ran on the runner");
    // The streamed text reaches the job log as it arrives.
    assert.ok(r.stdout.split("\n").includes("echo: review this pull request"), r.stdout);
    assert.equal(readFileSync(path.join(runner.workspace, "out", "answer.md"), "utf8"), "echo: review this pull request");
    assert.match(r.summary, /served by <code>gateway<\/code> \(gateway lane <code>plus-gw<\/code>\)/);
    assert.match(r.summary, /input 120 \(cached 40\), output 12 \(reasoning 4\)/);
    assert.match(r.summary, /echo: review this pull request/);
    // What the gateway sent upstream: the model the action asked for, with the effort.
    const sent = fake.requestsFor("acct-gw-ok-5d1e").at(-1)!.body as { model?: string; reasoning?: { effort?: string } };
    assert.equal(sent.model, "gpt-5.5");
    assert.equal(sent.reasoning?.effort, "low");
    assert.deepEqual(runner.leftovers(), [], "a gateway-only run makes no temp CODEX_HOME");
    assertSecretsSafe(r, { "gateway key": gw.key });
  });

  test("gateway lane: output-schema becomes response_format, and the answer follows the schema", async (t) => {
    fake.addAccount({ accountId: "acct-gw-schema-2b7c", plan: "plus" });
    const gw = await startGateway(fake, "acct-gw-schema-2b7c");
    t.after(() => gw.close());
    const schema = { type: "object", properties: { verdict: { type: "string" }, issues: { type: "number" } }, required: ["verdict", "issues"], additionalProperties: false };
    const r = await runner.main({ prompt: "judge", "gateway-url": gw.url, "gateway-key": gw.key, "output-schema": JSON.stringify(schema) });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const answer = JSON.parse(r.outputs["final-message"]!) as Record<string, unknown>;
    assert.equal(typeof answer.verdict, "string");
    assert.equal(typeof answer.issues, "number");
  });

  test("gateway lane: a 400 from the gateway fails the step with the gateway's message and tries no other lane", async (t) => {
    fake.addAccount({ accountId: "acct-gw-400-9a3f", plan: "plus" });
    fake.addAccount({ accountId: "acct-direct-400-1c2d", plan: "plus" });
    const gw = await startGateway(fake, "acct-gw-400-9a3f");
    t.after(() => gw.close());
    fake.setScenario("acct-gw-400-9a3f", "context_length_exceeded");
    const r = await runner.main({
      prompt: "a very long task",
      "gateway-url": gw.url,
      "gateway-key": gw.key,
      "codex-auth-json": authJsonFor(fake, "acct-direct-400-1c2d"),
      "codex-args": fakeCodexArgs(fake),
    }, fake.codexEnv());
    assert.equal(r.code, 1);
    const [err] = errorLines(r);
    assert.match(err ?? "", /The gateway lane refused the request \(HTTP 400\): Codex ran out of room in the model's context window/);
    assert.deepEqual(attemptsOf(r).map((a) => [a.lane, a.outcome, a.code]), [["gateway", "client_error", "context_window_exceeded"]]);
    assert.equal(fake.requestsFor("acct-direct-400-1c2d").length, 0, "the chatgpt lane must not run after a client error");
    assert.equal(r.outputs["final-message"], undefined);
    assert.match(r.summary, /Codex lanes: failed/);
  });

  test("direct chatgpt lane: the real Codex CLI runs in the working directory with the auth.json given", async () => {
    fake.addAccount({ accountId: "acct-direct-ok-77e1", plan: "pro" });
    const auth = authJsonFor(fake, "acct-direct-ok-77e1");
    const r = await runner.main({
      prompt: "fix the failing test",
      "codex-auth-json": auth,
      "codex-args": fakeCodexArgs(fake),
      sandbox: "read-only",
    }, fake.codexEnv());
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.outputs["final-message"], "echo: fix the failing test");
    assert.equal(r.outputs.lane, "chatgpt-1");
    assert.equal(r.outputs["codex-version"], "0.169.0");
    assert.deepEqual(JSON.parse(r.outputs.usage!), { input_tokens: 120, cached_input_tokens: 40, output_tokens: 12, reasoning_tokens: 4 });
    assert.doesNotMatch(r.stdout, /Installing @openai\/codex/, "the pinned codex on PATH is used");
    assert.match(r.stdout, /Using codex 0\.169\.0 from PATH/);
    // Codex's progress (its agent message) reaches the log.
    assert.ok(r.stdout.split("\n").includes("echo: fix the failing test"));
    const req = fake.requestsFor("acct-direct-ok-77e1").at(-1)!;
    assert.equal(req.headers["chatgpt-account-id"], "acct-direct-ok-77e1");
    assert.equal(req.headers.originator, "codex_github_action");
    assert.match(r.summary, /served by <code>chatgpt-1<\/code>/);
    assert.match(r.summary, /Codex CLI 0\.169\.0/);
    assert.deepEqual(runner.leftovers(), [], "the main step removes the temp CODEX_HOME when it is done");
    assertSecretsSafe(r, tokenSecrets("account", auth));
  });

  test("direct chatgpt lane: an expired access token is refreshed by Codex, and the step warns the secret is now spent", async () => {
    fake.addAccount({ accountId: "acct-direct-refresh-5a0b", plan: "plus" });
    const home = makeHome("action-auth-");
    let auth: string;
    try {
      fake.writeAuth(home.dir, "acct-direct-refresh-5a0b", { accessTokenExpired: true });
      auth = readFileSync(path.join(home.dir, "auth.json"), "utf8");
    } finally {
      home.cleanup();
    }
    const refreshesBefore = fake.oauthLog.length;
    const r = await runner.main({ prompt: "refresh me", "codex-auth-json": auth, "codex-args": fakeCodexArgs(fake) }, fake.codexEnv());
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.outputs["final-message"], "echo: refresh me");
    assert.ok(fake.oauthLog.length > refreshesBefore, "Codex refreshed the token");
    const warning = r.stdout.split("\n").find((l) => l.startsWith("::warning::"));
    assert.match(warning ?? "", /Codex refreshed the ChatGPT sign-in of chatgpt-1 during this run, so the refresh token of account 1 in codex-auth-json is now used up/);
    assert.match(r.summary, /Warning:<\/strong> Codex refreshed the ChatGPT sign-in of chatgpt-1/);
    assertSecretsSafe(r, tokenSecrets("account", auth));
  });

  test("fallback: gateway 429 all_lanes_exhausted -> chatgpt-1 usage limit -> chatgpt-2 serves", async (t) => {
    for (const id of ["acct-fb-gw-0e4a", "acct-fb-a-3c9d", "acct-fb-b-6f12"]) fake.addAccount({ accountId: id, plan: "plus" });
    const gw = await startGateway(fake, "acct-fb-gw-0e4a");
    t.after(() => gw.close());
    const resetA = Math.floor(Date.now() / 1000) + 2 * 3600;
    fake.setScenario("acct-fb-gw-0e4a", { name: "usage_limit", resetsAt: Math.floor(Date.now() / 1000) + 3600 });
    fake.setScenario("acct-fb-a-3c9d", { name: "usage_limit", resetsAt: resetA });
    const authA = authJsonFor(fake, "acct-fb-a-3c9d");
    const authB = authJsonFor(fake, "acct-fb-b-6f12");
    const r = await runner.main({
      prompt: "summarize the diff",
      "gateway-url": gw.url,
      "gateway-key": gw.key,
      // Two accounts, pasted one after the other as a secret may hold them.
      "codex-auth-json": `${authA}\n\n${authB}`,
      "codex-args": fakeCodexArgs(fake),
      "openai-api-key": "sk-test-fallback-never-used-4d2a9c",
    }, fake.codexEnv());
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.outputs.lane, "chatgpt-2");
    assert.equal(r.outputs["final-message"], "echo: summarize the diff");
    assert.deepEqual(attemptsOf(r).map((a) => [a.lane, a.outcome, a.code]), [
      ["gateway", "usage_limit", "all_lanes_exhausted"],
      ["chatgpt-1", "usage_limit", "usage_limit_reached"],
      ["chatgpt-2", "ok", null],
    ]);
    assert.equal(fake.requestsFor("acct-fb-a-3c9d").length, 1);
    assert.equal(fake.requestsFor("acct-fb-b-6f12").length, 1);
    assert.equal(fake.requests.filter((q) => q.accountId === "unknown").length, 0, "the api-key lane is not reached");
    // The summary says why each attempt moved on, with the reset Codex reported.
    assert.match(r.summary, /served by <code>chatgpt-2<\/code>/);
    assert.match(r.summary, /<code>gateway<\/code><\/td><td>usage_limit<\/td><td>all_lanes_exhausted<\/td>/);
    assert.ok(r.summary.includes(`usage limit (usage_limit_reached); resets ${formatUtc(execReset(resetA))}`), r.summary);
    assertSecretsSafe(r, {
      "gateway key": gw.key,
      "api key": "sk-test-fallback-never-used-4d2a9c",
      ...tokenSecrets("account A", authA),
      ...tokenSecrets("account B", authB),
    });
  });

  test("fallback: gateway unreachable -> chatgpt-1 usage limit -> api-key lane serves", async () => {
    fake.addAccount({ accountId: "acct-fb2-a-8b3e", plan: "plus" });
    fake.setScenario("acct-fb2-a-8b3e", "usage_limit");
    const auth = authJsonFor(fake, "acct-fb2-a-8b3e");
    const apiKey = "sk-test-apikey-lane-9f8e7d6c5b";
    const before = fake.requests.length;
    const r = await runner.main({
      prompt: "write release notes",
      "gateway-url": `http://127.0.0.1:${await closedPort()}`,
      "gateway-key": "gwkey-test-unreachable-31a7c0",
      "codex-auth-json": auth,
      "openai-api-key": apiKey,
      "codex-args": fakeCodexArgs(fake),
    }, fake.codexEnv());
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.outputs.lane, "api-key");
    assert.equal(r.outputs["final-message"], "echo: write release notes");
    assert.deepEqual(attemptsOf(r).map((a) => [a.lane, a.outcome, a.code]), [
      ["gateway", "transient", "unreachable"],
      ["gateway", "transient", "unreachable"], // one retry of a transient failure, then the next lane
      ["chatgpt-1", "usage_limit", "usage_limit_reached"],
      ["api-key", "ok", null],
    ]);
    // The API-key lane's request carried the key and no ChatGPT account: Codex ran in API-key mode.
    const apiReq = fake.requests.slice(before).find((q) => q.accountId === "unknown");
    assert.ok(apiReq, "the api-key lane reached the backend");
    assert.ok(apiReq.headers.authorization === `Bearer ${apiKey}`, "the api-key lane sent the key as a bearer token");
    assert.equal(apiReq.headers["chatgpt-account-id"], undefined);
    assertSecretsSafe(r, { "api key": apiKey, "gateway key": "gwkey-test-unreachable-31a7c0", ...tokenSecrets("account", auth) });
  });

  test("every lane exhausted: the step fails and names the earliest reset", async (t) => {
    fake.addAccount({ accountId: "acct-ex-gw-4e5f", plan: "plus" });
    fake.addAccount({ accountId: "acct-ex-a-a1b2", plan: "plus" });
    const gw = await startGateway(fake, "acct-ex-gw-4e5f");
    t.after(() => gw.close());
    const now = Math.floor(Date.now() / 1000);
    fake.setScenario("acct-ex-gw-4e5f", { name: "usage_limit", resetsAt: now + 3 * 3600 });
    fake.setScenario("acct-ex-a-a1b2", { name: "usage_limit", resetsAt: now + 3600 });
    const r = await runner.main({
      prompt: "anything",
      "gateway-url": gw.url,
      "gateway-key": gw.key,
      "codex-auth-json": authJsonFor(fake, "acct-ex-a-a1b2"),
      "codex-args": fakeCodexArgs(fake),
    }, fake.codexEnv());
    assert.equal(r.code, 1);
    const [err] = errorLines(r);
    assert.match(err ?? "", /Every lane is out of its usage window or signed out\. Tried: gateway \(all_lanes_exhausted\), chatgpt-1 \(usage_limit_reached\)\./);
    assert.ok((err ?? "").includes(`The earliest usage window resets at ${formatUtc(execReset(now + 3600))}`), err);
    assert.equal(r.outputs.lane, "");
    assert.match(r.summary, /Codex lanes: failed/);
    assert.deepEqual(runner.leftovers(), []);
  });

  describe("bad inputs fail the step before anything runs", () => {
    const cases: Array<{ name: string; inputs: Record<string, string>; expect: RegExp }> = [
      { name: "no prompt", inputs: { "gateway-url": "http://127.0.0.1:1", "gateway-key": "gwkey-bad-input-000001" }, expect: /Input "prompt": no prompt given/ },
      { name: "prompt and prompt-file", inputs: { prompt: "x", "prompt-file": "p.md", "openai-api-key": "sk-test-bad-input-0001" }, expect: /Input "prompt-file": set either "prompt" or "prompt-file", not both/ },
      { name: "missing prompt-file", inputs: { "prompt-file": "nope.md", "openai-api-key": "sk-test-bad-input-0002" }, expect: /Input "prompt-file": cannot read "nope\.md" \(ENOENT\)/ },
      { name: "bad sandbox", inputs: { prompt: "x", sandbox: "yolo", "openai-api-key": "sk-test-bad-input-0003" }, expect: /Input "sandbox": "yolo" is not one of: read-only, workspace-write, danger-full-access/ },
      { name: "bad effort", inputs: { prompt: "x", effort: "max", "openai-api-key": "sk-test-bad-input-0004" }, expect: /Input "effort": "max" is not one of/ },
      { name: "bad codex-args", inputs: { prompt: "x", "codex-args": "--config 'unclosed", "openai-api-key": "sk-test-bad-input-0005" }, expect: /Input "codex-args": a single quote \(\'\) is never closed/ },
      { name: "bad output-schema", inputs: { prompt: "x", "output-schema": "{not json", "openai-api-key": "sk-test-bad-input-0006" }, expect: /Input "output-schema": is not valid JSON/ },
      { name: "bad timeout", inputs: { prompt: "x", "timeout-minutes": "soon", "openai-api-key": "sk-test-bad-input-0007" }, expect: /Input "timeout-minutes": "soon" is not a number of minutes/ },
      { name: "gateway-url without key", inputs: { prompt: "x", "gateway-url": "https://gw.example.com" }, expect: /Input "gateway-key": is empty while "gateway-url" is set/ },
      { name: "bad lanes", inputs: { prompt: "x", lanes: "gateway, chatgtp", "openai-api-key": "sk-test-bad-input-0008" }, expect: /Input "lanes": "chatgtp" is not a lane/ },
      { name: "unparsable auth.json", inputs: { prompt: "x", "codex-auth-json": "{\"tokens\": {\"refresh_token\": \"rt_secret_unparsable_5e6f7a8b\"" }, expect: /Input "codex-auth-json": the JSON value starting at character 1 is never closed/ },
      { name: "no lane configured", inputs: { prompt: "x" }, expect: /No lane is configured\. Give at least one: gateway-url and gateway-key/ },
    ];
    for (const c of cases) {
      test(c.name, async () => {
        const before = fake.requests.length;
        const r = await runner.main(c.inputs, fake.codexEnv());
        assert.equal(r.code, 1, r.stdout + r.stderr);
        const errors = errorLines(r);
        assert.equal(errors.length, 1, r.stdout);
        assert.match(errors[0]!, c.expect);
        assert.doesNotMatch(r.stdout, /Trying lane/, "no lane was started");
        assert.equal(fake.requests.length, before, "nothing reached a model");
        assert.deepEqual(Object.keys(r.state), ["is-post"], "no temp CODEX_HOME was made (only the post-step marker is saved)");
        assert.deepEqual(runner.leftovers(), []);
        assert.deepEqual(r.outputs, {});
        assert.match(r.summary, /Codex lanes: failed/);
        for (const [k, v] of Object.entries(c.inputs)) {
          if (/key|auth/.test(k)) assert.ok(r.stdout.split("\n").every((l) => !l.includes(v) || l.startsWith("::add-mask::")), `${k} leaked`);
        }
        if (c.inputs["codex-auth-json"]) {
          // Even unparsable credentials are masked, before anything else is printed.
          const lines = r.stdout.split("\n");
          assert.ok(lines[0]!.startsWith("::add-mask::"), "masking comes first");
          assert.ok(lines.every((l) => !l.includes("rt_secret_unparsable_5e6f7a8b") || l.startsWith("::add-mask::")), "the token leaked");
        }
      });
    }
  });

  test("direct lanes: a lane's CODEX_HOME is deleted once the walk moves on, before the next lane's Codex runs", async (t) => {
    fake.addAccount({ accountId: "acct-retire-a-7d1e", plan: "plus" });
    fake.addAccount({ accountId: "acct-retire-b-2c8f", plan: "plus" });
    fake.setScenario("acct-retire-a-7d1e", "usage_limit");
    fake.setScenario("acct-retire-b-2c8f", "hang");
    t.after(() => fake.setScenario("acct-retire-b-2c8f", "ok"));
    const authA = authJsonFor(fake, "acct-retire-a-7d1e");
    const step = runner.start(MAIN, {
      prompt: "which sign-ins can you read?",
      "codex-auth-json": `${authA}\n${authJsonFor(fake, "acct-retire-b-2c8f")}`,
      "codex-args": fakeCodexArgs(fake),
    }, fake.codexEnv(), true);
    t.after(() => killGroup(step.child));
    // The second lane's Codex has reached the backend.
    const runDir = await runningOn(step, fake, "acct-retire-b-2c8f");
    assert.equal(fake.requestsFor("acct-retire-a-7d1e").length, 1, "the first lane ran and hit its usage limit");
    assert.ok(fake.requestsFor("acct-retire-b-2c8f").length > 0, "the second lane's Codex is running");
    assert.ok(!existsSync(path.join(runDir, "chatgpt-1")), "the first account's CODEX_HOME is gone while the second lane runs");
    const left = readdirSync(runDir, { recursive: true }).map(String).filter((f) => f.endsWith("auth.json"));
    assert.deepEqual(left, [path.join("chatgpt-2", "auth.json")]);
    const tokenA = (JSON.parse(authA) as { tokens: { refresh_token: string } }).tokens.refresh_token;
    for (const f of left) assert.ok(!readFileSync(path.join(runDir, f), "utf8").includes(tokenA));
    step.child.kill("SIGTERM");
    const main = await step.result;
    const post = await runner.post(main.state);
    assert.equal(post.code, 0, post.stdout + post.stderr);
    assert.ok(!existsSync(runDir));
  });

  test("post step: a cancelled run leaves its CODEX_HOME (0700, auth.json 0600) to the post step, which removes it", async (t) => {
    fake.addAccount({ accountId: "acct-cancel-2f4b", plan: "plus" });
    fake.setScenario("acct-cancel-2f4b", "hang");
    t.after(() => fake.setScenario("acct-cancel-2f4b", "ok"));
    const step = runner.start(MAIN, {
      prompt: "this turn never ends",
      "codex-auth-json": authJsonFor(fake, "acct-cancel-2f4b"),
      "codex-args": fakeCodexArgs(fake),
    }, fake.codexEnv(), true);
    t.after(() => killGroup(step.child));
    // Codex is running with the lane's home in place.
    const runDir = await runningOn(step, fake, "acct-cancel-2f4b");
    assert.ok(runDir, "the main step saved its run directory with saveState");
    const home = path.join(runDir, "chatgpt-1");
    assert.equal(statSync(runDir).mode & 0o777, 0o700);
    assert.equal(statSync(home).mode & 0o777, 0o700);
    assert.equal(statSync(path.join(home, "auth.json")).mode & 0o777, 0o600);
    // Cancel the job as the runner does: SIGTERM to the step's process.
    step.child.kill("SIGTERM");
    const main = await step.result;
    assert.equal(main.code, 1);
    assert.ok(existsSync(runDir), "a killed main step cannot clean up");
    const post = await runner.post(main.state);
    assert.equal(post.code, 0, post.stdout + post.stderr);
    assert.ok(!existsSync(runDir), "the post step removed the run directory");
    assert.match(post.stdout, /removed the temporary CODEX_HOME directory/);
    const again = await runner.post(main.state);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /already gone/);
  });
});
