// The one place where a failure becomes an HTTP status and an OpenAI-shaped error body
// ({"error":{"message","type","param","code"}}). Pure: no hono, so the dispatcher can use it for the
// request log's http_status and the SSE error object, and both agree with what the client saw.

import { ChatValidationError } from "../chat/schema";
import { LanesFailedError, NoPassLaneError, QueueFullError, ShuttingDownError } from "../dispatch/errors";
import type { Outcome } from "../lanes/types";

export class InvalidApiKeyError extends Error {
  override readonly name = "InvalidApiKeyError";
  constructor(message = "Incorrect or missing API key. Send 'Authorization: Bearer <gateway key>'; create one with `codex-lanes keys create <name>`.") {
    super(message);
  }
}

/** A valid client key on an admin route: admin routes need a key from `keys create --admin` or CODEX_LANES_ADMIN_KEY. */
export class AdminKeyRequiredError extends Error {
  override readonly name = "AdminKeyRequiredError";
  constructor() {
    super("This route needs an admin key (`codex-lanes keys create <name> --admin`, or CODEX_LANES_ADMIN_KEY); client keys cannot open it.");
  }
}

export class BodyTooLargeError extends Error {
  override readonly name = "BodyTooLargeError";
  constructor(
    readonly maxBytes: number,
    setting = "limits.maxBodyBytes",
  ) {
    super(`The request body is larger than the limit of ${maxBytes} bytes (${setting} in the gateway's config).`);
  }
}

export class InvalidJsonError extends Error {
  override readonly name = "InvalidJsonError";
  constructor() {
    super("The request body is not valid JSON.");
  }
}

export class RouteNotFoundError extends Error {
  override readonly name = "RouteNotFoundError";
  constructor(method: string, path: string) {
    super(`Invalid URL (${method} ${path}).`);
  }
}

/** A stored response id this key does not have (unknown, deleted, pruned, or another key's). */
export class ResponseNotFoundError extends Error {
  override readonly name = "ResponseNotFoundError";
  constructor(
    readonly id: string,
    readonly param: "previous_response_id" | "response_id",
  ) {
    super(
      param === "previous_response_id"
        ? `Previous response with id '${id}' not found. Responses are kept for the gateway key that made them, until the request log's retention prunes them, unless they were sent with store: false.`
        : `Response with id '${id}' not found.`,
    );
  }
}

/** The client went away before its request was read; nothing can be sent back. */
export class ClientClosedError extends Error {
  override readonly name = "ClientClosedError";
  constructor() {
    super("The client closed the connection before the request was read.");
  }
}

/** A bad query parameter on an admin route. */
export class BadQueryError extends Error {
  override readonly name = "BadQueryError";
  constructor(message: string, readonly param: string) {
    super(message);
  }
}

/** An admin route named a lane the config does not have, or one that cannot do what was asked. */
export class LaneRouteError extends Error {
  override readonly name = "LaneRouteError";
  constructor(message: string, readonly status: 400 | 404, readonly code: string) {
    super(message);
  }
}

/** A lane's worker or engine could not carry out a sign-in or sign-out. */
export class SignInError extends Error {
  override readonly name = "SignInError";
}

export interface ApiError {
  status: number;
  type: string;
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

const FALLBACK_RETRY_SEC = 60;

export function toApiError(err: unknown, now: number = Date.now()): ApiError {
  if (err instanceof ChatValidationError) return invalid(400, err.message, err.param, err.code);
  if (err instanceof InvalidJsonError) return invalid(400, err.message, null, "invalid_json");
  if (err instanceof BadQueryError) return invalid(400, err.message, err.param, "invalid_value");
  if (err instanceof InvalidApiKeyError) return invalid(401, err.message, null, "invalid_api_key");
  if (err instanceof AdminKeyRequiredError) {
    return { status: 403, type: "permission_error", code: "admin_key_required", message: err.message, param: null };
  }
  if (err instanceof RouteNotFoundError) return invalid(404, err.message, null, "not_found");
  if (err instanceof NoPassLaneError) return invalid(404, err.message, null, err.code);
  if (err instanceof ResponseNotFoundError) {
    return invalid(404, err.message, err.param === "previous_response_id" ? "previous_response_id" : null, err.param === "previous_response_id" ? "previous_response_not_found" : "response_not_found");
  }
  if (err instanceof BodyTooLargeError) return invalid(413, err.message, null, "body_too_large");
  if (err instanceof QueueFullError) {
    return { status: 429, type: "rate_limit_error", code: "queue_full", message: err.message, param: null, retryAfterSec: seconds(err.retryAfterMs) };
  }
  if (err instanceof LanesFailedError) return outcomeToApiError(err.outcome, err.retryAt, now);
  if (err instanceof ClientClosedError) {
    return { status: CLIENT_CLOSED, type: "invalid_request_error", code: "cancelled", message: err.message, param: null };
  }
  if (err instanceof ShuttingDownError) {
    return { status: 503, type: "server_error", code: "shutting_down", message: err.message, param: null, retryAfterSec: 5 };
  }
  if (err instanceof LaneRouteError) return invalid(err.status, err.message, "lane", err.code);
  if (err instanceof SignInError) return { status: 502, type: "server_error", code: "sign_in_failed", message: err.message, param: null };
  if (isNamed(err, "InvalidCursorError")) return invalid(400, (err as Error).message, "before", "invalid_value");
  return { status: 500, type: "server_error", code: "internal_error", message: "Internal error in the gateway; the request id in x-request-id finds it in the gateway's log.", param: null };
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

function invalid(status: number, message: string, param: string | null, code: string | null): ApiError {
  return { status, type: "invalid_request_error", code, message, param };
}

function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

function isNamed(err: unknown, name: string): boolean {
  return err instanceof Error && err.name === name;
}
