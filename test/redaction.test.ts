// Secrets never reach a log line or a client: the logger with registered secrets and every token
// shape we know (OpenAI keys, Bearer headers, ChatGPT JWTs, refresh tokens), and upstream error
// text that echoes tokens, as the client and the gateway's log see it.

import assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import OpenAI from "openai";
import type { ActionIO } from "../action/io";
import { Log as ActionLog, Redactor } from "../action/log";
import { looksSecret } from "../gateway/config/secret-shape";
import { maskTokens, safeMessage } from "../gateway/lanes";
import { createLogger, registerSecret } from "../gateway/log";
import { redact as harnessRedact } from "./containers/harness";
import { fakeJwt } from "./fakes/jwt";
import { openaiLane, startTestGateway } from "./helpers/gateway";

const WORKER_TOKEN = "wtok.plain.0123456789abcdefXYZ";
const API_KEY = "sk-proj-Abc123_def456-GHI789jkl012";
const BEARER_VALUE = "gw.key.9f8e7d6c5b4a3210";
const ACCESS_JWT = fakeJwt({ sub: "user-1", "https://api.openai.com/auth": { chatgpt_account_id: "acct-1" }, exp: 4102444800 });
const ID_JWT = fakeJwt({ email: "alice@example.com", aud: "app_x" });
const REFRESH = "rt_QmFzZTY0VXJsU2FmZS1yZWZyZXNoLXRva2Vu.v1";

/** What must never be printed: each secret, and its tail (a pattern that stopped early would leave it). */
const NEVER = [WORKER_TOKEN, API_KEY, BEARER_VALUE, ACCESS_JWT, ID_JWT, REFRESH].flatMap((s) => [s, s.slice(-12)]);

function assertClean(text: string, where: string): void {
  for (const s of NEVER) assert.ok(!text.includes(s), `${where} leaks ${s.slice(0, 6)}…: ${text}`);
}

test("every log line masks a registered secret, sk- keys, Bearer values, JWTs and rt_ refresh tokens, in messages, fields and errors", () => {
  registerSecret(WORKER_TOKEN);
  const lines: string[] = [];
  const sink = { write: (s: string) => lines.push(...s.split("\n").filter(Boolean)) };
  const log = createLogger({ level: "debug", out: sink, err: sink }).child({ lane: "plus-a" });
  const carriers: [string, string][] = [
    ["registered secret", `worker said no to ${WORKER_TOKEN}`],
    ["sk- key", `Incorrect API key provided: ${API_KEY}.`],
    ["Bearer header", `request had authorization: Bearer ${BEARER_VALUE}`],
    ["two JWTs", `access_token ${ACCESS_JWT} id_token ${ID_JWT}`],
    ["refresh token", `refresh failed for ${REFRESH}`],
  ];
  for (const [what, text] of carriers) {
    log.info(text);
    log.debug("in a field", { detail: text, nested: { deeper: [text] } });
    log.warn("in an error", { err: new Error(text) });
    log.error("in an error's cause", { err: new Error("upstream failed", { cause: text }) });
    const mine = lines.splice(0);
    assert.equal(mine.length, 4, what);
    for (const line of mine) {
      assert.ok(line.includes("[redacted]"), `${what}: no [redacted] in ${line}`);
      assertClean(line, `${what} line`);
      JSON.parse(line);
    }
  }
});

test("an upstream error that echoes tokens reaches the client and the log with every token masked", async (t) => {
  const echoed = `bad request with ${API_KEY}, Bearer ${BEARER_VALUE}, access ${ACCESS_JWT}, id ${ID_JWT}, refresh ${REFRESH}`;
  const upstream = http.createServer((req, res) => {
    req.resume();
    res.writeHead(400, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { message: echoed, type: "invalid_request_error", code: null } }));
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", () => r()));
  t.after(() => new Promise<void>((r) => upstream.close(() => r())));
  const gw = await startTestGateway(t, {
    lanes: [openaiLane("echo", `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`, "sk-lane-key-not-echoed-0123456789")],
  });
  const client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
  const err = await client.chat.completions.create({ model: "gpt-x", messages: [{ role: "user", content: "hi" }] }).catch((e: unknown) => e);
  assert.ok(err instanceof OpenAI.BadRequestError, String(err));
  const seen = JSON.stringify(err.error);
  assert.match(seen, /bad request with \[redacted\]/);
  assert.equal(seen.split("[redacted]").length - 1, 5, `each of the five tokens is masked: ${seen}`);
  assertClean(seen, "the client's error");
  assertClean(gw.logs.text(), "the gateway log");
});

test("every redactor masks the same shapes (one list): the gateway log, outcome messages, the action's job log, the container harness, the config's secret check", () => {
  const GATEWAY_KEY = `cl-${"k".repeat(20)}Q9_z-${"x".repeat(17)}`;
  const shapes: [string, string][] = [
    ["sk- key", API_KEY],
    ["Bearer value", `Bearer ${BEARER_VALUE}`],
    ["access JWT", ACCESS_JWT],
    ["id JWT", ID_JWT],
    ["refresh token", REFRESH],
    ["gateway key", GATEWAY_KEY],
  ];
  const actionLines: string[] = [];
  const io = { info: (l: string) => actionLines.push(l), warning: (l: string) => actionLines.push(l) } as unknown as ActionIO;
  const actionLog = new ActionLog(io, new Redactor());
  const logLines: string[] = [];
  const sink = { write: (s: string) => logLines.push(s) };
  const gatewayLog = createLogger({ level: "debug", out: sink, err: sink });
  for (const [what, secret] of shapes) {
    const text = `upstream said: ${secret} (for ${what})`;
    actionLines.length = 0;
    logLines.length = 0;
    actionLog.info(text);
    actionLog.warning(text);
    gatewayLog.info(text);
    const outputs: [string, string][] = [
      ["gateway log", logLines.join("")],
      ["outcome message", safeMessage(text)],
      ["action job log", actionLines.join("\n")],
      ["container harness", harnessRedact(text)],
    ];
    for (const [where, out] of outputs) {
      assert.ok(!out.includes(secret) && !out.includes(secret.slice(-12)), `${where} leaks the ${what}: ${out}`);
      assert.ok(out.includes("[redacted]"), `${where} marks the ${what} as redacted: ${out}`);
      assert.ok(out.includes(`(for ${what})`), `${where} keeps the text around the ${what}: ${out}`);
    }
    if (what !== "Bearer value") assert.equal(looksSecret(secret), true, `the config's check knows a ${what} when it sees one`);
  }
  // Ordinary words and names are left alone.
  for (const plain of ["plus-a", "gpt-6.1-sol", "OPENAI_API_KEY", "skipped-lanes", "rt-service"]) {
    assert.equal(maskTokens(`lane ${plain} ok`), `lane ${plain} ok`);
    assert.equal(looksSecret(plain), false, plain);
  }
});
