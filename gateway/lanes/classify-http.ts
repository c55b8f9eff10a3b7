// Classifies an HTTP answer from an OpenAI-shaped upstream: the OpenAI API (the API-key lane), or
// the codex-lanes gateway itself when the GitHub Action calls it.

import { outcome } from "./classify-exec";
import type { Outcome } from "./types";

export type HeaderBag = Readonly<Record<string, string | undefined>>;

/** A Retry-After beyond this is a broken header, not advice. Weekly windows fit well inside. */
const MAX_RETRY_AFTER_MS = 31 * 86_400_000;

/**
 * How long the server asked us to wait, in ms: `retry-after-ms` first, then `retry-after` as
 * seconds or an HTTP date. Negative, unparsable and absurd values are ignored.
 */
export function parseRetryAfter(headers: HeaderBag, now: number): number | undefined {
  const ms = header(headers, "retry-after-ms");
  if (ms !== undefined && /^\s*\d+(\.\d+)?\s*$/.test(ms)) {
    const v = Number(ms);
    if (v <= MAX_RETRY_AFTER_MS) return Math.ceil(v);
  }
  const ra = header(headers, "retry-after");
  if (ra === undefined) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(ra)) {
    const v = Number(ra) * 1000;
    return v <= MAX_RETRY_AFTER_MS ? Math.ceil(v) : undefined;
  }
  const at = Date.parse(ra);
  if (!Number.isFinite(at)) return undefined;
  const delta = at - now;
  return delta >= 0 && delta <= MAX_RETRY_AFTER_MS ? delta : undefined;
}

interface ErrorFields {
  code: string;
  type: string;
  message: string;
  resetsAt?: number;
}

const MODEL_CODES = new Set(["model_not_found", "unknown_model", "model_not_served"]);

export function classifyHttp(status: number, body: unknown, headers: HeaderBag, now: number): Outcome {
  const err = errorFields(body, status);
  const retryAfterMs = parseRetryAfter(headers, now);
  const wait = retryAfterMs === undefined ? {} : { retryAfterMs };
  const names = [err.code, err.type];
  if (status >= 200 && status < 300) return outcome("ok", "ok", "", { status });
  if ((status === 400 || status === 404) && isModelError(err, status)) {
    return outcome("model_not_served", "model_not_found", err.message, { status });
  }
  if (status === 400 && (names.includes("context_length_exceeded") || names.includes("context_window_exceeded"))) {
    return outcome("client_error", "context_window_exceeded", err.message, { status });
  }
  if (status === 400 || status === 422) return outcome("client_error", "bad_request", err.message, { status });
  if (status === 413) return outcome("client_error", "request_too_large", err.message, { status });
  if (status === 401) return outcome("unauthorized", "unauthorized", err.message, { status });
  if (status === 403) return outcome("unauthorized", "forbidden", err.message, { status });
  if (status === 429) return classify429(err, names, status, retryAfterMs, now);
  if (status === 404) return outcome("transient", "not_found", err.message, { status, ...wait });
  if (status === 408) return outcome("transient", "timeout", err.message, { status, ...wait });
  if (status === 409) return outcome("transient", "conflict", err.message, { status, ...wait });
  if (status >= 500) {
    const code = names.includes("server_is_overloaded") ? "server_overloaded" : "server_error";
    return outcome("transient", code, err.message, { status, ...wait });
  }
  if (status >= 400) return outcome("client_error", "bad_request", err.message, { status });
  return outcome("transient", "unexpected_status", err.message, { status, ...wait });
}

function classify429(err: ErrorFields, names: string[], status: number, retryAfterMs: number | undefined, now: number): Outcome {
  if (names.includes("insufficient_quota")) return outcome("usage_limit", "insufficient_quota", err.message, { status });
  if (names.includes("all_lanes_exhausted") || names.includes("usage_limit_reached")) {
    const resetsAt = err.resetsAt ?? (retryAfterMs === undefined ? undefined : now + retryAfterMs);
    const code = names.includes("all_lanes_exhausted") ? "all_lanes_exhausted" : "usage_limit_reached";
    return outcome("usage_limit", code, err.message, { status, resetsAt, retryAfterMs });
  }
  return outcome("transient", "rate_limited", err.message, { status, retryAfterMs });
}

function isModelError(err: ErrorFields, status: number): boolean {
  if (MODEL_CODES.has(err.code) || MODEL_CODES.has(err.type)) return true;
  if (/is not supported when using codex with a chatgpt account/i.test(err.message)) return true;
  return status === 404 && /model .*does not exist/i.test(err.message);
}

/** Pulls code, type and message out of `{"error":{…}}`, `{"detail":…}` or plain text. */
function errorFields(body: unknown, status: number): ErrorFields {
  const parsed = typeof body === "string" ? tryJson(body) : body;
  const obj = asObject(parsed);
  const inner = asObject(obj?.error) ?? obj;
  const text = (v: unknown): string => (typeof v === "string" ? v : "");
  const message =
    text(inner?.message) || text(obj?.detail) || text(obj?.error) || (typeof body === "string" ? body.trim() : "") || `upstream answered HTTP ${status}`;
  const resetsAtSec = inner?.resets_at;
  const resetsAt = typeof resetsAtSec === "number" && resetsAtSec > 0 ? resetsAtSec * 1000 : undefined;
  return { code: text(inner?.code), type: text(inner?.type), message, resetsAt };
}

function tryJson(text: string): unknown {
  const t = text.trim();
  if (!t.startsWith("{")) return undefined;
  try {
    return JSON.parse(t) as unknown;
  } catch {
    return undefined;
  }
}

function asObject(v: unknown): Record<string, unknown> | undefined {
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function header(headers: HeaderBag, name: string): string | undefined {
  const direct = headers[name];
  if (direct !== undefined) return direct;
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name && v !== undefined) return v;
  return undefined;
}
