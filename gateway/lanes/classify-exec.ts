// Classifies the final failure text of a Codex turn: `turn.failed.error.message` of
// `codex exec --json`, or the message of an app-server turn error. Strings are those of Codex
// 0.169 (reference/codex-cli.md §3); the apostrophes in "You’ve" and "We’re" are U+2019, so the
// patterns accept either apostrophe.

import { safeMessage } from "./format";
import { parseResetFromMessage } from "./reset-time";
import type { Outcome, OutcomeClass } from "./types";

interface Rule {
  test: RegExp;
  class: OutcomeClass;
  code: string;
}

const UNAUTHORIZED: readonly Rule[] = [
  { test: /could not be refreshed because your refresh token has expired/i, class: "unauthorized", code: "refresh_token_expired" },
  { test: /could not be refreshed because your refresh token was already used/i, class: "unauthorized", code: "refresh_token_reused" },
  { test: /could not be refreshed because your refresh token was revoked/i, class: "unauthorized", code: "refresh_token_invalidated" },
  { test: /could not be refreshed|log out and sign in again/i, class: "unauthorized", code: "refresh_failed" },
  { test: /not (?:signed|logged) in|please (?:sign|log) ?in/i, class: "unauthorized", code: "unauthorized" },
];

/** Plan or billing limits. Only "You’ve hit your usage limit" ever names a reset. */
const USAGE: readonly Rule[] = [
  { test: /hit your usage limit|usage limit has been reached|usage_limit_reached/i, class: "usage_limit", code: "usage_limit_reached" },
  { test: /quota exceeded|insufficient_quota/i, class: "usage_limit", code: "insufficient_quota" },
  { test: /to use codex with your chatgpt plan, upgrade|usage_not_included/i, class: "usage_limit", code: "usage_not_included" },
  { test: /workspace is out of credits/i, class: "usage_limit", code: "workspace_out_of_credits" },
  { test: /hit your spend cap/i, class: "usage_limit", code: "spend_cap_reached" },
];

const MODEL: readonly Rule[] = [
  { test: /does not exist or you do not have access/i, class: "model_not_served", code: "model_not_found" },
  { test: /is not supported when using codex with a chatgpt account/i, class: "model_not_served", code: "model_not_supported" },
];

const CLIENT: readonly Rule[] = [
  { test: /ran out of room in the model.s context window|context_length_exceeded|context window exceeded/i, class: "client_error", code: "context_window_exceeded" },
];

const TRANSIENT: readonly Rule[] = [
  { test: /selected model is at capacity|server_is_overloaded/i, class: "transient", code: "server_overloaded" },
  { test: /currently experiencing high demand/i, class: "transient", code: "server_error" },
  { test: /stream disconnected/i, class: "transient", code: "stream_disconnected" },
  { test: /connection failed|error sending request|waiting for network/i, class: "transient", code: "connection_failed" },
  { test: /timed out|timeout/i, class: "transient", code: "timeout" },
];

export function classifyExecFailure(message: string, now: number): Outcome {
  const refresh = /failed to refresh token: (\d{3})/i.exec(message);
  if (refresh) {
    // The token endpoint itself failing is an outage, not a lost sign-in.
    const status = Number(refresh[1]);
    return status >= 500 || status === 429 || status === 408
      ? outcome("transient", "refresh_unavailable", message, { status })
      : outcome("unauthorized", "refresh_failed", message, { status });
  }
  const rule = firstMatch(message, [...UNAUTHORIZED, ...USAGE, ...MODEL, ...CLIENT]);
  if (rule) return fromRule(rule, message, now);
  const status = statusInMessage(message);
  if (status !== undefined) return classifyCodexStatus(status, message);
  const transient = firstMatch(message, TRANSIENT);
  if (transient) return outcome(transient.class, transient.code, message);
  return outcome("transient", "unknown", message);
}

/** The usage-limit code a message names, for app-server errors that only say `usageLimitExceeded`. */
export function usageCodeOf(message: string): string | undefined {
  return firstMatch(message, USAGE)?.code;
}

/** The refresh-failure code a message names, for app-server errors that only say `unauthorized`. */
export function unauthorizedCodeOf(message: string): string | undefined {
  return firstMatch(message, UNAUTHORIZED)?.code;
}

export function modelRuleOf(message: string): string | undefined {
  return firstMatch(message, MODEL)?.code;
}

/**
 * Codex prints HTTP failures as "unexpected status 502 Bad Gateway: …" and retried ones as
 * "exceeded retry limit, last status: 429 Too Many Requests".
 */
function statusInMessage(message: string): number | undefined {
  const m = /(?:unexpected status|last status:?)\s+(\d{3})\b/i.exec(message);
  return m ? Number(m[1]) : undefined;
}

/** An HTTP status that Codex reported from the ChatGPT backend. */
export function classifyCodexStatus(status: number, message: string): Outcome {
  if (status === 401) return outcome("unauthorized", "unauthorized", message, { status });
  if (status === 403) return outcome("unauthorized", "forbidden", message, { status });
  if (status === 429) return outcome("transient", "rate_limited", message, { status });
  if (status === 408) return outcome("transient", "timeout", message, { status });
  if (status === 400 || status === 413 || status === 422) return outcome("client_error", "bad_request", message, { status });
  if (status >= 500) return outcome("transient", "server_error", message, { status });
  return outcome("transient", "unknown", message, { status });
}

function fromRule(rule: Rule, message: string, now: number): Outcome {
  if (rule.class !== "usage_limit") return outcome(rule.class, rule.code, message);
  const resetsAt = parseResetFromMessage(message, now);
  return outcome("usage_limit", rule.code, message, resetsAt === undefined ? {} : { resetsAt });
}

function firstMatch(message: string, rules: readonly Rule[]): Rule | undefined {
  return rules.find((r) => r.test.test(message));
}

export function outcome(
  cls: OutcomeClass,
  code: string,
  message: string,
  extra: { resetsAt?: number; retryAfterMs?: number; status?: number } = {},
): Outcome {
  const out: Outcome = { class: cls, code, message: safeMessage(message) };
  if (extra.resetsAt !== undefined) out.resetsAt = extra.resetsAt;
  if (extra.retryAfterMs !== undefined) out.retryAfterMs = extra.retryAfterMs;
  if (extra.status !== undefined) out.status = extra.status;
  return out;
}
