// How a streamed answer reaches the client socket (gateway/http/event-stream.ts): a reader that
// stalls with megabytes unread still gets every event in order once it reads again, and a client
// that leaves mid-stream ends the lane's upstream request and still leaves its row. Real HTTP,
// real SQLite, the fake OpenAI API behind the API-key lane.

import assert from "node:assert/strict";
import * as http from "node:http";
import { test } from "node:test";
import { startFakeOpenAI } from "./fakes/openai";
import { openaiLane, startTestGateway, type TestGateway } from "./helpers/gateway";
import { answer, ScriptedAdapter } from "./helpers/scripted-adapter";
import { readBody } from "./fakes/http-util";
import { waitFor } from "./helpers/wait";

/** 16 MiB of answer: more than a loopback socket's send and receive buffers hold together. */
const PIECES = 64;
const PIECE = "x".repeat(256 * 1024);

function open(gw: TestGateway, route: string, body: unknown): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${gw.url}/v1/${route}`, { method: "POST", headers: { authorization: `Bearer ${gw.key}`, "content-type": "application/json", "x-request-id": `stall-${route.replace("/", "-")}` } }, resolve);
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}


const ROUTES = [
  { route: "chat/completions", body: { model: "gpt-test", stream: true, messages: [{ role: "user", content: "a long one" }] } },
  { route: "responses", body: { model: "gpt-test", stream: true, input: "a long one" } },
];

for (const { route, body } of ROUTES) {
  test(`${route}: a reader that stalls with the answer unread gets every event, in order, once it reads again`, { timeout: 60_000 }, async (t) => {
    const a = new ScriptedAdapter("a", { script: () => answer(Array.from({ length: PIECES }, () => PIECE).join(" ")) });
    const gw = await startTestGateway(t, { adapters: { a } });
    const res = await open(gw, route, body);
    res.pause();
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers["x-codex-lanes-lane"], "a");
    assert.equal(res.headers["x-request-id"], `stall-${route.replace("/", "-")}`);
    // The row is committed before the stream's last event is written: the whole answer is with the
    // gateway now, while the reader has taken in what the socket buffers hold, far from all of it.
    const id = res.headers["x-request-id"];
    await waitFor("the answered row", () => gw.requests().get(id)?.status === "ok");
    assert.ok(res.socket.bytesRead < PIECES * PIECE.length, `the reader stalled (${res.socket.bytesRead} bytes read)`);
    const events = (await readBody(res)).toString("utf8").split("\n\n").filter(Boolean);
    if (route === "chat/completions") {
      assert.equal(events.at(-1), "data: [DONE]");
      const deltas = events.slice(1, -2).map((e) => (JSON.parse(e.slice("data: ".length)) as { choices: { delta: { content: string } }[] }).choices[0]!.delta.content);
      assert.equal(deltas.length, PIECES, "one chunk per delta, as the lane gave them");
      assert.deepEqual(deltas, Array.from({ length: PIECES }, (_, i) => (i < PIECES - 1 ? `${PIECE} ` : PIECE)));
    } else {
      const deltas = events.filter((e) => e.startsWith("event: response.output_text.delta\n"));
      assert.equal(deltas.length, PIECES);
      assert.match(events.at(-1)!, /^event: response\.completed\n/);
    }
  });
}

test("a client that leaves mid-stream ends the API-key lane's upstream request; its row is written, cancelled", { timeout: 30_000 }, async (t) => {
  const up = await startFakeOpenAI();
  t.after(() => up.close());
  // 50 chunks 100 ms apart: the upstream is still sending long after the client has gone.
  up.setScenario({ name: "slow", chunks: 50, delayMs: 100 });
  const gw = await startTestGateway(t, { lanes: [openaiLane("api", up.baseUrl, "sk-test-0123456789abcdef")] });
  const res = await open(gw, "chat/completions", { model: "gpt-4o-mini", stream: true, messages: [{ role: "user", content: "a long answer that the client will not wait for" }] });
  assert.equal(res.statusCode, 200);
  let seen = "";
  res.setEncoding("utf8");
  await new Promise<void>((resolve) => {
    res.on("data", (s: string) => {
      seen += s;
      if (/"content":"[^"]/.test(seen)) resolve();
    });
  });
  res.destroy();
  await waitFor("the upstream request to be cut off", () => up.requests[0]?.cutOff);
  const row = await waitFor("the cancelled row", () => gw.requests().list().rows[0]);
  assert.equal(row.status, "cancelled");
  assert.equal(row.lane, "api");
});
