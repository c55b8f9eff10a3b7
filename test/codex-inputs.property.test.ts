// Whatever a client sends, a codex lane answers it or the gateway refuses it, and the lane stays
// ready for the next request. Generated chat bodies (text with any code unit, lone surrogates
// included; content parts; response schemas and tool parameters nested up to past the limit) go
// through the gateway to the real pinned Codex app-server against the fake ChatGPT backend.
// A body Codex cannot read would leave its turn unanswered: the lane's circuit would open and the
// request would fail, which this property catches.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import { MAX_BODY_NESTING } from "../gateway/chat/wellformed";
import { startFakeChatGPT, type FakeChatGPT } from "./fakes/chatgpt";
import { accountLane, Teardown } from "./helpers/fixture";
import { startTestGateway, type TestGateway } from "./helpers/gateway";

const PIXEL_PNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=";

/** Any code points (fast-check's "binary" unit), and now and then a lone surrogate among them. */
const codePoints = fc.string({ unit: "binary", minLength: 1, maxLength: 24 });
const anyText = fc.oneof(
  { weight: 6, arbitrary: codePoints },
  { weight: 1, arbitrary: fc.tuple(codePoints, fc.integer({ min: 0xd800, max: 0xdfff }), codePoints).map(([a, c, b]) => a + String.fromCharCode(c) + b) },
);

const part = fc.oneof(
  { weight: 4, arbitrary: anyText.map((text) => ({ type: "text", text })) },
  { weight: 1, arbitrary: fc.constant({ type: "image_url", image_url: { url: PIXEL_PNG } }) },
);

/** An object schema `levels` objects deep, its property names drawn from any text. */
const schema = (levels: number): fc.Arbitrary<Record<string, unknown>> =>
  levels <= 1
    ? anyText.map((description) => ({ type: "string", description }))
    : fc.record({ key: anyText, inner: schema(levels - 1) }).map(({ key, inner }) => ({ type: "object", properties: { [key]: inner }, required: [key], additionalProperties: false }));

/** Shallow ones, and ones around the nesting limit (each level is two JSON levels: the schema and its properties). */
const levels = fc.oneof(fc.integer({ min: 1, max: 4 }), fc.integer({ min: MAX_BODY_NESTING / 2 - 4, max: MAX_BODY_NESTING / 2 + 2 }));

const body = fc
  .record({
    system: fc.option(anyText, { nil: undefined }),
    content: fc.oneof(anyText, fc.array(part, { minLength: 1, maxLength: 3 })),
    shape: fc.constantFrom("plain", "response_format", "tools"),
    levels,
  })
  .chain(({ system, content, shape, levels: n }) =>
    (shape === "plain" ? fc.constant(null) : schema(n)).map((s) => {
      const messages = [...(system === undefined ? [] : [{ role: "system", content: system }]), { role: "user", content }];
      const b: Record<string, unknown> = { model: "gpt-5.5", messages };
      if (s && shape === "response_format") b.response_format = { type: "json_schema", json_schema: { name: "generated", schema: s } };
      if (s && shape === "tools") b.tools = [{ type: "function", function: { name: "generated_tool", description: "A generated tool.", parameters: s } }];
      return b;
    }),
  );

/** The oracle, worked out apart from the gateway's code: text that does not survive UTF-8, or nesting past the limit. */
function refusable(v: unknown, depth = 1): boolean {
  if (typeof v === "string") return Buffer.from(v, "utf8").toString("utf8") !== v;
  if (typeof v !== "object" || v === null) return false;
  if (depth > MAX_BODY_NESTING) return true;
  const entries = Array.isArray(v) ? v.map((x) => ["", x] as const) : Object.entries(v);
  return entries.some(([k, x]) => refusable(k) || refusable(x, depth + 1));
}

/** How deep objects and arrays nest in `v` (a scalar is 0). */
function depthOf(v: unknown): number {
  if (typeof v !== "object" || v === null) return 0;
  return 1 + Math.max(0, ...Object.values(v).map(depthOf));
}

/** The deepest body of the given shape that is still within the limit. */
function deepestAllowed(make: (s: Record<string, unknown>) => Record<string, unknown>): Record<string, unknown> {
  let s: Record<string, unknown> = { type: "string" };
  for (;;) {
    const deeper = { type: "object", properties: { a: s }, required: ["a"], additionalProperties: false };
    if (depthOf(make(deeper)) > MAX_BODY_NESTING) return make(s);
    s = deeper;
  }
}

describe("generated inputs through the real Codex app-server", () => {
  let chatgpt: FakeChatGPT;
  let gw: TestGateway;
  const td = new Teardown();

  before(async () => {
    chatgpt = await td.start(startFakeChatGPT());
    gw = await startTestGateway(td, { lanes: [await accountLane(td, chatgpt, "plus-a", "local", { lane: { concurrency: 2 } })] });
  });

  // The bound only ends the run on a regression: a hung turn already shows as a failed request.
  const post = (b: unknown) =>
    fetch(`${gw.baseURL}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${gw.key}`, "content-type": "application/json" },
      body: JSON.stringify(b),
      signal: AbortSignal.timeout(120_000),
    });

  after(() => td.run());

  test("a response schema and tool parameters nested right up to the limit are answered by Codex", async () => {
    const user = [{ role: "user", content: "deep" }];
    const bodies = [
      deepestAllowed((schema) => ({ model: "gpt-5.5", messages: user, response_format: { type: "json_schema", json_schema: { name: "deep", schema } } })),
      deepestAllowed((parameters) => ({ model: "gpt-5.5", messages: user, tools: [{ type: "function", function: { name: "deep_tool", parameters } }] })),
    ];
    for (const b of bodies) {
      assert.ok(depthOf(b) >= MAX_BODY_NESTING - 1, `depth ${depthOf(b)}`);
      const res = await post(b);
      assert.equal(res.status, 200, await res.text());
    }
  });

  test("every generated request is answered by the lane or refused with a 400 naming the field, and the lane stays ready", async () => {
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        const res = await post(b);
        const json = (await res.json()) as { error?: { param: string | null; code: string }; choices?: unknown[] };
        if (refusable(b)) {
          assert.equal(res.status, 400, JSON.stringify(json));
          assert.ok(json.error?.param, "the 400 names the field");
          assert.ok(["invalid_unicode", "nesting_too_deep"].includes(json.error.code), json.error.code);
        } else {
          assert.equal(res.status, 200, JSON.stringify(json));
          const row = gw.requests().get(res.headers.get("x-request-id")!)!;
          assert.deepEqual(row.attempts.map((a) => [a.lane, a.outcome]), [["plus-a", "ok"]], "answered at the first attempt");
        }
        const lane = gw.server.dispatcher.laneViewsNow().find((l) => l.name === "plus-a");
        assert.equal(lane?.state, "ready");
      }),
      { numRuns: 30 },
    );
  });
});
