// Validation of the OpenAI Responses API body (POST /v1/responses). Like schema.ts for chat: what
// is honoured, what is accepted and ignored, and what gets a 400 naming the field. The result is
// the same ChatRequest every lane receives; the conversation of a previous_response_id is joined
// in by the caller (it lives in the store), through buildResponsesRequest.

import { z } from "zod";
import { ChatValidationError, parseBody, toValidationError, unsupported } from "./errors";
import { itemsToChat, type ConversationItem, type ItemContent } from "./items";
import { checkToolChoice, checkToolHistory, checkToolName, checkUniqueNames } from "./tools";
import type { ChatRequest, ReasoningEffort, ResponseFormat, ToolChoice, ToolSpec } from "./types";

/** Hosted tools run on OpenAI's side; a Codex lane has none of them, so they are refused by name. */
const HOSTED_TOOLS = new Set([
  "web_search", "web_search_preview", "web_search_2025_08_26", "web_search_preview_2025_03_11", "file_search",
  "code_interpreter", "computer", "computer_use", "computer_use_preview", "mcp", "image_generation",
  "local_shell", "shell", "apply_patch", "custom",
]);

const EFFORTS = ["none", "minimal", "low", "medium", "high", "xhigh"] as const;

const functionTool = z.looseObject({
  type: z.literal("function"),
  name: z.string(),
  description: z.string().nullish(),
  parameters: z.record(z.string(), z.unknown()).nullish(),
  strict: z.boolean().nullish(),
});

const toolChoice = z.union([z.enum(["none", "auto", "required"]), z.looseObject({ type: z.literal("function"), name: z.string() })]);

const textFormat = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("text") }),
  z.looseObject({ type: z.literal("json_object") }),
  z.looseObject({
    type: z.literal("json_schema"),
    name: z.string().min(1),
    schema: z.record(z.string(), z.unknown()),
    strict: z.boolean().nullish(),
    description: z.string().nullish(),
  }),
]);

const nullableNumber = z.number().nullish();

const body = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.looseObject({ type: z.string().optional() }))]),
  instructions: z.string().nullish(),
  stream: z.boolean().nullish(),
  tools: z.array(z.looseObject({ type: z.string() })).nullish(),
  tool_choice: toolChoice.nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  text: z.looseObject({ format: textFormat.nullish(), verbosity: z.string().nullish() }).nullish(),
  reasoning: z.looseObject({ effort: z.enum(EFFORTS).nullish(), summary: z.string().nullish() }).nullish(),
  previous_response_id: z.string().min(1).nullish(),
  store: z.boolean().nullish(),
  // Accepted and ignored: bookkeeping and sampling knobs a Codex turn has no equivalent for (the
  // API-key lane forwards them).
  include: z.array(z.string()).nullish(),
  metadata: z.record(z.string(), z.unknown()).nullish(),
  prompt_cache_key: z.string().nullish(),
  max_output_tokens: z.number().int().nullish(),
  temperature: nullableNumber,
  top_p: nullableNumber,
  truncation: z.string().nullish(),
  user: z.string().nullish(),
  service_tier: z.string().nullish(),
  safety_identifier: z.string().nullish(),
});

/** The validated parts of a Responses body, before any stored conversation is joined in. */
export interface ResponsesBody {
  model: string;
  stream: boolean;
  instructions: string | null;
  /** The body's `input` as conversation items. */
  input: ConversationItem[];
  tools: ToolSpec[];
  toolChoice: ToolChoice | null;
  parallelToolCalls: boolean | null;
  responseFormat: ResponseFormat | null;
  reasoningEffort: ReasoningEffort | null;
  previousResponseId: string | null;
  /** false: do not keep the response for previous_response_id and GET. */
  store: boolean;
  raw: Record<string, unknown>;
}

export function parseResponsesBody(raw: unknown): ResponsesBody {
  const b = parseBody(raw, body, refuseUnsupported);
  const tools = (b.tools ?? []).map((t, i) => toToolSpec(t, `tools[${i}]`));
  checkUniqueNames(tools, (i) => `tools[${i}].name`);
  const choice: ToolChoice | null = b.tool_choice == null ? null : typeof b.tool_choice === "string" ? { type: b.tool_choice } : { type: "function", name: b.tool_choice.name };
  if (choice) checkToolChoice(choice, tools, "tool_choice");
  const input = typeof b.input === "string" ? [userText(b.input)] : b.input.map((item, i) => toItem(item, `input[${i}]`));
  if (input.length === 0) throw new ChatValidationError("Invalid value for 'input': it must not be empty.", "input");
  return {
    model: b.model,
    stream: b.stream === true,
    instructions: b.instructions ?? null,
    input,
    tools,
    toolChoice: choice,
    parallelToolCalls: b.parallel_tool_calls ?? null,
    responseFormat: toFormat(b.text?.format),
    reasoningEffort: (b.reasoning?.effort as ReasoningEffort | undefined) ?? null,
    previousResponseId: b.previous_response_id ?? null,
    store: b.store !== false,
    raw: raw as Record<string, unknown>,
  };
}

/**
 * The request every lane receives: instructions first (as a developer message), then the stored
 * conversation of previous_response_id, then this body's input. The API-key lane forwards the
 * client's body with that conversation spelled out, since OpenAI does not know our response ids.
 */
export function buildResponsesRequest(b: ResponsesBody, history: readonly ConversationItem[] = []): ChatRequest {
  const conversation = [...history, ...b.input];
  const messages = itemsToChat(conversation);
  const where = (i: number) => (i < itemsToChat(history).length ? "previous_response_id" : "input");
  checkToolHistory(messages, where);
  const last = messages[messages.length - 1]!;
  if (last.role !== "user" && last.role !== "tool") {
    throw new ChatValidationError(
      `The input must end with a user message or a function_call_output (got ${last.role === "assistant" ? "an assistant message or function_call" : `a ${last.role} message`}).`,
      "input",
    );
  }
  if (b.instructions) messages.unshift({ role: "developer", content: [{ type: "text", text: b.instructions }] });
  const raw: Record<string, unknown> = { ...b.raw };
  if (history.length > 0) {
    raw.input = [...history, ...(Array.isArray(b.raw.input) ? (b.raw.input as unknown[]) : [{ role: "user", content: b.raw.input }])];
    delete raw.previous_response_id;
  }
  const req: ChatRequest = { model: b.model, messages, stream: b.stream, includeUsage: b.stream, raw, endpoint: "responses" };
  if (b.tools.length > 0) req.tools = b.tools;
  if (b.toolChoice) req.toolChoice = b.toolChoice;
  if (b.parallelToolCalls !== null) req.parallelToolCalls = b.parallelToolCalls;
  if (b.responseFormat) req.responseFormat = b.responseFormat;
  if (b.reasoningEffort) req.reasoningEffort = b.reasoningEffort;
  return req;
}

function refuseUnsupported(obj: Record<string, unknown>): void {
  const present = (k: string) => obj[k] !== undefined && obj[k] !== null;
  if (obj.background === true) throw unsupported("background", "Background responses are not supported; send the request without 'background'.");
  if (present("conversation")) throw unsupported("conversation", "Conversations are not supported; chain responses with 'previous_response_id' instead.");
  if (present("prompt")) throw unsupported("prompt", "Stored prompt templates are not supported; send 'instructions' and 'input' instead.");
  if (Array.isArray(obj.tools)) {
    obj.tools.forEach((t, i) => {
      const type = (t as { type?: unknown })?.type;
      if (typeof type === "string" && HOSTED_TOOLS.has(type)) {
        throw unsupported(`tools[${i}].type`, `The hosted tool '${type}' is not supported: Codex lanes cannot run OpenAI's hosted tools. Offer a function tool instead.`);
      }
    });
  }
}

function toToolSpec(t: { type: string }, at: string): ToolSpec {
  if (t.type !== "function") throw unsupported(`${at}.type`, `Tool type '${t.type}' is not supported: only 'function' tools are.`);
  const r = functionTool.safeParse(t);
  if (!r.success) throw toValidationError(r.error.issues, at);
  checkToolName(r.data.name, `${at}.name`);
  return { name: r.data.name, description: r.data.description ?? null, parameters: r.data.parameters ?? { type: "object", properties: {} }, strict: r.data.strict !== false };
}

function toFormat(f: z.infer<typeof textFormat> | null | undefined): ResponseFormat | null {
  if (!f) return null;
  if (f.type === "json_schema") return { type: "json_schema", name: f.name, schema: f.schema, strict: f.strict === true };
  return { type: f.type };
}

// ---- input items ------------------------------------------------------------------------------

const ROLES = ["user", "assistant", "system", "developer"] as const;

const messageItem = z.looseObject({
  type: z.literal("message").optional(),
  role: z.enum(ROLES),
  content: z.union([z.string(), z.array(z.looseObject({ type: z.string() }))]),
});
const functionCallItem = z.looseObject({ type: z.literal("function_call"), call_id: z.string().min(1), name: z.string(), arguments: z.string() });
const functionCallOutputItem = z.looseObject({
  type: z.literal("function_call_output"),
  call_id: z.string().min(1),
  output: z.union([z.string(), z.array(z.looseObject({ type: z.string(), text: z.string().optional() }))]),
});

function userText(text: string): ConversationItem {
  return { type: "message", role: "user", content: [{ type: "input_text", text }] };
}

function toItem(item: { type?: string }, at: string): ConversationItem {
  const type = item.type ?? "message";
  if (type === "message") {
    const r = messageItem.safeParse(item);
    if (!r.success) throw toValidationError(r.error.issues, at);
    const { role, content } = r.data;
    const textType = role === "assistant" ? "output_text" : "input_text";
    const parts = typeof content === "string" ? [{ type: textType, text: content } as ItemContent] : content.map((p, j) => toContent(p, role, `${at}.content[${j}]`));
    return { type: "message", role, content: parts };
  }
  if (type === "function_call") {
    const r = functionCallItem.safeParse(item);
    if (!r.success) throw toValidationError(r.error.issues, at);
    return { type: "function_call", call_id: r.data.call_id, name: r.data.name, arguments: r.data.arguments };
  }
  if (type === "function_call_output") {
    const r = functionCallOutputItem.safeParse(item);
    if (!r.success) throw toValidationError(r.error.issues, at);
    const out = r.data.output;
    return { type: "function_call_output", call_id: r.data.call_id, output: typeof out === "string" ? out : out.map((p) => p.text ?? "").join("") };
  }
  throw unsupported(`${at}.type`, `Input items of type '${type}' are not supported: send messages, function_call and function_call_output items.`);
}

function toContent(p: { type: string } & Record<string, unknown>, role: (typeof ROLES)[number], at: string): ItemContent {
  if (p.type === "input_text" || p.type === "output_text" || p.type === "refusal") {
    const text = p.type === "refusal" ? p.refusal : p.text;
    if (typeof text !== "string") throw new ChatValidationError(`Missing required parameter: '${at}.${p.type === "refusal" ? "refusal" : "text"}'.`, `${at}.text`, "missing_required_parameter");
    return { type: role === "assistant" ? "output_text" : "input_text", text };
  }
  if (p.type === "input_image") {
    if (role !== "user") throw new ChatValidationError(`Images are only allowed in user messages ('${at}').`, `${at}.type`);
    const url = p.image_url;
    if (typeof url !== "string" || !/^data:image\/[a-z0-9.+-]+;base64,/i.test(url)) {
      throw new ChatValidationError(
        "Only images sent inline as data: URLs (data:image/...;base64,...) are supported; remote image URLs and file ids are not fetched.",
        `${at}.image_url`,
        "unsupported_parameter",
      );
    }
    return { type: "input_image", image_url: url };
  }
  throw unsupported(`${at}.type`, `Content part type '${p.type}' is not supported here: send input_text, output_text or input_image.`);
}
