// Classifies an app-server turn error: `{ message, codexErrorInfo }` from the `error` notification
// or from `turn/completed` with status "failed". `codexErrorInfo` is a string ("usageLimitExceeded")
// or a one-key object ({"responseTooManyFailedAttempts":{"httpStatusCode":429}}); values seen in
// the 0.169 binary are all mapped, anything else falls back to the message text.

import {
  classifyCodexStatus,
  classifyExecFailure,
  modelRuleOf,
  outcome,
  unauthorizedCodeOf,
  usageCodeOf,
} from "./classify-exec";
import { parseResetFromMessage } from "./reset-time";
import type { Outcome } from "./types";

export interface CodexErrorInput {
  codexErrorInfo?: unknown;
  message: string;
  /** Status the app server reported beside the error, when it did. */
  httpStatusCode?: number | null;
}

export function classifyCodexError(input: CodexErrorInput, now: number): Outcome {
  const { key, detail } = splitInfo(input.codexErrorInfo);
  const message = input.message;
  const status = numberField(detail, "httpStatusCode", "http_status_code") ?? input.httpStatusCode ?? undefined;
  const withStatus = status === undefined ? {} : { status };
  switch (key) {
    case "usagelimitexceeded":
      return usageLimit(message, detail, now, withStatus);
    case "unauthorized":
      return outcome("unauthorized", unauthorizedCodeOf(message) ?? "unauthorized", message, withStatus);
    case "serveroverloaded":
      return outcome("transient", "server_overloaded", message, withStatus);
    case "flexunavailable":
    case "policycapacityunavailable":
      return outcome("transient", "capacity_unavailable", message, withStatus);
    case "ratelimitexceeded":
      return outcome("transient", "rate_limited", message, withStatus);
    case "internalservererror":
      return outcome("transient", "server_error", message, withStatus);
    case "contextwindowexceeded":
      return outcome("client_error", "context_window_exceeded", message, withStatus);
    case "sessionbudgetexceeded":
      return outcome("client_error", "session_budget_exceeded", message, withStatus);
    case "inferencehookdenied":
    case "cyberpolicy":
    case "misalignmentpolicyviolation":
    case "toomanydenials":
      // Content refused by policy: another account would refuse it too.
      return outcome("client_error", "policy_violation", message, withStatus);
    case "modelnotfound":
      return outcome("model_not_served", "model_not_found", message, withStatus);
    case "badrequest": {
      const model = modelRuleOf(message);
      return model
        ? outcome("model_not_served", model, message, withStatus)
        : outcome("client_error", "bad_request", message, withStatus);
    }
    case "httpconnectionfailed":
    case "responsestreamconnectionfailed":
    case "responsestreamdisconnected":
    case "responsetoomanyfailedattempts":
      return fromTransport(key, status, message, now);
    case "threadrollbackfailed":
    case "sandboxerror":
    case "activeturnnotsteerable":
      return outcome("transient", "codex_internal", message, withStatus);
    default:
      return fromMessage(message, status, now);
  }
}

function usageLimit(message: string, detail: Record<string, unknown> | undefined, now: number, extra: { status?: number }): Outcome {
  const fromInfo = epochField(detail, "resetsAt", "resets_at");
  const resetsAt = fromInfo !== undefined && fromInfo > now ? fromInfo : parseResetFromMessage(message, now);
  return outcome("usage_limit", usageCodeOf(message) ?? "usage_limit_reached", message, {
    ...extra,
    ...(resetsAt === undefined ? {} : { resetsAt }),
  });
}

function fromTransport(key: string, status: number | undefined, message: string, now: number): Outcome {
  // The message can carry a more exact story (a usage limit inside a dropped stream).
  const text = classifyExecFailure(message, now);
  if (text.class !== "transient") return text;
  if (status !== undefined) {
    const byStatus = classifyCodexStatus(status, message);
    if (byStatus.code !== "unknown") return byStatus;
  }
  const code = key === "responsestreamdisconnected" ? "stream_disconnected" : key === "responsetoomanyfailedattempts" ? "retry_limit" : "connection_failed";
  return outcome("transient", code, message, status === undefined ? {} : { status });
}

function fromMessage(message: string, status: number | undefined, now: number): Outcome {
  const text = classifyExecFailure(message, now);
  if (text.code !== "unknown" || status === undefined) return text;
  return classifyCodexStatus(status, message);
}

/** Normalizes camelCase, PascalCase and snake_case spellings to one lower-case key. */
function splitInfo(info: unknown): { key: string; detail: Record<string, unknown> | undefined } {
  if (typeof info === "string") return { key: normalize(info), detail: undefined };
  if (info && typeof info === "object" && !Array.isArray(info)) {
    const entries = Object.entries(info as Record<string, unknown>);
    const only = entries.length === 1 ? entries[0] : undefined;
    if (only) {
      const [name, value] = only;
      const detail = value && typeof value === "object" ? (value as Record<string, unknown>) : undefined;
      return { key: normalize(name), detail };
    }
  }
  return { key: "", detail: undefined };
}

function normalize(name: string): string {
  return name.replace(/[_\s-]/g, "").toLowerCase();
}

function numberField(obj: Record<string, unknown> | undefined, ...names: string[]): number | undefined {
  if (!obj) return undefined;
  for (const n of names) {
    const v = obj[n];
    if (typeof v === "number" && Number.isFinite(v)) return v;
  }
  return undefined;
}

/** Codex reports epochs in seconds; accept milliseconds too. */
function epochField(obj: Record<string, unknown> | undefined, ...names: string[]): number | undefined {
  const v = numberField(obj, ...names);
  if (v === undefined || v <= 0) return undefined;
  return v < 1e12 ? v * 1000 : v;
}
