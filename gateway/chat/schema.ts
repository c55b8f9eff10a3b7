// Validation of the OpenAI chat completions body. The one place that decides which fields the
// gateway honours, which it accepts and ignores (sampling knobs), and which it refuses with a 400
// naming the field (tools, n > 1, logprobs, audio, remote images): refusing is better than silently
// answering a different question than the client asked.

import { z } from "zod";
import type { ChatMessage, ChatRequest, ContentPart, ReasoningEffort, ResponseFormat } from "./types";

/** A client mistake in the body. `param` is the field path, e.g. `messages[0].content[1].image_url`. */
export class ChatValidationError extends Error {
  override readonly name = "ChatValidationError";
  constructor(message: string, readonly param: string | null, readonly code: string = "invalid_value") {
    super(message);
  }
}

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

const body = z.looseObject({
  model: z.string().min(1),
  messages: z.array(message).min(1, { error: "must contain at least one message" }),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
  reasoning_effort: z.enum(EFFORTS).nullish(),
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
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new ChatValidationError("The request body must be a JSON object.", null, "invalid_body");
  }
  const obj = raw as Record<string, unknown>;
  refuseUnsupported(obj);
  const parsed = body.safeParse(obj);
  if (!parsed.success) throw toValidationError(parsed.error.issues);
  const b = parsed.data;
  const messages = b.messages.map((m, i) => toMessage(m, i));
  if (messages[messages.length - 1]!.role !== "user") {
    throw new ChatValidationError(
      `The last message must have role 'user' (got '${messages[messages.length - 1]!.role}').`,
      "messages",
    );
  }
  const stream = b.stream === true;
  const req: ChatRequest = {
    model: b.model,
    messages,
    stream,
    includeUsage: stream && b.stream_options?.include_usage === true,
    raw: obj,
  };
  if (b.reasoning_effort) req.reasoningEffort = b.reasoning_effort as ReasoningEffort;
  const rf = toResponseFormat(b.response_format);
  if (rf) req.responseFormat = rf;
  return req;
}

/** Fields whose meaning the gateway cannot honour: a clear 400 beats a silently different answer. */
function refuseUnsupported(obj: Record<string, unknown>): void {
  const present = (k: string) => obj[k] !== undefined && obj[k] !== null;
  if (Array.isArray(obj.tools) ? obj.tools.length > 0 : present("tools")) {
    throw unsupported("tools", "Tool calling is not supported by codex-lanes.");
  }
  if (present("tool_choice") && obj.tool_choice !== "none") {
    throw unsupported("tool_choice", "Tool calling is not supported by codex-lanes.");
  }
  for (const k of ["functions", "function_call"]) {
    if (present(k)) throw unsupported(k, "Function calling is not supported by codex-lanes.");
  }
  if (typeof obj.n === "number" && obj.n > 1) throw unsupported("n", "Only n = 1 is supported.");
  if (obj.logprobs === true) throw unsupported("logprobs", "logprobs are not available from Codex lanes.");
  if (present("top_logprobs")) throw unsupported("top_logprobs", "logprobs are not available from Codex lanes.");
  if (present("audio")) throw unsupported("audio", "Audio output is not supported.");
  if (Array.isArray(obj.modalities) && obj.modalities.includes("audio")) {
    throw unsupported("modalities", "Audio output is not supported; use modalities ['text'].");
  }
}

function unsupported(param: string, message: string): ChatValidationError {
  return new ChatValidationError(message, param, "unsupported_parameter");
}

function toMessage(m: Body["messages"][number], i: number): ChatMessage {
  const at = `messages[${i}]`;
  const role = m.role;
  if (role === "tool" || role === "function") {
    throw unsupported(`${at}.role`, `Role '${role}' is not supported: tool calling is not supported by codex-lanes.`);
  }
  if (role !== "system" && role !== "developer" && role !== "user" && role !== "assistant") {
    throw new ChatValidationError(
      `Invalid value for '${at}.role': expected one of system, developer, user, assistant.`,
      `${at}.role`,
    );
  }
  const extra = m as Record<string, unknown>;
  if (role === "assistant") {
    if (Array.isArray(extra.tool_calls) ? extra.tool_calls.length > 0 : extra.tool_calls != null) {
      throw unsupported(`${at}.tool_calls`, "Tool calls are not supported by codex-lanes.");
    }
    if (extra.function_call != null) throw unsupported(`${at}.function_call`, "Function calls are not supported.");
  }
  if (m.content == null) {
    if (role === "assistant") return { role, content: [] };
    throw new ChatValidationError(`Missing required parameter: '${at}.content'.`, `${at}.content`, "missing_required_parameter");
  }
  if (typeof m.content === "string") return { role, content: [{ type: "text", text: m.content }] };
  return { role, content: m.content.map((p, j) => toPart(p, role, `${at}.content[${j}]`)) };
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

// ---- zod issues -> one message naming one field -------------------------------------------------

type Issue = z.core.$ZodIssue;

function toValidationError(issues: readonly Issue[], prefix = ""): ChatValidationError {
  const issue = deepest(issues[0]!);
  const path = joinPath(prefix, issue.path);
  const param = path || null;
  if (issue.code === "invalid_type" && /received undefined/.test(issue.message)) {
    return new ChatValidationError(`Missing required parameter: '${path}'.`, param, "missing_required_parameter");
  }
  const what = issue.message.replace(/^Invalid input: /, "");
  return new ChatValidationError(`Invalid value for '${path || "body"}': ${what}.`, param, "invalid_value");
}

/** A union's top issue says only "Invalid input"; the branch that got furthest says what is wrong. */
function deepest(issue: Issue): Issue {
  if (issue.code !== "invalid_union" || issue.errors.length === 0) return issue;
  let best: Issue | null = null;
  for (const branch of issue.errors) {
    const first = branch[0];
    if (first && (!best || first.path.length > best.path.length)) best = first;
  }
  if (!best || best.path.length === 0) {
    return { ...issue, message: unionMessage(issue) } as Issue;
  }
  const inner = deepest(best);
  return { ...inner, path: [...issue.path, ...inner.path] } as Issue;
}

function unionMessage(issue: Issue): string {
  const last = issue.path[issue.path.length - 1];
  return last === "content" ? "expected a string or an array of content parts" : "value has the wrong type";
}

function joinPath(prefix: string, path: readonly PropertyKey[]): string {
  let out = prefix;
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out ? `.${String(seg)}` : String(seg);
  }
  return out;
}
