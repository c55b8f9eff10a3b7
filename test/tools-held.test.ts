// A Codex turn that ends asking for client tools is held open; the follow-up that carries exactly
// those calls' results continues it on the same thread instead of starting a new one. Asserted on
// what a client sees (the same answers either way) and on what the fake backend receives (the
// follow-up's model request on the very thread that asked for the calls, with the call and its
// output in the model's input).

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import OpenAI from "openai";
import type { ChatCompletionMessageParam, ChatCompletionTool } from "openai/resources/chat/completions";
import type { ChatRequest } from "../gateway/chat/types";
import { HeldTurns, fingerprint } from "../gateway/codex/held-turns";
import { NO_REPLY } from "../gateway/codex/rpc";
import { startFakeChatGPT, type FakeChatGPT } from "./fakes/chatgpt";
import { accountLane, Teardown } from "./helpers/fixture";
import { startTestGateway, testConfig, type TestGateway } from "./helpers/gateway";

const tool = (name: string, prop: string): ChatCompletionTool => ({
  type: "function",
  function: { name, description: `${name} tool`, parameters: { type: "object", properties: { [prop]: { type: "string" } }, required: [prop] } },
});
const WEATHER = tool("get_weather", "city");
const TIME = tool("get_time", "zone");

for (const mode of ["local", "worker"] as const)
  describe(`held tool turns (${mode} lane)`, () => {
    let chatgpt: FakeChatGPT;
    const gws = new Map<string, { gw: TestGateway; client: OpenAI; acct: string }>();
    const td = new Teardown();

    before(async () => {
      chatgpt = await td.start(startFakeChatGPT());
      // One gateway at the default hold, one that never holds, each on its own account.
      for (const [name, hold] of [["held", undefined], ["stateless", 0]] as const) {
        const lane = await accountLane(td, chatgpt, `${mode}-${name}`, mode, hold === undefined ? {} : { toolHoldMs: hold });
        const limits = { ...testConfig("", []).limits, ...(hold === undefined ? {} : { toolHoldMs: hold }) };
        const gw = await startTestGateway(td, { lanes: [lane], config: { limits } });
        gws.set(name, { gw, client: new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 }), acct: `acct-${mode}-${name}` });
      }
    });

    after(() => td.run());

    /** Sends the call, then the follow-up (optionally edited); returns the answer and what the follow-up cost upstream. */
    async function roundTrip(which: "held" | "stateless", text: string, edit?: (m: ChatCompletionMessageParam[]) => ChatCompletionMessageParam[]) {
      const { gw, client, acct } = gws.get(which)!;
      const tools = [WEATHER, TIME];
      const messages: ChatCompletionMessageParam[] = [{ role: "system", content: "Use the tools." }, { role: "user", content: text }];
      const first = await client.chat.completions.create({ model: "gpt-5.5", messages, tools });
      const msg = first.choices[0]!.message;
      assert.equal(first.choices[0]!.finish_reason, "tool_calls");
      messages.push(msg, ...msg.tool_calls!.map((c, i) => ({ role: "tool" as const, tool_call_id: c.id, content: `result ${i}` })));
      const callThread = chatgpt.requestsFor(acct).at(-1)!.headers["thread-id"];
      const before = chatgpt.requestsFor(acct).length;
      const { data: second, response } = await client.chat.completions.create({ model: "gpt-5.5", messages: edit ? edit(messages) : messages, tools }).withResponse();
      const reqs = chatgpt.requestsFor(acct).slice(before);
      const row = gw.requests().get(response.headers.get("x-request-id")!)!;
      return {
        calls: msg.tool_calls!,
        answer: second.choices[0]!.message.content,
        finish: second.choices[0]!.finish_reason,
        /** The follow-up's model request went out on the thread (and WebSocket) that asked for the calls. */
        sameThread: reqs.at(-1)!.headers["thread-id"] === callThread,
        modelInput: reqs.at(-1)!.fullInput as Array<Record<string, unknown>>,
        modelRequests: reqs.length,
        /** The thread the request log says carried the follow-up. */
        thread: row.attempts.at(-1)?.thread,
      };
    }

    test("the follow-up with exactly the calls' results continues the held turn: the same answer, no new thread", async () => {
      const held = await roundTrip("held", "weather please");
      const stateless = await roundTrip("stateless", "weather please");
      assert.equal(held.answer, "tool results: result 0");
      assert.equal(held.answer, stateless.answer, "continuing answers as the stateless path does");
      assert.equal(held.finish, "stop");
      assert.equal(held.modelRequests, 1, "one model request for the follow-up");
      assert.equal(held.sameThread, true, "the held thread went on: no new thread, connection or warm-up");
      assert.equal(stateless.sameThread, false, "the stateless follow-up ran on another thread");
      assert.equal(held.thread, "held", "the request log says the held turn went on");
      assert.ok(stateless.thread === "new" || stateless.thread === "ready", `the stateless follow-up's thread: ${stateless.thread}`);
      const tail = held.modelInput.slice(-2);
      assert.deepEqual(tail.map((i) => i.type), ["function_call", "function_call_output"]);
      assert.equal(tail[0]!.call_id, held.calls[0]!.id);
      assert.equal(tail[1]!.call_id, held.calls[0]!.id);
      assert.equal(tail[1]!.output, "result 0", "the client's result reached the model");
    });

    test("parallel calls: the follow-up with both results continues the turn", async () => {
      const held = await roundTrip("held", "PARALLEL weather and time");
      assert.equal(held.calls.length, 2);
      assert.equal(held.answer, "tool results: result 0 | result 1");
      assert.equal(held.sameThread, true);
    });

    test("a follow-up that is not exactly the held conversation goes stateless, and answers", async () => {
      const editedUser = await roundTrip("held", "weather in Rome", (m) => m.map((x) => (x.role === "user" ? { ...x, content: "weather in Oslo" } : x)));
      assert.equal(editedUser.answer, "tool results: result 0");
      assert.equal(editedUser.sameThread, false, "an edited user message is not the held turn's conversation");
      const oneCall = await roundTrip("held", "PARALLEL weather and time", (m) =>
        m.slice(0, -1).map((x) => (x.role === "assistant" && x.tool_calls ? { ...x, tool_calls: x.tool_calls.slice(0, 1) } : x)),
      );
      assert.equal(oneCall.answer, "tool results: result 0");
      assert.equal(oneCall.sameThread, false, "a follow-up that drops one of the held calls starts afresh");
      const editedResultText = await roundTrip("held", "weather again", (m) => m.map((x) => (x.role === "assistant" ? { ...x, content: "I changed this" } : x)));
      assert.equal(editedResultText.sameThread, false, "an edited assistant message is not what the model wrote");
    });

    test("after the tool loop's answer, the next user message goes on in the same thread, and the model sees the whole conversation", async () => {
      const { client, acct } = gws.get("held")!;
      const tools = [WEATHER, TIME];
      const messages: ChatCompletionMessageParam[] = [{ role: "system", content: "Use the tools." }, { role: "user", content: "weather then chat" }];
      const first = await client.chat.completions.create({ model: "gpt-5.5", messages, tools });
      const msg = first.choices[0]!.message;
      messages.push(msg, ...msg.tool_calls!.map((c) => ({ role: "tool" as const, tool_call_id: c.id, content: "sunny" })));
      const thread = chatgpt.requestsFor(acct).at(-1)!.headers["thread-id"];
      const second = await client.chat.completions.create({ model: "gpt-5.5", messages, tools });
      messages.push(second.choices[0]!.message, { role: "user", content: "NO_TOOL thanks" });
      // Counted for this thread only: other threads (a ready one refilling) may connect meanwhile.
      const socketsOf = (threadId: string | undefined) => chatgpt.calls.filter((c) => c.method === "WS" && c.threadId === threadId).length;
      const sockets = socketsOf(thread);
      assert.ok(sockets >= 1, "the thread's own WebSocket is seen");
      const third = await client.chat.completions.create({ model: "gpt-5.5", messages, tools });
      assert.equal(third.choices[0]!.message.content, "echo: NO_TOOL thanks");
      const last = chatgpt.requestsFor(acct).at(-1)!;
      assert.equal(last.headers["thread-id"], thread, "the tool loop's thread answered the next message");
      assert.equal(socketsOf(thread), sockets, "no new connection");
      const seen = (last.fullInput as Array<Record<string, unknown>>)
        .filter((i) => i.type !== "reasoning" && i.role !== "developer")
        .map((i) => (i.type === "message" ? `${i.role as string}: ${(i.content as Array<{ text: string }>).map((c) => c.text).join("")}` : i.type === "function_call_output" ? `output: ${i.output as string}` : (i.type as string)));
      assert.deepEqual(seen, ["user: weather then chat", "function_call", "output: sunny", `assistant: ${second.choices[0]!.message.content}`, "user: NO_TOOL thanks"]);
    });
  });

describe("HeldTurns", () => {
  const req = (messages: ChatRequest["messages"]): ChatRequest => ({ model: "m", messages, stream: false, includeUsage: false, tools: [{ name: "f", description: "", parameters: {}, strict: false }] });
  const user = { role: "user" as const, content: [{ type: "text" as const, text: "hi" }] };
  const call = { id: "call_1", name: "f", arguments: "{}" };
  const followUp = req([user, { role: "assistant", content: [], toolCalls: [call] }, { role: "tool", toolCallId: "call_1", content: [{ type: "text", text: "42" }] }]);

  test("a hold nobody takes is released when its time runs out, and Codex's pending call is left unanswered", async (t) => {
    t.mock.timers.enable({ apis: ["setTimeout"] });
    const turns = new HeldTurns(1_000);
    let released = 0;
    const pending = turns.answerFor("th", "call_1");
    turns.hold({ threadId: "th", turnId: "tu", calls: [call], text: "", fingerprint: fingerprint(req([user])) }, () => released++);
    t.mock.timers.tick(999);
    assert.equal(released, 0);
    t.mock.timers.tick(1);
    assert.equal(released, 1);
    assert.equal(await pending, NO_REPLY);
    assert.equal(turns.take(followUp), null, "a released hold cannot be continued");
  });

  test("a taken hold answers Codex's call with the client's result, whichever comes first", async () => {
    const turns = new HeldTurns(60_000);
    turns.hold({ threadId: "th", turnId: "tu", calls: [call], text: "", fingerprint: fingerprint(req([user])) }, () => assert.fail("released"));
    const taken = turns.take(followUp)!;
    assert.ok(taken);
    turns.answer("th", taken.results); // before Codex's item/tool/call arrived
    assert.deepEqual(await turns.answerFor("th", "call_1"), { contentItems: [{ type: "inputText", text: "42" }], success: true });
    assert.equal(turns.take(followUp), null, "a hold is continued once");
  });

  test("a follow-up with other tools or another model is not the held turn's", () => {
    const turns = new HeldTurns(60_000);
    turns.hold({ threadId: "th", turnId: "tu", calls: [call], text: "", fingerprint: fingerprint(req([user])) }, () => {});
    assert.equal(turns.take({ ...followUp, model: "other" }), null);
    assert.equal(turns.take({ ...followUp, tools: [{ name: "g", description: "", parameters: {}, strict: false }] }), null);
    assert.ok(turns.take(followUp));
    turns.releaseAll();
  });
});

