// How a passed-through answer that streams (gateway/http/pass.ts: audio, SSE, JSON past what is held
// whole) reaches the client socket: a large body arrives whole, a reader that stalls until the
// upstream itself is held back still gets every byte, and a client that leaves stops the upstream's
// answer and leaves a cancelled row. Real HTTP, real SQLite, a small upstream of our own on 127.0.0.1.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { once } from "node:events";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { drained } from "../gateway/async/drain";
import { openaiLane, startTestGateway, type TestGateway } from "./helpers/gateway";
import { readBody } from "./fakes/http-util";
import { waitFor } from "./helpers/wait";

/** 16 MiB of audio: more than a loopback socket's send and receive buffers hold together. */
const CHUNKS = 64;
const CHUNK_BYTES = 256 * 1024;
const chunk = (i: number) => Buffer.alloc(CHUNK_BYTES, i % 251);
const AUDIO_SHA256 = (() => {
  const h = createHash("sha256");
  for (let i = 0; i < CHUNKS; i++) h.update(chunk(i));
  return h.digest("hex");
})();

interface Upstream {
  baseUrl: string;
  /** Resolves the first time a write of the answer had to wait: everything downstream is full. */
  heldBack: Promise<void>;
  /** Resolves with how the answer ended: written to its end, or closed before it. */
  ended: Promise<"whole" | "cut off">;
}

/** /v1/audio/speech: 16 MiB in 256 KiB writes, each one waiting out a full socket buffer. */
async function audioUpstream(t: { after(fn: () => unknown): void }): Promise<Upstream> {
  let heldBack!: () => void;
  let ended!: (how: "whole" | "cut off") => void;
  const up = { heldBack: new Promise<void>((r) => (heldBack = r)), ended: new Promise<"whole" | "cut off">((r) => (ended = r)) };
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "audio/mpeg" });
      let finished = false;
      res.on("close", () => ended(finished ? "whole" : "cut off"));
      void (async () => {
        for (let i = 0; i < CHUNKS && !res.destroyed; i++) {
          if (!res.write(chunk(i))) {
            heldBack();
            await drained(res);
          }
        }
        if (res.destroyed) return;
        finished = true;
        res.end();
      })();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  t.after(() => {
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });
  return { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, ...up };
}

function speech(gw: TestGateway, id: string): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${gw.url}/v1/audio/speech`, { method: "POST", headers: { authorization: `Bearer ${gw.key}`, "content-type": "application/json", "x-request-id": id } }, resolve);
    req.on("error", reject);
    req.end(JSON.stringify({ model: "gpt-4o-mini-tts", voice: "alloy", input: "a long one" }));
  });
}

test("a large passed-through answer reaches a reader that stalls until the upstream is held back: every byte, in order", { timeout: 60_000 }, async (t) => {
  const up = await audioUpstream(t);
  const gw = await startTestGateway(t, { lanes: [openaiLane("api", up.baseUrl, "sk-test-0123456789abcdef")] });
  const res = await speech(gw, "slow-reader");
  res.pause();
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers["content-type"], "audio/mpeg");
  assert.equal(res.headers["x-codex-lanes-lane"], "api");
  // The upstream's writes wait only once the gateway stopped reading it, which it does only while
  // this reader's socket is full: the gateway holds no more than its buffers.
  await up.heldBack;
  assert.ok(res.socket.bytesRead < CHUNKS * CHUNK_BYTES, `the reader stalled (${res.socket.bytesRead} bytes read)`);
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const piece of res as AsyncIterable<Buffer>) {
    hash.update(piece);
    bytes += piece.length;
  }
  assert.equal(bytes, CHUNKS * CHUNK_BYTES);
  assert.equal(hash.digest("hex"), AUDIO_SHA256, "the bytes as the upstream sent them");
  assert.equal(await up.ended, "whole");
  const row = await waitFor("the row", () => gw.requests().get("slow-reader"));
  assert.deepEqual([row.endpoint, row.status, row.httpStatus, row.lane], ["audio.speech", "ok", 200, "api"]);
});

test("a client that leaves in the middle of a large passed-through answer stops the upstream's answer; its row says cancelled", { timeout: 60_000 }, async (t) => {
  const up = await audioUpstream(t);
  const gw = await startTestGateway(t, { lanes: [openaiLane("api", up.baseUrl, "sk-test-0123456789abcdef")] });
  const res = await speech(gw, "leaver");
  assert.equal(res.statusCode, 200);
  await once(res, "data");
  res.destroy();
  assert.equal(await up.ended, "cut off", "the upstream's answer was closed before its end");
  const row = await waitFor("the cancelled row", () => gw.requests().get("leaver"));
  assert.deepEqual([row.status, row.httpStatus, row.errorCode, row.lane], ["cancelled", 499, "cancelled", "api"]);
  const view = await waitFor("the lane's slot back", () => gw.server.dispatcher.laneViewsNow().find((v) => v.name === "api" && v.inFlight === 0));
  assert.equal(view.state, "ready", "a client leaving is no fault of the lane");
});

/** /v1/audio/speech that sends `sent` chunks (none: not even headers) and then stalls; its answers end with the test. */
async function stallingUpstream(t: { after(fn: () => unknown): void }, sent: number): Promise<string> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      if (sent === 0) return;
      res.writeHead(200, { "content-type": "audio/mpeg" });
      for (let i = 0; i < sent; i++) res.write(chunk(i));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  t.after(() => {
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
}

const NO_RETRY = { policy: { defaultCooldownMs: 60_000, maxRetries: 0, circuitThreshold: 3, circuitOpenMs: 30_000 } };

test("an upstream that never answers a passed-through request: after the lane's timeoutMs of nothing, a 504 timeout and its row", { timeout: 30_000 }, async (t) => {
  const base = await stallingUpstream(t, 0);
  const gw = await startTestGateway(t, { lanes: [openaiLane("api", base, "sk-test-0123456789abcdef", { timeoutMs: 300 })], config: NO_RETRY });
  const res = await speech(gw, "no-answer");
  const body = JSON.parse((await readBody(res)).toString("utf8")) as { error: { code: string; message: string } };
  assert.equal(res.statusCode, 504);
  assert.equal(body.error.code, "timeout");
  assert.match(body.error.message, /no answer within 300 ms/);
  const row = await waitFor("the row", () => gw.requests().get("no-answer"));
  assert.deepEqual([row.status, row.httpStatus, row.errorCode], ["error", 504, "timeout"]);
});

test("an upstream that stalls in the middle of a passed-through answer: the client gets what came, then a broken body; the row says timeout", { timeout: 30_000 }, async (t) => {
  const base = await stallingUpstream(t, 1);
  const gw = await startTestGateway(t, { lanes: [openaiLane("api", base, "sk-test-0123456789abcdef", { timeoutMs: 300 })], config: NO_RETRY });
  const res = await speech(gw, "stalled");
  assert.equal(res.statusCode, 200, "the upstream's status, as before it stalled");
  let bytes = 0;
  await assert.rejects(
    (async () => {
      for await (const piece of res as AsyncIterable<Buffer>) bytes += piece.length;
    })(),
    "the body ends in a broken connection, never as if it were complete",
  );
  assert.equal(bytes, CHUNK_BYTES, "what the upstream sent before it stalled");
  const row = await waitFor("the row", () => gw.requests().get("stalled"));
  assert.deepEqual([row.status, row.errorCode, row.lane], ["error", "timeout", "api"]);
});

