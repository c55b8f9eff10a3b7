// The latency harness's own parts (issue 14): the delay proxy between Codex and the fake backend,
// and the fake's counts of warm-ups and WebSockets. No timing is asserted: the delay is observed by
// holding the proxy's timers and releasing them by hand.
import assert from "node:assert/strict";
import { randomBytes, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import https from "node:https";
import net from "node:net";
import type { TLSSocket } from "node:tls";
import { after, before, describe, test } from "node:test";
import { startFakeChatGPT, type FakeChatGPT } from "./fakes/chatgpt";
import { configArgs, makeHome, makeWorkdir, runCodex, type TestHome } from "./fakes/codex-run";
import { startDelayProxy, type DelayProxy } from "./fakes/delay-proxy";

async function echoServer(t: { after(fn: () => unknown): void }): Promise<{ port: number; received: () => number }> {
  let received = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on("data", (d) => {
      received += d.length;
      s.write(d);
    });
    s.on("end", () => s.end());
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  t.after(() => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((r) => server.close(() => r()));
  });
  return { port: (server.address() as net.AddressInfo).port, received: () => received };
}

function connect(port: number, t: { after(fn: () => unknown): void }): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: "127.0.0.1", port }, () => resolve(s));
    s.once("error", reject);
    t.after(() => s.destroy());
  });
}

/** Reads from a socket until `n` bytes came. */
function readN(s: net.Socket, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let got = 0;
    const onData = (d: Buffer) => {
      parts.push(d);
      got += d.length;
      if (got >= n) {
        s.off("data", onData);
        resolve(Buffer.concat(parts));
      }
    };
    s.on("data", onData);
    s.once("error", reject);
  });
}

/** A scheduler and clock the test drives: nothing the proxy holds back moves until release(). */
function manualTimers() {
  let clock = 1_000;
  const pending: Array<{ fn: () => void; ms: number }> = [];
  const waiters: Array<() => void> = [];
  return {
    now: () => clock,
    schedule: (fn: () => void, ms: number) => {
      pending.push({ fn, ms });
      waiters.splice(0).forEach((w) => w());
    },
    /** Waits until the proxy holds something back, and says for how long it asked. */
    async held(): Promise<number> {
      for (let i = 0; i < 200 && pending.length === 0; i++) await new Promise<void>((r) => waiters.push(r));
      assert.ok(pending.length > 0, "the proxy scheduled nothing");
      return pending[0]!.ms;
    },
    /** Lets the clock run to the first timer's time and fires it. */
    release(): void {
      const next = pending.shift()!;
      clock += next.ms;
      next.fn();
    },
  };
}

describe("delay proxy", () => {
  test("bytes pass unchanged both ways, on every connection, and each connection is counted", async (t) => {
    const echo = await echoServer(t);
    const proxy = await startDelayProxy({ target: () => ({ host: "127.0.0.1", port: echo.port }), oneWayMs: 1 });
    t.after(() => proxy.close());
    const payloads = [randomBytes(300_000), randomBytes(17), randomBytes(65_536)];
    for (const p of payloads) {
      const s = await connect(proxy.port, t);
      const back = readN(s, p.length);
      s.write(p);
      assert.ok((await back).equals(p));
      s.end();
    }
    const counts = proxy.counts();
    assert.equal(counts.connections, 3);
    const total = payloads.reduce((a, p) => a + p.length, 0);
    assert.equal(counts.bytesUp, total);
    assert.equal(counts.bytesDown, total);
  });

  test("each direction is held back by the configured one-way time; a new connection pays one round trip more", async (t) => {
    const echo = await echoServer(t);
    const timers = manualTimers();
    const proxy = await startDelayProxy({ target: () => ({ host: "127.0.0.1", port: echo.port }), oneWayMs: 12.5, schedule: timers.schedule, now: timers.now });
    t.after(() => proxy.close());
    const s = await connect(proxy.port, t);

    s.write("ping");
    // SYN, SYN-ACK, then the data: three one-way times before the first bytes reach the server.
    assert.equal(await timers.held(), 37.5);
    assert.equal(echo.received(), 0, "the server got bytes the proxy should still hold");
    const pong = readN(s, 4);
    timers.release();
    // The echo comes back and is held for one one-way time before the client sees it.
    assert.equal(await timers.held(), 12.5);
    timers.release();
    assert.equal((await pong).toString(), "ping");
    assert.equal(echo.received(), 4);

    // On the open connection, the next bytes take one one-way time only.
    const again = readN(s, 5);
    s.write("again");
    assert.equal(await timers.held(), 12.5);
    timers.release();
    assert.equal(await timers.held(), 12.5);
    timers.release();
    assert.equal((await again).toString(), "again");
    assert.equal(proxy.counts().connections, 1);
  });
});

describe("fake ChatGPT backend behind the delay proxy, with the real codex binary", () => {
  let fake: FakeChatGPT;
  let proxy: DelayProxy;
  let home: TestHome;
  let cwd: TestHome;

  before(async () => {
    let fakePort = 0;
    proxy = await startDelayProxy({ target: () => ({ host: "127.0.0.1", port: fakePort }), oneWayMs: 1 });
    fake = await startFakeChatGPT({ publicPort: proxy.port });
    fakePort = fake.port;
    home = makeHome("delay-proxy-");
    cwd = makeWorkdir();
    fake.addAccount({ accountId: "acct-proxy", email: "proxy@example.com", plan: "plus" });
    fake.writeAuth(home.dir, "acct-proxy");
  });
  after(async () => {
    await proxy.close();
    await fake.close();
    home.cleanup();
    cwd.cleanup();
  });

  test("TLS passes through untouched: the client sees the fake's own certificate", async () => {
    assert.equal(new URL(fake.origin).port, String(proxy.port));
    const peer = await new Promise<X509Certificate>((resolve, reject) => {
      const req = https.get(`${fake.origin}/backend-api/wham/accounts/check`, { ca: readFileSync(fake.caPath), headers: { "chatgpt-account-id": "acct-proxy" } }, (res) => {
        const cert = (res.socket as TLSSocket).getPeerX509Certificate();
        res.resume();
        res.on("end", () => (cert ? resolve(cert) : reject(new Error("no peer certificate"))));
      });
      req.on("error", reject);
    });
    assert.ok(peer.checkHost("localhost"));
    assert.ok(peer.checkIssued(new X509Certificate(readFileSync(fake.caPath))));
  });

  test("codex exec through the proxy: its connections are counted, and the fake counts its warm-up and model request", async () => {
    const before = { ...fake.counters(), connections: proxy.counts().connections, requests: fake.requests.length };
    const res = await runCodex({
      args: ["exec", "--json", "--skip-git-repo-check", "--ephemeral", "-C", cwd.dir, ...configArgs(fake.codexConfig()), "hello through the proxy"],
      env: { CODEX_HOME: home.dir, ...fake.codexEnv() },
    });
    assert.equal(res.code, 0, res.stderr);
    assert.ok(res.events.some((e) => JSON.stringify(e).includes("echo: hello through the proxy")));
    const counters = fake.counters();
    assert.equal(fake.requests.length - before.requests, 1);
    assert.equal(counters.warmups - before.warmups, 1);
    assert.equal(counters.webSockets - before.webSockets, 1);
    // Every byte reached the fake through the proxy: at least the WebSocket and the routing check.
    assert.ok(proxy.counts().connections - before.connections >= 2, `connections: ${proxy.counts().connections - before.connections}`);
  });
});
