// The streamed chat answer's wire pieces on their own: chunk events serialized once per stream
// (gateway/http/shapes.ts) are the bytes JSON.stringify gives for the whole chunk, and the
// upstream SSE decoder (gateway/upstreams/sse.ts) finds the same events however the network
// splits the bytes.

import assert from "node:assert/strict";
import { test } from "node:test";
import { chunkEvents, type CompletionMeta } from "../gateway/http/shapes";
import { readSseBatches, SseDecoder } from "../gateway/upstreams/sse";

const meta: CompletionMeta = { id: "chatcmpl-abc", created: 1_765_000_000, model: 'gpt-"quoted"\\model' };
const AWKWARD = ["", "plain", 'quote " and \\ backslash', "line\nbreak\ttab", "emoji 😀 and é", "</script>\u2028\u0000", "{\"json\":1}"];

function whole(delta: Record<string, unknown>, finish: string | null, withUsage: boolean): string {
  const chunk: Record<string, unknown> = { id: meta.id, object: "chat.completion.chunk", created: meta.created, model: meta.model, system_fingerprint: null, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] };
  if (withUsage) chunk.usage = null;
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

test("chunk events are byte for byte the whole chunk serialized, with and without usage", () => {
  for (const withUsage of [false, true]) {
    const chunks = chunkEvents(meta, withUsage);
    for (const text of AWKWARD) {
      assert.equal(chunks.text(text), whole({ content: text }, null, withUsage));
      // And a client reading it gets the text back exactly.
      assert.equal(JSON.parse(chunks.text(text).slice(6)).choices[0].delta.content, text);
    }
    assert.equal(chunks.event({ role: "assistant", content: "" }, null), whole({ role: "assistant", content: "" }, null, withUsage));
    assert.equal(chunks.event({}, "tool_calls"), whole({}, "tool_calls", withUsage));
    assert.equal(chunks.event({}, "stop"), whole({}, "stop", withUsage));
  }
});

const STREAM = 'data: {"a":"é😀"}\r\n\r\n: comment\nevent: x\ndata: line one\ndata: line two\n\ndata:nospace\n\ndata: [DONE]\n\n';
const EVENTS = ['{"a":"é😀"}', "line one\nline two", "nospace", "[DONE]"];

test("the SSE decoder finds the same events whatever the read boundaries, split characters and CRLF included", async () => {
  const bytes = Buffer.from(STREAM);
  for (let size = 1; size <= bytes.length; size++) {
    const sse = new SseDecoder();
    const got: string[] = [];
    for (let i = 0; i < bytes.length; i += size) got.push(...sse.push(bytes.subarray(i, i + size)));
    got.push(...sse.end());
    assert.deepEqual(got, EVENTS, `reads of ${size} bytes`);
  }
  async function* reads() {
    yield bytes.subarray(0, 7);
    yield bytes.subarray(7);
  }
  const batches: string[][] = [];
  for await (const b of readSseBatches(reads())) batches.push(b);
  assert.deepEqual(batches.flat(), EVENTS);
});

test("an event the upstream cut short of its blank line is still read at the end", () => {
  const sse = new SseDecoder();
  assert.deepEqual(sse.push(Buffer.from('data: {"x":1}\n\ndata: {"y":2}')), ['{"x":1}']);
  assert.deepEqual(sse.end(), ['{"y":2}']);
});
