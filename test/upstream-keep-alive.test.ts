// The API-key lane's upstream connections: an idle one is kept for the next request only as long as
// upstream servers keep theirs, so no request goes out on a connection its server is closing.

import assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import type { Socket } from "node:net";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { HttpClient } from "../gateway/upstreams/http-client";

/**
 * An upstream that drops connections idle for longer than `idleMs` without saying so (no
 * `Keep-Alive` hint, as uvicorn or a load balancer): a request that arrives on one finds it closed,
 * as when the server's close and the request cross on the wire.
 */
async function droppingUpstream(t: { after(fn: () => unknown): void }, idleMs: number) {
  const lastAnswer = new WeakMap<Socket, number>();
  let connections = 0;
  const server = http.createServer((req, res) => {
    const socket = req.socket;
    const last = lastAnswer.get(socket);
    if (last !== undefined && Date.now() - last > idleMs) return void socket.destroy();
    req.resume();
    req.on("end", () => {
      res.setHeader("content-type", "application/json");
      res.end('{"ok":true}', () => lastAnswer.set(socket, Date.now()));
    });
  });
  server.keepAliveTimeout = 60_000;
  server.on("connection", () => connections++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`);
  return { url, connections: () => connections };
}

async function post(client: HttpClient): Promise<string> {
  const res = await client.post({ "content-type": "application/json" }, "{}", new AbortController().signal, 5_000);
  return res.text();
}

test("a connection idle past the keep time is not reused: a request after the upstream dropped it still gets its answer", async (t) => {
  const up = await droppingUpstream(t, 150);
  const client = new HttpClient(up.url, 100);
  t.after(() => client.close());
  assert.equal(await post(client), '{"ok":true}');
  await sleep(300);
  assert.equal(await post(client), '{"ok":true}', "the second request went out on a fresh connection");
  assert.equal(up.connections(), 2);
});

test("a connection used again within the keep time is reused", async (t) => {
  const up = await droppingUpstream(t, 5_000);
  const client = new HttpClient(up.url, 2_000);
  t.after(() => client.close());
  for (let i = 0; i < 3; i++) assert.equal(await post(client), '{"ok":true}');
  assert.equal(up.connections(), 1);
});

test("an answer slower than the keep time is not cut: the keep time applies only to idle connections", async (t) => {
  const server = http.createServer((req, res) => {
    req.resume();
    setTimeout(() => res.end('{"late":true}'), 300);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  const client = new HttpClient(new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`), 50);
  t.after(() => client.close());
  for (let i = 0; i < 2; i++) assert.equal(await post(client), '{"late":true}', `request ${i + 1}, on a ${i === 0 ? "new" : "reused"} connection`);
});
