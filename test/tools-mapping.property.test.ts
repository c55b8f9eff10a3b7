// Chat messages <-> Responses items: the conversation Codex gets injected and /v1/responses stores
// must say the same thing as the chat messages it came from, whatever the conversation.

import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { chatToItems, itemsToChat } from "../gateway/chat/items";
import type { ChatMessage, ContentPart } from "../gateway/chat/types";
import { forcedTool } from "../gateway/codex/tools";
import { planTurn } from "../gateway/codex/mapping";

const text = fc.string({ maxLength: 20 });
const part: fc.Arbitrary<ContentPart> = fc.oneof(
  text.map((t) => ({ type: "text" as const, text: t })),
  fc.constantFrom("data:image/png;base64,AAAA", "data:image/jpeg;base64,BBBB").map((u) => ({ type: "image" as const, dataUrl: u })),
);
const textPart = text.map((t): ContentPart => ({ type: "text", text: t }));
const callId = fc.stringMatching(/^call_[a-z0-9]{1,8}$/);
const toolName = fc.stringMatching(/^[a-zA-Z0-9_-]{1,12}$/);

/**
 * One exchange: a user (or system/developer) message, then an assistant answer that may call tools,
 * then one result per call. Assistant messages never follow each other, as in any real conversation.
 */
const exchange: fc.Arbitrary<ChatMessage[]> = fc
  .record({
    role: fc.constantFrom("user" as const, "system" as const, "developer" as const),
    content: fc.array(part, { maxLength: 3 }),
    answer: fc.array(textPart, { maxLength: 2 }),
    calls: fc.uniqueArray(fc.record({ id: callId, name: toolName, arguments: fc.json() }).map((c) => ({ ...c })), { maxLength: 3, selector: (c) => c.id }),
    results: fc.array(text, { minLength: 3, maxLength: 3 }),
  })
  .map(({ role, content, answer, calls, results }) => {
    const first: ChatMessage = { role, content: role === "user" ? content : content.filter((p) => p.type === "text") };
    const assistant: ChatMessage = calls.length ? { role: "assistant", content: answer, toolCalls: calls } : { role: "assistant", content: answer };
    const tools: ChatMessage[] = calls.map((c, i) => ({ role: "tool", toolCallId: c.id, content: [{ type: "text", text: results[i]! }] }));
    return [first, assistant, ...tools];
  });

const conversation = fc.array(exchange, { minLength: 1, maxLength: 4 }).map((xs) => xs.flat());

test("chat messages -> items -> chat messages is the identity", () => {
  fc.assert(
    fc.property(conversation, (messages) => {
      assert.deepEqual(itemsToChat(chatToItems(messages)), messages);
    }),
  );
});

test("items -> chat messages -> items is the identity, and every call keeps its id, name and arguments", () => {
  fc.assert(
    fc.property(conversation, (messages) => {
      const items = chatToItems(messages);
      assert.deepEqual(chatToItems(itemsToChat(items)), items);
      const calls = messages.flatMap((m) => m.toolCalls ?? []);
      const fcs = items.filter((i) => i.type === "function_call");
      assert.deepEqual(fcs.map((i) => i.type === "function_call" && [i.call_id, i.name, i.arguments]), calls.map((c) => [c.id, c.name, c.arguments]));
    }),
  );
});

test("a conversation ending with tool results starts the Codex turn with empty input and injects everything", () => {
  fc.assert(
    fc.property(conversation.filter((m) => m.at(-1)!.role === "tool"), (messages) => {
      const plan = planTurn({ model: "m", messages, stream: false, includeUsage: false });
      assert.equal(plan.input, null);
      assert.deepEqual(plan.history, messages.filter((m) => m.role !== "system" && m.role !== "developer"));
    }),
  );
});

test("a forced tool call asks for the tool's arguments and turns the JSON answer into that call", () => {
  const tools = [
    { name: "a", description: null, parameters: { type: "object", properties: { x: { type: "string" } } }, strict: false },
    { name: "b", description: null, parameters: { type: "object", properties: { y: { type: "number" } } }, strict: false },
  ];
  const base = { model: "m", messages: [{ role: "user" as const, content: [] }], stream: false, includeUsage: false, tools };
  const named = forcedTool({ ...base, toolChoice: { type: "function", name: "b" } })!;
  assert.deepEqual(named.schema, tools[1]!.parameters);
  const call = named.toCall('{"y":1}')!;
  assert.equal(call.name, "b");
  assert.equal(call.arguments, '{"y":1}');
  assert.equal(named.toCall("not json"), null);

  const either = forcedTool({ ...base, toolChoice: { type: "required" } })!;
  assert.equal(either.toCall('{"call":{"name":"a","arguments":{"x":"q"}}}')!.arguments, '{"x":"q"}');
  assert.equal(either.toCall('{"call":{"name":"zzz","arguments":{}}}'), null);
  assert.equal(forcedTool({ ...base, toolChoice: { type: "auto" } }), null);
});
