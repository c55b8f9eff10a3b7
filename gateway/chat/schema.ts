// Validation of the OpenAI chat completions body. The one place that decides which fields the
// gateway honours (function tools included), which it accepts and ignores (sampling knobs), and
// which it refuses with a 400 naming the field (hosted tools, legacy functions, n > 1, logprobs,
// audio, remote images): refusing is better than silently answering a different question than the
// client asked.

import { z } from "zod";
import { ChatValidationError, parseBody, toValidationError, unsupported } from "./errors";
import { checkToolChoice, checkToolHistory, checkToolName, checkUniqueNames } from "./tools";
import type { ChatMessage, ChatRequest, ContentPart, ResponseFormat, ToolCall, ToolChoice, ToolSpec } from "./types";

export { ChatValidationError } from "./errors";

const EFFORTS = ["none", "minimal", "low", "medium", "high", "xhigh"] as const;

const textPart = z.looseObject({ type: z.literal("text"), text: z.string() });
const imagePart = z.looseObject({
  type: z.literal("image_url"),
  image_url: z.union([z.looseObject({ url: z.string(), detail: z.string().nullish() }), z.string()]),
});
const refusalPart = z.looseObject({ type: z.literal("refusal"), refusal: z.string() });
const anyPart = z.looseObject({ type: z.string() });

const message = z.looseObject({
  role: z.string(),
  content: z.union([z.string(), z.array(anyPart)]).nullish(),
  name: z.string().nullish(),
});

const nullableNumber = z.number().nullish();

const functionTool = z.looseObject({
  type: z.literal("function"),
  function: z.looseObject({
    name: z.string(),
    description: z.string().nullish(),
    parameters: z.record(z.string(), z.unknown()).nullish(),
    strict: z.boolean().nullish(),
  }),
});

const toolChoice = z.union([
  z.enum(["none", "auto", "required"]),
  z.looseObject({ type: z.literal("function"), function: z.looseObject({ name: z.string() }) }),
]);

const toolCall = z.looseObject({
  id: z.string().min(1),
  type: z.literal("function"),
  function: z.looseObject({ name: z.string(), arguments: z.string() }),
});

const body = z.looseObject({
  model: z.string().min(1),
  messages: z.array(message).min(1, { error: "must contain at least one message" }),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
  reasoning_effort: z.enum(EFFORTS).nullish(),
  tools: z.array(z.looseObject({ type: z.string() })).nullish(),
  tool_choice: toolChoice.nullish(),
  response_format: z
    .discriminatedUnion("type", [
      z.looseObject({ type: z.literal("text") }),
      z.looseObject({ type: z.literal("json_object") }),
      z.looseObject({
        type: z.literal("json_schema"),
        json_schema: z.looseObject({
          name: z.string().min(1),
          schema: z.record(z.string(), z.unknown()),
          strict: z.boolean().nullish(),
          description: z.string().nullish(),
        }),
      }),
    ])
    .nullish(),
  // Accepted and ignored: sampling and bookkeeping knobs a Codex turn has no equivalent for.
  temperature: nullableNumber,
  top_p: nullableNumber,
  max_tokens: z.number().int().nullish(),
  max_completion_tokens: z.number().int().nullish(),
  presence_penalty: nullableNumber,
  frequency_penalty: nullableNumber,
  seed: z.number().int().nullish(),
  stop: z.union([z.string(), z.array(z.string())]).nullish(),
  user: z.string().nullish(),
  metadata: z.record(z.string(), z.unknown()).nullish(),
  store: z.boolean().nullish(),
  service_tier: z.string().nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  logit_bias: z.record(z.string(), z.number()).nullish(),
  n: z.number().int().min(1).nullish(),
  logprobs: z.boolean().nullish(),
  modalities: z.array(z.string()).nullish(),
});

type Body = z.infer<typeof body>;

/** Parse a decoded JSON body into the request every lane receives; throws ChatValidationError. */
export function parseChatRequest(raw: unknown): ChatRequest {
  const b = parseBody(raw, body, refuseUnsupported);
  const messages = b.messages.map((m, i) => toMessage(m, i));
  const lastRole = messages[messages.length - 1]!.role;
  if (lastRole !== "user" && lastRole !== "tool") {
    throw new ChatValidationError(`The last message must have role 'user' or 'tool' (got '${lastRole}').`, "messages");
  }
  checkToolHistory(messages, (i) => `messages[${i}]`);
  const stream = b.stream === true;
  const req: ChatRequest = {
    model: b.model,
    messages,
    stream,
    includeUsage: stream && b.stream_options?.include_usage === true,
    raw: raw as Record<string, unknown>,
  };
  if (b.reasoning_effort) req.reasoningEffort = b.reasoning_effort;
  const rf = toResponseFormat(b.response_format);
  if (rf) req.responseFormat = rf;
  addTools(req, b);
  return req;
}

function addTools(req: ChatRequest, b: Body): void {
  const tools = (b.tools ?? []).map((t, i) => toToolSpec(t, `tools[${i}]`));
  checkUniqueNames(tools, (i) => `tools[${i}].function.name`);
  if (tools.length > 0) req.tools = tools;
  if (b.tool_choice != null) {
    const choice: ToolChoice = typeof b.tool_choice === "string" ? { type: b.tool_choice } : { type: "function", name: b.tool_choice.function.name };
    checkToolChoice(choice, tools, "tool_choice");
    req.toolChoice = choice;
  }
  if (typeof b.parallel_tool_calls === "boolean") req.parallelToolCalls = b.parallel_tool_calls;
}

function toToolSpec(t: { type: string }, at: string): ToolSpec {
  if (t.type !== "function") {
    throw unsupported(`${at}.type`, `Tool type '${t.type}' is not supported: only 'function' tools are.`);
  }
  const r = functionTool.safeParse(t);
  if (!r.success) throw toValidationError(r.error.issues, at);
  const f = r.data.function;
  checkToolName(f.name, `${at}.function.name`);
  return { name: f.name, description: f.description ?? null, parameters: f.parameters ?? { type: "object", properties: {} }, strict: f.strict === true };
}

/** Fields whose meaning the gateway cannot honour: a clear 400 beats a silently different answer. */
function refuseUnsupported(obj: Record<string, unknown>): void {
  // The legacy function-calling fields were replaced by tools years ago; name the replacement.
  if (present(obj, "functions")) throw unsupported("functions", "'functions' is deprecated and not supported: send the same definitions as 'tools' ([{type:'function', function:{...}}]).");
  if (present(obj, "function_call")) throw unsupported("function_call", "'function_call' is deprecated and not supported: use 'tool_choice' ('auto', 'none', 'required' or {type:'function', function:{name}}).");
  if (typeof obj.n === "number" && obj.n > 1) throw unsupported("n", "Only n = 1 is supported.");
  if (obj.logprobs === true) throw unsupported("logprobs", "logprobs are not available from Codex lanes.");
  if (present(obj, "top_logprobs")) throw unsupported("top_logprobs", "logprobs are not available from Codex lanes.");
  if (present(obj, "audio")) throw unsupported("audio", "Audio output is not supported.");
  if (Array.isArray(obj.modalities) && obj.modalities.includes("audio")) {
    throw unsupported("modalities", "Audio output is not supported; use modalities ['text'].");
  }
}

function present(obj: Record<string, unknown>, k: string): boolean {
  return obj[k] !== undefined && obj[k] !== null;
}

function toMessage(m: Body["messages"][number], i: number): ChatMessage {
  const at = `messages[${i}]`;
  const role = m.role;
  if (role === "function") {
    throw unsupported(`${at}.role`, "Role 'function' is deprecated and not supported: send the result as role 'tool' with the call's 'tool_call_id'.");
  }
  if (role === "tool") return toToolMessage(m, at);
  if (role !== "system" && role !== "developer" && role !== "user" && role !== "assistant") {
    throw new ChatValidationError(
      `Invalid value for '${at}.role': expected one of system, developer, user, assistant, tool.`,
      `${at}.role`,
    );
  }
  const extra = m as Record<string, unknown>;
  let toolCalls: ToolCall[] | undefined;
  if (role === "assistant") {
    if (extra.function_call != null) {
      throw unsupported(`${at}.function_call`, "'function_call' in messages is deprecated and not supported: send 'tool_calls' instead.");
    }
    toolCalls = toToolCalls(extra.tool_calls, at);
  }
  if (m.content == null) {
    if (role === "assistant") return toolCalls ? { role, content: [], toolCalls } : { role, content: [] };
    throw new ChatValidationError(`Missing required parameter: '${at}.content'.`, `${at}.content`, "missing_required_parameter");
  }
  const content: ContentPart[] =
    typeof m.content === "string"
      ? m.content === "" && toolCalls ? [] : [{ type: "text", text: m.content }]
      : m.content.map((p, j) => toPart(p, role, `${at}.content[${j}]`));
  return toolCalls ? { role, content, toolCalls } : { role, content };
}

function toToolCalls(raw: unknown, at: string): ToolCall[] | undefined {
  if (raw == null || (Array.isArray(raw) && raw.length === 0)) return undefined;
  const r = z.array(toolCall).safeParse(raw);
  if (!r.success) throw toValidationError(r.error.issues, `${at}.tool_calls`);
  return r.data.map((c) => ({ id: c.id, name: c.function.name, arguments: c.function.arguments }));
}

/** A tool result: its text is the call's output; Codex takes one string per call. */
function toToolMessage(m: Body["messages"][number], at: string): ChatMessage {
  const id = (m as Record<string, unknown>).tool_call_id;
  if (typeof id !== "string" || id === "") {
    throw new ChatValidationError(`Missing required parameter: '${at}.tool_call_id'.`, `${at}.tool_call_id`, "missing_required_parameter");
  }
  if (m.content == null) {
    throw new ChatValidationError(`Missing required parameter: '${at}.content'.`, `${at}.content`, "missing_required_parameter");
  }
  const parts = typeof m.content === "string" ? [{ type: "text" as const, text: m.content }] : m.content.map((p, j) => toPart(p, "tool", `${at}.content[${j}]`));
  const text = parts.map((p) => (p.type === "text" ? p.text : "")).join("\n");
  return { role: "tool", toolCallId: id, content: [{ type: "text", text }] };
}

function toPart(p: { type: string }, role: ChatMessage["role"], at: string): ContentPart {
  if (p.type === "text") {
    const r = textPart.safeParse(p);
    if (!r.success) throw toValidationError(r.error.issues, at);
    return { type: "text", text: r.data.text };
  }
  if (p.type === "refusal" && role === "assistant") {
    const r = refusalPart.safeParse(p);
    if (!r.success) throw toValidationError(r.error.issues, at);
    return { type: "text", text: r.data.refusal };
  }
  if (p.type === "image_url") {
    if (role !== "user") {
      throw new ChatValidationError(`Images are only allowed in user messages ('${at}').`, `${at}.type`);
    }
    const r = imagePart.safeParse(p);
    if (!r.success) throw toValidationError(r.error.issues, at);
    const url = typeof r.data.image_url === "string" ? r.data.image_url : r.data.image_url.url;
    if (!/^data:image\/[a-z0-9.+-]+;base64,/i.test(url)) {
      throw new ChatValidationError(
        "Only images sent inline as data: URLs (data:image/...;base64,...) are supported; remote image URLs are not fetched.",
        `${at}.image_url`,
        "unsupported_parameter",
      );
    }
    return { type: "image", dataUrl: url };
  }
  throw new ChatValidationError(`Content part type '${p.type}' is not supported here.`, `${at}.type`, "unsupported_parameter");
}

function toResponseFormat(rf: Body["response_format"]): ResponseFormat | undefined {
  if (!rf) return undefined;
  if (rf.type === "json_schema") {
    const js = rf.json_schema;
    return { type: "json_schema", name: js.name, schema: js.schema, strict: js.strict === true };
  }
  return { type: rf.type };
}

