// The deployed shape, for real: the gateway container, two account workers (plus-a, plus-b) and the
// fake ChatGPT backend in its own container, on a private Docker network. Everything is driven from
// the host through the gateway's published port with the official `openai` client, as a user's app
// would. Run by `npm run test:containers`, not by `npm test`.
//
// Worker A starts signed out and is signed in from the host the way a user does it
// (`codex-lanes login plus-a --gateway URL`, device code approved on the fake). Worker B is signed in
// before it starts: its auth.json (fake tokens) is written into its own volume, owned by the image's
// user, mode 0600 (see seedAuth in system.ts).

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { inspect } from "node:util";
import OpenAI from "openai";
import { main } from "../../gateway/cli";
import { DockerRun, buildProjectImages, docker, exec, kill, prepareBaseImages, restart, waitHealthy } from "./harness";
import { FAKE_ALIAS, WORKER_PORT, admin, healthFrom, startSystem, type System, type Worker } from "./system";

const MODEL = "gpt-5.5";
/** Longest any single client call may take before the test calls it a hang. */
const CLIENT_TIMEOUT_MS = 30_000;
/** The gateway re-reads lane status when its copy is older than this (dispatcher STATUS_MAX_AGE_MS). */
const GATEWAY_STATUS_MAX_AGE_MS = 15_000;

interface Attempt {
  lane: string;
  outcome: string;
  code: string | null;
}
interface RequestRow {
  id: string;
  lane: string | null;
  status: string;
  errorCode: string | null;
  attempts: Attempt[];
}
interface LaneView {
  name: string;
  state: string;
  signedIn: boolean | null;
  email: string | null;
  until: string | null;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The promise, or a rejection naming a hang after ms (on a timer that keeps the process alive). */
async function noHang<T>(what: string, p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer and no error after ${ms} ms (a hang)`)), ms);
  });
  try {
    return await Promise.race([p, guard]);
  } finally {
    clearTimeout(timer);
  }
}

async function mounts(container: string): Promise<Array<{ Type: string; Name?: string; Source: string; Destination: string }>> {
  const { stdout } = await docker(["inspect", "--format", "{{json .Mounts}}", container]);
  return JSON.parse(stdout);
}

async function requestRow(sys: System, id: string): Promise<RequestRow> {
  const page = await admin<{ rows: RequestRow[] }>(sys, "requests?limit=50");
  const row = page.rows.find((r) => r.id === id);
  assert.ok(row, `request ${id} is not in the request log`);
  return row;
}

async function lane(sys: System, name: string): Promise<LaneView> {
  const { lanes } = await admin<{ lanes: LaneView[] }>(sys, "lanes");
  const view = lanes.find((l) => l.name === name);
  assert.ok(view, `lane ${name} is not in /admin/lanes`);
  return view;
}

/** auth.json files anywhere in a container (as root, /proc and /sys left out). */
async function authJsonFiles(container: string): Promise<string[]> {
  const r = await exec(container, ["find", "/", "(", "-path", "/proc", "-o", "-path", "/sys", ")", "-prune", "-o", "-name", "auth.json", "-print"], { user: "0:0" });
  assert.equal(r.code, 0, `find failed: ${r.stderr.slice(-300)}`);
  return r.stdout.split("\n").filter(Boolean);
}

describe("system: gateway, two account workers and the fake ChatGPT backend on a private network", () => {
  const run = new DockerRun();
  let sys: System;
  let client: OpenAI;
  let a: Worker;
  let b: Worker;

  before(async () => {
    const images = await buildProjectImages(await prepareBaseImages());
    sys = await startSystem(run, images, { lanes: ["plus-a", "plus-b"], signedOut: ["plus-a"] });
    [a, b] = sys.workers as [Worker, Worker];
    client = new OpenAI({ baseURL: `${sys.gatewayUrl}/v1`, apiKey: sys.clientKey, maxRetries: 0, timeout: CLIENT_TIMEOUT_MS });
  });

  after(async () => {
    await run.cleanup();
  });

  const ask = (text: string) =>
    noHang("chat completion", client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: text }] }).withResponse(), CLIENT_TIMEOUT_MS + 5_000);

  it("worker A is signed in from the host with `codex-lanes login plus-a --gateway URL`", async () => {
    let approved = false;
    let printed = "";
    const out = {
      isTTY: false,
      write: (s: string) => {
        printed += s;
        const code = /Enter the code (\S+)/.exec(printed)?.[1];
        if (code && !approved) {
          approved = true;
          void sys.control.approve(code, a.accountId);
        }
        return true;
      },
    } as unknown as NodeJS.WritableStream;
    let errors = "";
    const err = { write: (s: string) => ((errors += s), true) } as unknown as NodeJS.WritableStream;
    const env = { ...process.env, CODEX_LANES_ADMIN_KEY: sys.adminKey };
    const code = await noHang(
      "login --gateway",
      main(["login", "plus-a", "--gateway", sys.gatewayUrl], { out, err, stdin: process.stdin, env, cwd: process.cwd(), signal: new AbortController().signal }),
      CLIENT_TIMEOUT_MS * 2,
    );
    assert.equal(code, 0, errors);
    assert.match(printed, new RegExp(`Signed in: lane "plus-a" as ${a.accountId.replace("acct-", "")}`));
    assert.equal((await lane(sys, "plus-a")).signedIn, true);
  });

  it("a chat completion is answered by worker A, through its container", async () => {
    const { data, response } = await ask("hello from the host");
    assert.equal(response.headers.get("x-codex-lanes-lane"), "plus-a");
    assert.equal(data.choices[0]?.message.content, "echo: hello from the host");
    assert.ok((data.usage?.completion_tokens ?? 0) > 0, "usage is reported");
    const seen = (await sys.control.requests()).filter((r) => r.lastUserText === "hello from the host");
    assert.deepEqual(seen.map((r) => r.accountId), [a.accountId], "the fake saw the turn from A's account only");
  });

  it("streams end to end through the container hop, in several chunks", async () => {
    const text = "stream me through two containers";
    await sys.control.setScenario(a.accountId, { name: "slow", deltas: 6, delayMs: 40 });
    try {
      const { data: stream, response } = await noHang(
        "stream start",
        client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: text }], stream: true }).withResponse(),
        CLIENT_TIMEOUT_MS + 5_000,
      );
      assert.equal(response.headers.get("x-codex-lanes-lane"), "plus-a");
      const parts: string[] = [];
      let finish: string | null = null;
      await noHang(
        "stream",
        (async () => {
          for await (const chunk of stream) {
            const c = chunk.choices[0];
            if (c?.delta?.content) parts.push(c.delta.content);
            if (c?.finish_reason) finish = c.finish_reason;
          }
        })(),
        CLIENT_TIMEOUT_MS,
      );
      assert.ok(parts.length >= 3, `expected several content chunks, got ${parts.length}`);
      assert.equal(parts.join(""), `echo: ${text}`);
      assert.equal(finish, "stop");
    } finally {
      await sys.control.setScenario(a.accountId, "ok");
    }
  });

  it("A's usage limit: the same request is served by B, and the request log shows both attempts", async () => {
    const resetsAt = Math.floor(Date.now() / 1000) + 60;
    await sys.control.setScenario(a.accountId, { name: "usage_limit", resetsAt });
    const { data, response } = await ask("fail over please");
    assert.equal(response.headers.get("x-codex-lanes-lane"), "plus-b");
    assert.equal(data.choices[0]?.message.content, "echo: fail over please");

    const row = await requestRow(sys, response.headers.get("x-request-id") ?? "");
    assert.equal(row.status, "ok");
    assert.equal(row.lane, "plus-b");
    assert.deepEqual(
      row.attempts.map((t) => [t.lane, t.outcome]),
      [["plus-a", "usage_limit"], ["plus-b", "ok"]],
    );
    const seen = (await sys.control.requests()).filter((r) => r.lastUserText === "fail over please");
    assert.deepEqual(seen.map((r) => [r.accountId, r.scenario]), [[a.accountId, "usage_limit"], [b.accountId, "ok"]]);

    const viewA = await lane(sys, "plus-a");
    assert.equal(viewA.state, "cooling");
    // Codex's usage-limit message gives the reset to the minute ("try again at 3:18 AM").
    const until = viewA.until ? Date.parse(viewA.until) / 1000 : NaN;
    assert.ok(Math.abs(until - resetsAt) <= 60, `A cools down until its window resets (${viewA.until} vs ${new Date(resetsAt * 1000).toISOString()})`);
  });

  it("a restarted worker keeps its sign-in (its volume): /admin/lanes shows it signed in and it serves", async () => {
    await restart(b.container.name, 5);
    const restartedAt = Date.now();
    await waitHealthy(b.container.name, { timeoutMs: 60_000 });

    // A is still cooling, so B serves.
    const { data, response } = await ask("after the restart");
    assert.equal(response.headers.get("x-codex-lanes-lane"), "plus-b");
    assert.equal(data.choices[0]?.message.content, "echo: after the restart");

    // The worker's own view, read fresh over the private network from the gateway's container.
    const health = await healthFrom(sys.gateway.name, `http://${b.alias}:${WORKER_PORT}/health`, b.token);
    assert.equal(health.status, 200);
    const h = JSON.parse(health.body) as { signedIn: boolean; email: string | null };
    assert.equal(h.signedIn, true);
    assert.equal(h.email, b.email);

    // The gateway re-reads a lane's status when its copy is older than 15 s: wait for a read taken
    // after the restart, so the view below cannot be the one from before it.
    await sleep(Math.max(0, restartedAt + GATEWAY_STATUS_MAX_AGE_MS + 1_000 - Date.now()));
    const view = await lane(sys, "plus-b");
    assert.equal(view.signedIn, true);
    assert.equal(view.email, b.email);
    assert.equal(view.state, "ready");
  });

  it("worker A cannot read B's CODEX_HOME, and A's token is refused by B", async () => {
    for (const w of [a, b]) {
      const m = await mounts(w.container.name);
      assert.deepEqual(m.map((x) => [x.Type, x.Name, x.Destination]), [["volume", w.volume, "/codex-home"]], `${w.alias} mounts only its own volume`);
      const ports = JSON.parse((await docker(["inspect", "--format", "{{json .NetworkSettings.Ports}}", w.container.name])).stdout) as Record<string, unknown[] | null>;
      assert.ok(Object.values(ports).every((v) => !v || v.length === 0), `${w.alias} publishes no port`);
      const nets = JSON.parse((await docker(["inspect", "--format", "{{json .NetworkSettings.Networks}}", w.container.name])).stdout) as Record<string, unknown>;
      assert.deepEqual(Object.keys(nets), [sys.privateNet], `${w.alias} is on the private network only`);
    }
    const internal = await docker(["network", "inspect", "--format", "{{.Internal}}", sys.privateNet]);
    assert.equal(internal.stdout.trim(), "true");

    // Inside A: exactly one auth.json, A's own; nothing in A's filesystem names B's account.
    assert.deepEqual(await authJsonFiles(a.container.name), ["/codex-home/auth.json"]);
    const own = await exec(a.container.name, ["node", "-e", "process.stdout.write(JSON.parse(require('fs').readFileSync('/codex-home/auth.json','utf8')).tokens.account_id)"]);
    assert.equal(own.stdout, a.accountId);
    const grep = await exec(a.container.name, ["grep", "-rlF", b.accountId, "/codex-home", "/tmp", "/home"], { user: "0:0" });
    assert.equal(grep.stdout.trim(), "", "no file in A names B's account");
    assert.equal(grep.code, 1, `grep found nothing (exit 1), got exit ${grep.code}: ${grep.stderr.slice(-200)}`);

    // Over the network, from inside A: B answers its own token (the path works) and refuses A's.
    const bHealth = `http://${b.alias}:${WORKER_PORT}/health`;
    assert.equal((await healthFrom(a.container.name, bHealth, b.token)).status, 200);
    assert.equal((await healthFrom(a.container.name, bHealth, a.token)).status, 401);
    assert.equal((await healthFrom(a.container.name, bHealth, null)).status, 401);
    assert.equal((await healthFrom(a.container.name, `http://${b.alias}:${WORKER_PORT}/auth.json`, a.token)).status, 401);
    assert.equal((await healthFrom(a.container.name, `http://${b.alias}:${WORKER_PORT}/login`, a.token)).status, 401);
  });

  it("the gateway container holds no auth.json, mounts no account volume and no Docker socket", async () => {
    assert.deepEqual(await authJsonFiles(sys.gateway.name), []);
    const m = await mounts(sys.gateway.name);
    assert.deepEqual(m.map((x) => [x.Type, x.Destination]), [["volume", "/data"]]);
    for (const x of m) {
      assert.ok(!/docker\.sock/.test(x.Source), "no Docker socket");
      assert.ok(![a.volume, b.volume].includes(x.Name ?? ""), "no account volume");
    }
    const sock = await exec(sys.gateway.name, ["sh", "-c", "test -e /var/run/docker.sock || test -e /run/docker.sock"]);
    assert.notEqual(sock.code, 0, "no docker.sock inside the gateway");
    const fake = await exec(sys.gateway.name, ["getent", "hosts", FAKE_ALIAS]);
    assert.equal(fake.code, 0, "the check above ran on the private network");
  });

  it("killing a worker container mid-turn gives the client a clean error or a failover, never a hang", async (t) => {
    const text = "kill the worker in the middle of this answer, please";
    for (const w of [a, b]) await sys.control.setScenario(w.accountId, { name: "slow", deltas: 40, delayMs: 150 });
    const { data: stream, response } = await noHang(
      "stream start",
      client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: text }], stream: true }).withResponse(),
      CLIENT_TIMEOUT_MS + 5_000,
    );
    const served = response.headers.get("x-codex-lanes-lane");
    const victim = sys.workers.find((w) => w.lane === served);
    assert.ok(victim, `served by a worker lane (got ${served})`);

    let received = "";
    let killed = false;
    const outcome = await noHang(
      "stream after the kill",
      (async (): Promise<{ error: unknown }> => {
        try {
          for await (const chunk of stream) {
            const d = chunk.choices[0]?.delta?.content ?? "";
            received += d;
            if (d && !killed) {
              killed = true;
              await kill(victim.container.name);
            }
          }
          return { error: null };
        } catch (error) {
          return { error };
        }
      })(),
      CLIENT_TIMEOUT_MS,
    );
    assert.ok(killed, "the worker was killed after the first streamed chunk");
    const full = `echo: ${text}`;
    t.diagnostic(
      outcome.error === null
        ? `failover: the whole answer arrived (${received.length} chars)`
        : `clean error after ${received.length} of ${full.length} chars: ${(outcome.error as Error).message}`,
    );
    if (outcome.error === null) {
      // A failover: the client got the whole answer.
      assert.equal(received, full, "a stream that ends without an error carries the whole answer");
    } else {
      assert.ok(outcome.error instanceof OpenAI.APIError, `a clean API error, got ${inspect(outcome.error)}`);
      assert.ok(!(outcome.error instanceof OpenAI.APIConnectionTimeoutError), "not a client timeout");
      assert.notEqual(received, full);
      const row = await requestRow(sys, response.headers.get("x-request-id") ?? "");
      assert.equal(row.status, "error");
      assert.equal(row.lane, victim.lane);
    }
  });
});
