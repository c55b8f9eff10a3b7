// The OpenAI error contract: how any failure reaches a client, as an HTTP status and a body
// {"error":{"message","type","param","code"}}. Pure and at the bottom of the import graph, so the
// HTTP layer, dispatch (the request log's http_status, the SSE error object) and every domain
// folder that defines a client-facing failure agree on one shape.

import type { Outcome } from "../lanes/types";

export type ApiErrorType = "invalid_request_error" | "permission_error" | "rate_limit_error" | "server_error";

export interface ApiError {
  status: number;
  type: ApiErrorType;
  code: string | null;
  message: string;
  param: string | null;
  /** Seconds, for the Retry-After header. */
  retryAfterSec?: number;
}

export interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** Status 499 (client closed the request) is what the log records for a cancelled request; nothing is sent. */
export const CLIENT_CLOSED = 499;

/**
 * A failure that knows how the client sees it. Every domain error a client can meet extends it,
 * so the mapper below reads the error's own status, type and code instead of knowing its class.
 */
export class GatewayError extends Error {
  readonly status: number;
  readonly type: ApiErrorType;
  readonly code: string | null;
  readonly param: string | null;
  readonly retryAfterSec: number | undefined;

  constructor(message: string, api: { status: number; type?: ApiErrorType; code: string | null; param?: string | null; retryAfterSec?: number }) {
    super(message);
    this.status = api.status;
    this.type = api.type ?? (api.status >= 500 ? "server_error" : "invalid_request_error");
    this.code = api.code;
    this.param = api.param ?? null;
    this.retryAfterSec = api.retryAfterSec;
  }

  /** The error as the client sees it at `now` (errors whose Retry-After depends on the time override this). */
  apiError(_now: number): ApiError {
    const api: ApiError = { status: this.status, type: this.type, code: this.code, message: this.message, param: this.param };
    if (this.retryAfterSec !== undefined) api.retryAfterSec = this.retryAfterSec;
    return api;
  }
}

const FALLBACK_RETRY_SEC = 60;

const INTERNAL: Omit<ApiError, "message"> = { status: 500, type: "server_error", code: "internal_error", param: null };

export function toApiError(err: unknown, now: number = Date.now()): ApiError {
  if (err instanceof GatewayError) return err.apiError(now);
  return { ...INTERNAL, message: "Internal error in the gateway; the request id in x-request-id finds it in the gateway's log." };
}

/** The final outcome of a request no lane served, as the client sees it. */
export function outcomeToApiError(outcome: Outcome, retryAt: number | null, now: number): ApiError {
  const { code, message } = outcome;
  if (code === "tools_not_supported") {
    return invalid(400, `No lane can serve a request with client tools. ${message} Use an app-server or API-key lane for tool requests.`, "tools", code);
  }
  if (code === "unknown_model" || outcome.class === "model_not_served") {
    return invalid(404, message, "model", "model_not_found");
  }
  if (code === "needs_login" || outcome.class === "unauthorized") {
    return { status: 503, type: "server_error", code: "needs_login", message, param: null };
  }
  if (code === "all_lanes_exhausted" || outcome.class === "usage_limit") {
    const at = retryAt ?? outcome.resetsAt ?? null;
    return {
      status: 429,
      type: "rate_limit_error",
      code: "all_lanes_exhausted",
      message,
      param: null,
      retryAfterSec: at !== null && at > now ? seconds(at - now) : FALLBACK_RETRY_SEC,
    };
  }
  if (outcome.class === "client_error") {
    const s = outcome.status;
    const status = s !== undefined && s >= 400 && s < 500 && s !== 401 && s !== 403 && s !== 429 ? s : 400;
    return invalid(status, message, null, code);
  }
  if (outcome.class === "cancelled") {
    return { status: CLIENT_CLOSED, type: "invalid_request_error", code: "cancelled", message, param: null };
  }
  const status = code === "timeout" ? 504 : outcome.status === 503 || /overloaded|capacity/.test(code) ? 503 : 502;
  const api: ApiError = { status, type: "server_error", code, message, param: null };
  if (outcome.retryAfterMs !== undefined) api.retryAfterSec = seconds(outcome.retryAfterMs);
  return api;
}

export function errorBody(e: ApiError): ErrorBody {
  return { error: { message: e.message, type: e.type, param: e.param, code: e.code } };
}

/** A client mistake or an upstream condition; anything else is ours and gets logged with its stack. */
export function isExpected(e: ApiError): boolean {
  return e.code !== "internal_error";
}

/** Whole seconds for Retry-After, at least 1. */
export function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

function invalid(status: number, message: string, param: string | null, code: string | null): ApiError {
  return { status, type: "invalid_request_error", code, message, param };
}

/** The request body broke the size limit. Raised while reading a body, by HTTP and by dispatch's replayable body. */
export class BodyTooLargeError extends GatewayError {
  override readonly name = "BodyTooLargeError";
  constructor(
    readonly maxBytes: number,
    setting = "limits.maxBodyBytes",
  ) {
    super(`The request body is larger than the limit of ${maxBytes} bytes (${setting} in the gateway's config).`, { status: 413, code: "body_too_large" });
  }
}

/** The client went away before its request was read; nothing can be sent back. */
export class ClientClosedError extends GatewayError {
  override readonly name = "ClientClosedError";
  constructor() {
    super("The client closed the connection before the request was read.", { status: CLIENT_CLOSED, code: "cancelled" });
  }
}
