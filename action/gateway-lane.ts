// The gateway lane: one streamed POST /v1/chat/completions to a codex-lanes gateway. The answer is
// printed to the log a line at a time as it arrives. Failures are classified by gateway/lanes like
// any upstream: all_lanes_exhausted (429) or an unreachable gateway moves on; a 400 stops the run.

import type { Usage } from "../gateway/chat/types";
import { classifyHttp, type AttemptResult, type Outcome } from "../gateway/lanes";
import type { ActionInputs } from "./inputs";
import type { ActionIO } from "./io";
import { LineBuffer, type Log } from "./log";
import { failure, OK, type Served } from "./served";
import { ACTION_NAME } from "./version";

/** The model the gateway is asked for when the `model` input is empty (the gateway needs one). */
export const DEFAULT_GATEWAY_MODEL = "gpt-5.5";
export const LANE_HEADER = "x-codex-lanes-lane";

type GatewayInputs = Pick<ActionInputs, "gatewayUrl" | "gatewayKey" | "prompt" | "model" | "effort" | "outputSchema" | "timeoutMs">;

export function chatUrl(base: string): string {
  const b = base.replace(/\/+$/, "");
  return /\/v1$/.test(b) ? `${b}/chat/completions` : `${b}/v1/chat/completions`;
}

export function requestBody(inputs: GatewayInputs): Record<string, unknown> {
  const body: Record<string, unknown> = {
    model: inputs.model ?? DEFAULT_GATEWAY_MODEL,
    messages: [{ role: "user", content: inputs.prompt }],
    stream: true,
    stream_options: { include_usage: true },
  };
  if (inputs.effort) body.reasoning_effort = inputs.effort;
  if (inputs.outputSchema) {
    body.response_format = { type: "json_schema", json_schema: { name: "codex_output_schema", schema: inputs.outputSchema, strict: true } };
  }
  return body;
}

export async function gatewayAttempt(io: ActionIO, log: Log, inputs: GatewayInputs): Promise<AttemptResult<Served>> {
  const url = chatUrl(inputs.gatewayUrl!);
  const ctl = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ctl.abort();
  }, inputs.timeoutMs);
  try {
    log.info(`Sending the prompt to the gateway at ${new URL(url).origin}…`);
    const res = await io.fetch(url, {
      method: "POST",
      headers: {
        authorization: `Bearer ${inputs.gatewayKey}`,
        "content-type": "application/json",
        accept: "text/event-stream",
        "user-agent": ACTION_NAME,
      },
      body: JSON.stringify(requestBody(inputs)),
      signal: ctl.signal,
    });
    const headers = headerBag(res.headers);
    if (!res.ok) return { outcome: classifyHttp(res.status, await res.text().catch(() => ""), headers, io.now()) };
    const innerLane = res.headers.get(LANE_HEADER) ?? undefined;
    if (innerLane) log.info(`The gateway's lane "${innerLane}" is answering:`);
    const read = (res.headers.get("content-type") ?? "").includes("text/event-stream") ? readStream(res, log, io.now()) : readJson(res, log);
    const r = await read;
    if ("outcome" in r) return { outcome: r.outcome };
    return { outcome: OK, result: { text: r.text, usage: r.usage, innerLane } };
  } catch (err) {
    if (timedOut) return { outcome: failure("transient", "timeout", `The gateway did not finish within timeout-minutes (${inputs.timeoutMs / 60_000}).`) };
    return { outcome: unreachable(url, err) };
  } finally {
    clearTimeout(timer);
  }
}

type ReadResult = { text: string; usage: Usage | null } | { outcome: Outcome };

/** Reads the chat.completion.chunk stream to [DONE], printing the text as whole lines. */
async function readStream(res: Response, log: Log, now: number): Promise<ReadResult> {
  const lines = new LineBuffer((l) => log.info(l));
  let text = "";
  let usage: Usage | null = null;
  let done = false;
  let pending = "";
  const decoder = new TextDecoder();
  const reader = res.body!.getReader();
  const onData = (data: string): Outcome | undefined => {
    if (data === "[DONE]") {
      done = true;
      return undefined;
    }
    const chunk = parseJson(data);
    if (!chunk) return undefined;
    if (chunk.error) return streamError(chunk.error, now);
    const delta = (chunk.choices as Array<{ delta?: { content?: unknown } }> | undefined)?.[0]?.delta?.content;
    if (typeof delta === "string") {
      text += delta;
      lines.push(delta);
    }
    if (chunk.usage) usage = toUsage(chunk.usage);
    return undefined;
  };
  try {
    while (!done) {
      const { value, done: eof } = await reader.read();
      if (eof) break;
      pending += decoder.decode(value, { stream: true });
      let nl = pending.indexOf("\n");
      while (nl >= 0 && !done) {
        const line = pending.slice(0, nl).replace(/\r$/, "");
        pending = pending.slice(nl + 1);
        if (line.startsWith("data:")) {
          const failed = onData(line.slice(5).trim());
          if (failed) return { outcome: failed };
        }
        nl = pending.indexOf("\n");
      }
    }
  } finally {
    lines.flush();
    await reader.cancel().catch(() => {});
  }
  if (!done) return { outcome: failure("transient", "stream_incomplete", "The gateway's stream ended before the answer was complete.") };
  return { text, usage };
}

/** A gateway that answers without streaming (a proxy may buffer): one chat.completion. */
async function readJson(res: Response, log: Log): Promise<ReadResult> {
  const body = parseJson(await res.text());
  const content = (body?.choices as Array<{ message?: { content?: unknown } }> | undefined)?.[0]?.message?.content;
  if (typeof content !== "string") {
    return { outcome: failure("transient", "bad_response", "The gateway answered 200 without a chat completion; is gateway-url a codex-lanes gateway?") };
  }
  new LineBuffer((l) => log.info(l)).push(`${content}\n`);
  return { text: content, usage: body?.usage ? toUsage(body.usage) : null };
}

/** An error object sent after the stream began; its type stands in for the HTTP status it would have had. */
function streamError(err: unknown, now: number): Outcome {
  const e = (err ?? {}) as { type?: unknown; code?: unknown };
  const status = e.type === "invalid_request_error" ? 400 : e.type === "rate_limit_error" || e.code === "all_lanes_exhausted" ? 429 : 502;
  return classifyHttp(status, { error: err }, {}, now);
}

function unreachable(url: string, err: unknown): Outcome {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  const why = cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
  return failure("transient", "unreachable", `Cannot reach the gateway at ${new URL(url).origin} (${why}).`);
}

/** The usage object of a chat completion, as far as it is read here; any field may be missing or odd. */
interface ChatUsage {
  prompt_tokens?: unknown;
  completion_tokens?: unknown;
  prompt_tokens_details?: { cached_tokens?: unknown };
  completion_tokens_details?: { reasoning_tokens?: unknown };
}

function toUsage(usage: unknown): Usage {
  const u = usage as ChatUsage;
  return {
    input_tokens: num(u.prompt_tokens),
    cached_input_tokens: num(u.prompt_tokens_details?.cached_tokens),
    output_tokens: num(u.completion_tokens),
    reasoning_tokens: num(u.completion_tokens_details?.reasoning_tokens),
  };
}

function num(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) ? v : 0;
}

function parseJson(text: string): Record<string, unknown> | null {
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === "object" ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function headerBag(h: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  h.forEach((v, k) => (out[k] = v));
  return out;
}
