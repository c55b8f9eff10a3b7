// The request-log row of a passed-through request, and its log line. Pure: time, cost and the
// model come in as arguments.

import type { Usage } from "../chat/types";
import { CLIENT_CLOSED } from "../errors/api-error";
import type { LogFields } from "../log";
import type { NewRequestRow } from "../store";
import type { PassInput } from "./pass";
import { modelFromForm } from "./pass-usage";

/** How a pass-through request ended, as its row records it. */
export interface PassEnd {
  lane: string | null;
  /** The HTTP status the client saw (CLIENT_CLOSED when it left). */
  status: number;
  error: string | null;
  /** Set when the answer's body decided it (it broke off, or the client left mid-answer). */
  rowStatus?: "ok" | "error" | "cancelled";
  firstByteAt?: number;
  usage?: Usage | null;
  model?: string | null;
}

export interface PassRowContext {
  /** Epoch ms when the request ended. */
  at: number;
  model: string;
  costUsd: number;
  attempts: NewRequestRow["attempts"];
  queueMs: number;
}

/** The model the row names: the client's, else an upload form's `model` field, else the answer's. */
export function passModel(input: PassInput, fromAnswer: string | null | undefined): string {
  const fromForm = input.body && /multipart\/form-data/i.test(input.headers["content-type"] ?? "") ? modelFromForm(input.body.head) : null;
  return input.model ?? fromForm ?? fromAnswer ?? "";
}

export function passRow(input: PassInput, end: PassEnd, ctx: PassRowContext): NewRequestRow {
  const usage = end.usage ?? null;
  const status = end.rowStatus ?? (end.status === CLIENT_CLOSED ? "cancelled" : end.status >= 200 && end.status < 300 ? "ok" : "error");
  const latencyMs = Math.max(0, ctx.at - input.receivedAt);
  return {
    id: input.requestId,
    createdAt: input.receivedAt,
    keyName: input.keyName,
    model: ctx.model,
    stream: input.stream,
    endpoint: input.route,
    lane: end.lane,
    attempts: ctx.attempts,
    status,
    httpStatus: end.status,
    errorCode: status === "ok" ? null : end.error,
    queueMs: Math.round(ctx.queueMs),
    latencyMs,
    firstByteMs: end.firstByteAt !== undefined ? end.firstByteAt - input.receivedAt : status === "cancelled" ? null : latencyMs,
    inputTokens: usage?.input_tokens ?? 0,
    cachedInputTokens: usage?.cached_input_tokens ?? 0,
    outputTokens: usage?.output_tokens ?? 0,
    reasoningTokens: usage?.reasoning_tokens ?? 0,
    apiCostUsd: ctx.costUsd,
  };
}

/** The log line's fields (the message is the route). */
export function passLogFields(row: NewRequestRow, method: string): LogFields {
  return {
    requestId: row.id,
    key: row.keyName,
    method,
    lane: row.lane,
    status: row.status,
    httpStatus: row.httpStatus,
    errorCode: row.errorCode ?? null,
    attempts: row.attempts.length,
    queueMs: row.queueMs,
    latencyMs: row.latencyMs,
  };
}
