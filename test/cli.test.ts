// The `codex-lanes` command: in-process through main() with captured streams, and through the real
// bin for exit codes and stderr as a shell sees them.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Readable, Writable } from "node:stream";
import { test } from "node:test";
import OpenAI from "openai";
import { main } from "../gateway/cli";
import type { CliIO } from "../gateway/cli/io";
import { loadConfig } from "../gateway/config";
import { openStore } from "../gateway/store";
import { startFakeOpenAI } from "./fakes/openai";
import { captureLogger, tempDir } from "./helpers/gateway";
import { waitFor } from "./helpers/wait";
import { startServer } from "../gateway/server";

const BIN = path.join(__dirname, "..", "gateway", "bin", "codex-lanes.cjs");

interface Run {
  code: number;
  out: string;
  err: string;
}

function sink(): { stream: Writable; text: () => string } {
  let buf = "";
  return { stream: new Writable({ write: (c, _e, cb) => ((buf += String(c)), cb()) }), text: () => buf };
}

async function cli(argv: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; stdin?: string; signal?: AbortSignal }): Promise<Run> {
  const out = sink();
  const err = sink();
  const io: CliIO = {
    out: out.stream,
    err: err.stream,
    stdin: Readable.from(opts.stdin === undefined ? [] : [Buffer.from(opts.stdin)]),
    env: opts.env ?? {},
    cwd: opts.cwd,
    signal: opts.signal ?? new AbortController().signal,
  };
  const code = await main(argv, io);
  return { code, out: out.text(), err: err.text() };
}

function bin(argv: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...argv], { cwd, env: { PATH: process.env.PATH, HOME: cwd, ...env }, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, out: stdout, err: stderr });
    });
  });
}

/** A directory with a codex-lanes.json. */
function project(t: { after(fn: () => void): void }, config: Record<string, unknown>): string {
  const dir = tempDir("codex-lanes-cli-");
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, "codex-lanes.json"), JSON.stringify({ dataDir: "./data", ...config }, null, 2));
  return dir;
}

const OPENAI_ONLY = { lanes: [{ name: "api", type: "openai", baseUrl: "http://127.0.0.1:9/v1" }] };

test("keys create prints the key once, alone on the last line; only a hash reaches the db; list and revoke", async (t) => {
  const dir = project(t, OPENAI_ONLY);
  const created = await cli(["keys", "create", "ci-bot"], { cwd: dir });
  assert.equal(created.code, 0, created.err);
  const lines = created.out.trimEnd().split("\n");
  const key = lines[lines.length - 1]!;
  assert.match(key, /^cl-[A-Za-z0-9_-]{20,}$/);

  const admin = await cli(["keys", "create", "ops", "--admin"], { cwd: dir });
  assert.equal(admin.code, 0);
  const adminKey = admin.out.trimEnd().split("\n").pop()!;

  const list = await cli(["keys", "list"], { cwd: dir });
  assert.equal(list.code, 0);
  assert.match(list.out, /ci-bot/);
  assert.match(list.out, /ops\s+\S+\s+admin/);
  assert.ok(!list.out.includes(key) && !list.out.includes(adminKey), "list never shows a key");

  const dbBytes = readdirSync(path.join(dir, "data"))
    .filter((f) => f.startsWith("gateway.db"))
    .map((f) => readFileSync(path.join(dir, "data", f)).toString("latin1"))
    .join("");
  assert.ok(!dbBytes.includes(key) && !dbBytes.includes(key.slice(3)), "the plaintext key is not stored");

  const store = openStore(path.join(dir, "data"));
  try {
    assert.deepEqual(store.keys.verify(key), { name: "ci-bot", admin: false });
    assert.equal(store.keys.verify(adminKey)?.admin, true);
  } finally {
    store.close();
  }

  assert.equal((await cli(["keys", "create", "ci-bot"], { cwd: dir })).code, 1, "a duplicate name fails");
  assert.equal((await cli(["keys", "create", "bad name!"], { cwd: dir })).code, 2, "an invalid name is bad usage");
  const revoked = await cli(["keys", "revoke", "ci-bot"], { cwd: dir });
  assert.equal(revoked.code, 0);
  assert.equal((await cli(["keys", "revoke", "ci-bot"], { cwd: dir })).code, 1, "nothing left to revoke");
  const store2 = openStore(path.join(dir, "data"));
  try {
    assert.equal(store2.keys.verify(key), null);
  } finally {
    store2.close();
  }
});

test("bad usage exits 2 with a message that says what to do", async (t) => {
  const dir = project(t, OPENAI_ONLY);
  for (const argv of [["frobnicate"], ["keys"], ["keys", "create"], ["keys", "rotate", "x"], ["logs", "--bogus"], ["logs", "--limit", "0"], ["login", "api"], ["logout"], ["stats", "--since", "yesterday"], ["secrets", "set", "api"], []]) {
    const r = await cli(argv, { cwd: dir });
    assert.equal(r.code, 2, `${argv.join(" ")}: ${r.err}`);
    assert.ok((r.err + r.out).length > 0);
  }
  const help = await cli(["--help"], { cwd: dir });
  assert.equal(help.code, 0);
  assert.match(help.out, /keys create <name>/);
});

test("the real bin: an unknown command and a bad config file exit 2; the message names the file and field, without a stack", async (t) => {
  const dir = project(t, { lanes: [{ name: "plus-a", type: "codex", concurrency: "many" }] });
  const unknown = await bin(["frobnicate"], dir);
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /unknown command "frobnicate"/);

  const bad = await bin(["keys", "list"], dir);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /codex-lanes\.json/);
  assert.match(bad.err, /lanes\[0\]\.concurrency/);
  assert.ok(!/\n\s+at /.test(bad.err), "no stack trace");

  const missing = await bin(["--config", "nope.json", "lanes"], dir);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /nope\.json/);

  const ok = await bin(["keys", "create", "x"], project(t, OPENAI_ONLY));
  assert.equal(ok.code, 0, ok.err);
  assert.match(ok.out.trimEnd().split("\n").pop()!, /^cl-/);
});

test("secrets set reads the key from stdin, stores it encrypted, and the gateway uses it", async (t) => {
  const up = await startFakeOpenAI();
  t.after(() => up.close());
  const dir = project(t, { lanes: [{ name: "api", type: "openai", baseUrl: up.baseUrl }] });
  const apiKey = `sk-stored-${randomBytes(12).toString("hex")}`;
  const env = { CODEX_LANES_MASTER_KEY: randomBytes(32).toString("base64") };

  const noMaster = await cli(["secrets", "set", "api"], { cwd: dir, stdin: apiKey });
  assert.equal(noMaster.code, 2);
  assert.match(noMaster.err, /CODEX_LANES_MASTER_KEY/);

  const set = await cli(["secrets", "set", "api"], { cwd: dir, env, stdin: `${apiKey}\n` });
  assert.equal(set.code, 0, set.err);
  assert.ok(!set.out.includes(apiKey) && !set.err.includes(apiKey));
  const list = await cli(["secrets", "list"], { cwd: dir });
  assert.equal(list.out.trim(), "api");
  const db = readFileSync(path.join(dir, "data", "gateway.db")).toString("latin1");
  assert.ok(!db.includes(apiKey), "stored encrypted");

  const config = loadConfig({ env, cwd: dir });
  const logs = captureLogger();
  const server = await startServer(config, { log: logs.log, out: { write: () => true } });
  t.after(() => server.close());
  const key = server.store.keys.create("t").key;
  const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: key, maxRetries: 0 });
  const res = await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });
  assert.equal(res.choices[0]!.message.content, "echo: hi");
  assert.equal(up.requests.at(-1)!.apiKey, apiKey);
  assert.ok(!logs.text().includes(apiKey));
});

test("lanes, logs and stats show what the gateway recorded", async (t) => {
  const dir = project(t, {
    lanes: [
      { name: "plus-a", type: "codex", home: "./homes/plus-a" },
      { name: "api", type: "openai", baseUrl: "http://127.0.0.1:9/v1" },
    ],
  });
  const store = openStore(path.join(dir, "data"));
  const now = Date.now();
  store.requests.insert({ id: "r1", createdAt: now - 2000, keyName: "k", model: "gpt-x", stream: false, lane: "plus-a", attempts: [{ lane: "plus-a", outcome: "ok", code: null, ms: 12 }], status: "ok", httpStatus: 200, queueMs: 0, latencyMs: 40, inputTokens: 10, outputTokens: 5, apiCostUsd: 0.001 });
  store.requests.insert({ id: "r2", createdAt: now - 1000, keyName: "k", model: "gpt-x", stream: true, lane: null, attempts: [], status: "error", httpStatus: 429, errorCode: "all_lanes_exhausted", queueMs: 0, latencyMs: 3 });
  store.requests.insert({ id: "r3", createdAt: now - 500, keyName: "k", model: "text-embedding-3-small", stream: false, lane: "api", attempts: [], status: "ok", httpStatus: 200, queueMs: 0, latencyMs: 2, endpoint: "embeddings" });
  store.lanes.saveRateLimits("plus-a", { primary: { usedPercent: 42, windowMinutes: 300, resetsAt: now + 3_600_000 }, secondary: null, planType: "plus", observedAt: now });
  store.close();

  const logs = await cli(["logs"], { cwd: dir });
  assert.equal(logs.code, 0, logs.err);
  assert.ok(logs.out.indexOf("r1") < logs.out.indexOf("r2"), "oldest first, newest last");
  assert.match(logs.out, /error:all_lanes_exhausted/);
  const errorsOnly = await cli(["logs", "--status", "error", "--json"], { cwd: dir });
  const rows = errorsOnly.out.trim().split("\n").map((l) => JSON.parse(l) as { id: string });
  assert.deepEqual(rows.map((r) => r.id), ["r2"]);
  const embeddings = await cli(["logs", "--endpoint", "embeddings"], { cwd: dir });
  assert.match(embeddings.out, /r3\s+k\s+embeddings\s+text-embedding-3-small\s+api\s+ok/);
  assert.doesNotMatch(embeddings.out, /r1|r2/);

  const stats = await cli(["stats"], { cwd: dir });
  assert.equal(stats.code, 0);
  assert.match(stats.out, /plus-a\s+1\s+0\s+0/);
  assert.match(stats.out, /total\s+3\s+1/);

  const lanes = await cli(["lanes"], { cwd: dir, env: {} });
  assert.equal(lanes.code, 0, lanes.err);
  assert.match(lanes.out, /plus-a\s+codex\s+app-server\s+needs-login\s+no/);
  assert.match(lanes.out, /42% used, resets in/);
  assert.match(lanes.out, /codex-lanes login plus-a/);
  assert.match(lanes.out, /api\s+openai\s+openai\s+disabled/);
  const json = JSON.parse((await cli(["lanes", "--json"], { cwd: dir })).out) as { name: string; fix: string | null }[];
  assert.deepEqual(json.map((v) => [v.name, v.fix]), [["plus-a", "codex-lanes login plus-a"], ["api", "codex-lanes secrets set api"]]);
});

test("logs --follow prints rows as they arrive until interrupted", async (t) => {
  const dir = project(t, OPENAI_ONLY);
  const ctl = new AbortController();
  const out = sink();
  const store = openStore(path.join(dir, "data"));
  t.after(() => store.close());
  const running = main(["logs", "--follow"], { out: out.stream, err: sink().stream, stdin: Readable.from([]), env: {}, cwd: dir, signal: ctl.signal });
  t.after(() => ctl.abort());
  // The (empty) table's header is out: the first read is done, so the row below can only arrive by following.
  await waitFor("the first listing", () => /TIME\s+ID/.test(out.text()));
  assert.doesNotMatch(out.text(), /late-row/);
  store.requests.insert({ id: "late-row", createdAt: Date.now(), keyName: "k", model: "m", stream: false, lane: "api", attempts: [], status: "ok", httpStatus: 200, queueMs: 0, latencyMs: 1 });
  await waitFor("the followed row", () => out.text().includes("late-row"));
  ctl.abort();
  assert.equal(await running, 0);
  assert.match(out.text(), /late-row/);
});
