// Classification of Codex and HTTP failures, with the exact strings Codex 0.169 prints
// (reference/codex-cli.md §3; the apostrophes are U+2019).

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  classifyCodexError,
  classifyExecFailure,
  classifyHttp,
  parseResetFromMessage,
  parseRetryAfter,
  type Outcome,
} from "../gateway/lanes";

// 2026-11-22 02:00:00 UTC, the day of the reference's experiments.
const NOW = Date.UTC(2026, 10, 22, 2, 0, 0);
const at = (h: number, m: number, day = 22, month = 10, year = 2026) => Date.UTC(year, month, day, h, m);

function pickFields(o: Outcome) {
  return { class: o.class, code: o.code, resetsAt: o.resetsAt };
}

describe("classifyExecFailure: usage limits", () => {
  const sameDay: [string, string][] = [
    ["plus", "You’ve hit your usage limit. Upgrade to Pro (https://chatgpt.com/explore/pro), visit https://chatgpt.com/settings/usage to purchase more credits or try again at 3:18 AM."],
    ["pro", "You’ve hit your usage limit. Visit https://chatgpt.com/settings/usage to purchase more credits or try again at 3:18 AM."],
    ["free", "You’ve hit your usage limit. Upgrade to Plus to continue using Codex (https://chatgpt.com/explore/plus), or try again at 3:18 AM."],
    ["team", "You’ve hit your usage limit. To get more access now, send a request to your admin or try again at 3:18 AM."],
    ["enterprise", "You’ve hit your usage limit. Try again at 3:18 AM."],
  ];
  for (const [plan, message] of sameDay) {
    test(`${plan}: same-day reset is read as UTC, to the end of the printed minute`, () => {
      const o = classifyExecFailure(message, NOW);
      assert.deepEqual(pickFields(o), { class: "usage_limit", code: "usage_limit_reached", resetsAt: at(3, 19) });
      assert.equal(o.message, message);
    });
  }

  test("a reset on another day uses the dated form", () => {
    const m = "You’ve hit your usage limit. Upgrade to Pro (https://chatgpt.com/explore/pro), visit https://chatgpt.com/settings/usage to purchase more credits or try again at Nov 25th, 2026 1:56 AM.";
    assert.deepEqual(pickFields(classifyExecFailure(m, NOW)), { class: "usage_limit", code: "usage_limit_reached", resetsAt: at(1, 57, 25) });
  });

  test("a same-day time already past means tomorrow", () => {
    const m = "You’ve hit your usage limit. Try again at 1:30 AM.";
    assert.equal(classifyExecFailure(m, NOW).resetsAt, at(1, 31, 23));
  });

  test("a same-day time in the current minute is still today", () => {
    const m = "You’ve hit your usage limit. Try again at 2:00 AM.";
    assert.equal(classifyExecFailure(m, NOW + 30_000).resetsAt, at(2, 1));
  });

  test("12 AM and 12 PM", () => {
    assert.equal(parseResetFromMessage("Try again at 12:05 PM.", NOW), at(12, 6));
    assert.equal(parseResetFromMessage("Try again at 12:05 AM.", NOW), at(0, 6, 23));
    assert.equal(parseResetFromMessage("try again at Dec 1st, 2026 12:00 AM.", NOW), at(0, 1, 1, 11));
  });

  test("'try again later' is an unknown reset", () => {
    for (const m of [
      "You’ve hit your usage limit. Upgrade to Pro (https://chatgpt.com/explore/pro), visit https://chatgpt.com/settings/usage to purchase more credits or try again later.",
      "You’ve hit your usage limit. Try again later.",
    ]) {
      assert.deepEqual(pickFields(classifyExecFailure(m, NOW)), { class: "usage_limit", code: "usage_limit_reached", resetsAt: undefined });
    }
  });

  test("a usage limit for a named limit", () => {
    const m = "You’ve hit your usage limit for GPT-5.5-Pro. Switch to another model now, or try again at 4:00 PM.";
    assert.deepEqual(pickFields(classifyExecFailure(m, NOW)), { class: "usage_limit", code: "usage_limit_reached", resetsAt: at(16, 1) });
  });

  test("an ASCII apostrophe is accepted too", () => {
    assert.equal(classifyExecFailure("You've hit your usage limit. Try again at 3:18 AM.", NOW).class, "usage_limit");
  });

  const unknownReset: [string, string][] = [
    ["Quota exceeded. Check your plan and billing details.", "insufficient_quota"],
    ["To use Codex with your ChatGPT plan, upgrade to Plus: https://chatgpt.com/explore/plus.", "usage_not_included"],
    ["Your workspace is out of credits. Ask your workspace admin to add more.", "workspace_out_of_credits"],
    ["You hit your spend cap for this month.", "spend_cap_reached"],
    ["stream disconnected before completion: The usage limit has been reached", "usage_limit_reached"],
  ];
  for (const [message, code] of unknownReset) {
    test(`${code}: usage limit with an unknown reset`, () => {
      assert.deepEqual(pickFields(classifyExecFailure(message, NOW)), { class: "usage_limit", code, resetsAt: undefined });
    });
  }
});

describe("classifyExecFailure: other classes", () => {
  const cases: [string, Outcome["class"], string][] = [
    ["Your access token could not be refreshed because your refresh token has expired. Please log out and sign in again.", "unauthorized", "refresh_token_expired"],
    ["Your access token could not be refreshed because your refresh token was already used. Please log out and sign in again.", "unauthorized", "refresh_token_reused"],
    ["Your access token could not be refreshed because your refresh token was revoked. Please log out and sign in again.", "unauthorized", "refresh_token_invalidated"],
    ["Your access token could not be refreshed. Please log out and sign in again.", "unauthorized", "refresh_failed"],
    ["unexpected status 401 Unauthorized: Your authentication token has expired. Please try signing in again., url: https://chatgpt.com/backend-api/codex/responses", "unauthorized", "unauthorized"],
    ['unexpected status 403 Forbidden: {"detail":"Forbidden"}, url: https://chatgpt.com/backend-api/codex/responses', "unauthorized", "forbidden"],
    ["Failed to refresh token: 500 Internal Server Error", "transient", "refresh_unavailable"],
    ["Selected model is at capacity. Please try a different model.", "transient", "server_overloaded"],
    ["Codex ran out of room in the model's context window. Start a new thread or clear earlier history before retrying.", "client_error", "context_window_exceeded"],
    ["The model `gpt-nonexistent` does not exist or you do not have access to it.", "model_not_served", "model_not_found"],
    ['{"type":"error","status":400,"detail":"The \'gpt-nonexistent\' model is not supported when using Codex with a ChatGPT account.","headers":{}}', "model_not_served", "model_not_supported"],
    ["exceeded retry limit, last status: 429 Too Many Requests", "transient", "rate_limited"],
    ["We’re currently experiencing high demand, which may cause temporary errors.", "transient", "server_error"],
    ["unexpected status 502 Bad Gateway: <html>bad gateway</html>, url: https://chatgpt.com/backend-api/codex/responses", "transient", "server_error"],
    ["stream disconnected before completion: response.failed", "transient", "stream_disconnected"],
    ["Connection failed: error sending request", "transient", "connection_failed"],
    ["Reconnecting... waiting for network (Connection failed: error sending request)", "transient", "connection_failed"],
    ["Codex Exec exited with code 101: thread 'main' panicked", "transient", "unknown"],
    ["", "transient", "unknown"],
  ];
  for (const [message, cls, code] of cases) {
    test(`${cls}/${code}: ${message.slice(0, 60)}`, () => {
      const o = classifyExecFailure(message, NOW);
      assert.equal(o.class, cls);
      assert.equal(o.code, code);
      assert.equal(o.resetsAt, undefined);
    });
  }

  test("status-bearing messages keep the status", () => {
    assert.equal(classifyExecFailure("unexpected status 502 Bad Gateway: x, url: y", NOW).status, 502);
    assert.equal(classifyExecFailure("exceeded retry limit, last status: 429 Too Many Requests", NOW).status, 429);
  });

  test("anything shaped like a token is masked in the message", () => {
    const o = classifyExecFailure("unexpected status 500: echo Authorization: Bearer abcdefghijklmnop sk-proj-1234567890abcdef rt_abcdefghijkl", NOW);
    assert.doesNotMatch(o.message, /abcdefghijklmnop|1234567890abcdef|rt_abcdefghijkl/);
    assert.match(o.message, /\[redacted\]/);
  });
});

describe("classifyCodexError (app-server codexErrorInfo)", () => {
  const limit = "You’ve hit your usage limit. Upgrade to Pro (https://chatgpt.com/explore/pro), visit https://chatgpt.com/settings/usage to purchase more credits or try again at 3:18 AM.";

  test("usageLimitExceeded reads the reset out of the message", () => {
    const o = classifyCodexError({ codexErrorInfo: "usageLimitExceeded", message: limit }, NOW);
    assert.deepEqual(pickFields(o), { class: "usage_limit", code: "usage_limit_reached", resetsAt: at(3, 19) });
  });

  test("usageLimitExceeded prefers a reset carried by the info (epoch seconds)", () => {
    const resetsAt = at(3, 18) + 37_000;
    const o = classifyCodexError({ codexErrorInfo: { usageLimitExceeded: { resetsAt: resetsAt / 1000 } }, message: limit }, NOW);
    assert.equal(o.resetsAt, resetsAt);
  });

  test("usageLimitExceeded with the quota text keeps its own code and no reset", () => {
    const o = classifyCodexError({ codexErrorInfo: "usageLimitExceeded", message: "Quota exceeded. Check your plan and billing details." }, NOW);
    assert.deepEqual(pickFields(o), { class: "usage_limit", code: "insufficient_quota", resetsAt: undefined });
  });

  const cases: [unknown, string, Outcome["class"], string][] = [
    ["unauthorized", "Your access token could not be refreshed because your refresh token has expired. Please log out and sign in again.", "unauthorized", "refresh_token_expired"],
    ["unauthorized", "Unauthorized", "unauthorized", "unauthorized"],
    ["serverOverloaded", "Selected model is at capacity. Please try a different model.", "transient", "server_overloaded"],
    ["contextWindowExceeded", "Codex ran out of room in the model's context window.", "client_error", "context_window_exceeded"],
    ["modelNotFound", "The model `gpt-nonexistent` does not exist or you do not have access to it.", "model_not_served", "model_not_found"],
    ["internalServerError", "We’re currently experiencing high demand, which may cause temporary errors.", "transient", "server_error"],
    ["badRequest", "Invalid 'input': empty", "client_error", "bad_request"],
    ["badRequest", "The 'gpt-x' model is not supported when using Codex with a ChatGPT account.", "model_not_served", "model_not_supported"],
    [{ responseTooManyFailedAttempts: { httpStatusCode: 429 } }, "exceeded retry limit, last status: 429 Too Many Requests", "transient", "rate_limited"],
    [{ responseTooManyFailedAttempts: { httpStatusCode: 502 } }, "exceeded retry limit, last status: 502 Bad Gateway", "transient", "server_error"],
    [{ httpConnectionFailed: { httpStatusCode: null } }, "Connection failed: error sending request", "transient", "connection_failed"],
    [{ responseStreamDisconnected: { httpStatusCode: null } }, "stream disconnected before completion", "transient", "stream_disconnected"],
    [{ responseStreamDisconnected: {} }, "stream disconnected before completion: The usage limit has been reached", "usage_limit", "usage_limit_reached"],
    ["other", '{"type":"error","status":400,"detail":"The \'gpt-nonexistent\' model is not supported when using Codex with a ChatGPT account.","headers":{}}', "model_not_served", "model_not_supported"],
    ["other", "something new", "transient", "unknown"],
    ["cyberPolicy", "This request was refused.", "client_error", "policy_violation"],
    ["UsageLimitExceeded", "You’ve hit your usage limit. Try again later.", "usage_limit", "usage_limit_reached"],
    [undefined, "Selected model is at capacity. Please try a different model.", "transient", "server_overloaded"],
    [{ someFutureVariant: { x: 1 } }, "You’ve hit your usage limit. Try again later.", "usage_limit", "usage_limit_reached"],
  ];
  for (const [info, message, cls, code] of cases) {
    test(`${JSON.stringify(info)} + "${message.slice(0, 40)}" -> ${cls}/${code}`, () => {
      const o = classifyCodexError({ codexErrorInfo: info, message }, NOW);
      assert.equal(o.class, cls);
      assert.equal(o.code, code);
    });
  }

  test("an unknown info with an unknown message falls back to the HTTP status", () => {
    const o = classifyCodexError({ codexErrorInfo: "other", message: "nope", httpStatusCode: 401 }, NOW);
    assert.equal(o.class, "unauthorized");
    assert.equal(o.status, 401);
  });
});

describe("classifyHttp", () => {
  const none = {};
  test("2xx is ok", () => {
    assert.equal(classifyHttp(200, {}, none, NOW).class, "ok");
  });

  test("model_not_found on 404 and 400 -> model_not_served", () => {
    const body = { error: { message: "The model `gpt-9` does not exist or you do not have access to it.", type: "invalid_request_error", param: null, code: "model_not_found" } };
    for (const status of [400, 404]) {
      const o = classifyHttp(status, body, none, NOW);
      assert.deepEqual([o.class, o.code, o.status], ["model_not_served", "model_not_found", status]);
      assert.equal(o.message, body.error.message);
    }
  });

  test("the gateway's own unknown-model 404 -> model_not_served", () => {
    const o = classifyHttp(404, { error: { message: 'No lane serves the model "x".', type: "invalid_request_error", param: "model", code: "unknown_model" } }, none, NOW);
    assert.equal(o.class, "model_not_served");
  });

  test("other 400, 413, 422 -> client_error", () => {
    assert.deepEqual(pick2(classifyHttp(400, { error: { message: "bad", code: "invalid_value" } }, none, NOW)), ["client_error", "bad_request"]);
    assert.deepEqual(pick2(classifyHttp(400, { error: { message: "too long", code: "context_length_exceeded" } }, none, NOW)), ["client_error", "context_window_exceeded"]);
    assert.deepEqual(pick2(classifyHttp(413, "Payload Too Large", none, NOW)), ["client_error", "request_too_large"]);
    assert.deepEqual(pick2(classifyHttp(422, { detail: "nope" }, none, NOW)), ["client_error", "bad_request"]);
  });

  test("401/403 -> unauthorized", () => {
    assert.deepEqual(pick2(classifyHttp(401, { error: { message: "Incorrect API key provided", code: "invalid_api_key" } }, none, NOW)), ["unauthorized", "unauthorized"]);
    assert.deepEqual(pick2(classifyHttp(403, { error: { message: "Country not supported", code: "unsupported_country_region_territory" } }, none, NOW)), ["unauthorized", "forbidden"]);
  });

  test("429 insufficient_quota -> usage_limit with unknown reset", () => {
    const body = { error: { message: "You exceeded your current quota, please check your plan and billing details.", type: "insufficient_quota", param: null, code: "insufficient_quota" } };
    const o = classifyHttp(429, body, { "retry-after": "20" }, NOW);
    assert.deepEqual(pickFields(o), { class: "usage_limit", code: "insufficient_quota", resetsAt: undefined });
  });

  test("429 all_lanes_exhausted from the gateway -> usage_limit resetting after Retry-After", () => {
    const body = JSON.stringify({ error: { message: "Every lane is cooling down.", type: "rate_limit_error", param: null, code: "all_lanes_exhausted" } });
    const o = classifyHttp(429, body, { "Retry-After": "3600" }, NOW);
    assert.deepEqual(pickFields(o), { class: "usage_limit", code: "all_lanes_exhausted", resetsAt: NOW + 3_600_000 });
  });

  test("429 usage_limit_reached (ChatGPT backend shape) carries resets_at", () => {
    const body = { error: { type: "usage_limit_reached", message: "The usage limit has been reached", plan_type: "plus", resets_at: 1795317517 } };
    assert.deepEqual(pickFields(classifyHttp(429, body, none, NOW)), { class: "usage_limit", code: "usage_limit_reached", resetsAt: 1795317517000 });
  });

  test("other 429 -> transient with retryAfterMs", () => {
    const o = classifyHttp(429, { error: { message: "Rate limit reached", code: "rate_limit_exceeded" } }, { "retry-after-ms": "1500" }, NOW);
    assert.deepEqual([o.class, o.code, o.retryAfterMs], ["transient", "rate_limited", 1500]);
  });

  test("408, 409, 5xx -> transient", () => {
    assert.deepEqual(pick2(classifyHttp(408, "", none, NOW)), ["transient", "timeout"]);
    assert.deepEqual(pick2(classifyHttp(409, "", none, NOW)), ["transient", "conflict"]);
    assert.deepEqual(pick2(classifyHttp(500, "", none, NOW)), ["transient", "server_error"]);
    assert.deepEqual(pick2(classifyHttp(503, { error: { code: "server_is_overloaded", message: "busy" } }, { "retry-after": "2" }, NOW)), ["transient", "server_overloaded"]);
    assert.equal(classifyHttp(503, "", { "retry-after": "2" }, NOW).retryAfterMs, 2000);
  });

  test("a body without a message still gets one", () => {
    assert.match(classifyHttp(502, undefined, none, NOW).message, /502/);
  });
});

describe("parseRetryAfter", () => {
  test("retry-after-ms wins over retry-after", () => {
    assert.equal(parseRetryAfter({ "retry-after-ms": "250", "retry-after": "9" }, NOW), 250);
  });
  test("seconds and HTTP dates", () => {
    assert.equal(parseRetryAfter({ "retry-after": "7" }, NOW), 7000);
    assert.equal(parseRetryAfter({ "Retry-After": new Date(NOW + 90_000).toUTCString() }, NOW), 90_000);
  });
  test("negative, past, garbage and absurd values are ignored", () => {
    assert.equal(parseRetryAfter({ "retry-after-ms": "-5" }, NOW), undefined);
    assert.equal(parseRetryAfter({ "retry-after": "-5" }, NOW), undefined);
    assert.equal(parseRetryAfter({ "retry-after": new Date(NOW - 90_000).toUTCString() }, NOW), undefined);
    assert.equal(parseRetryAfter({ "retry-after": "soon" }, NOW), undefined);
    assert.equal(parseRetryAfter({ "retry-after": "999999999" }, NOW), undefined);
    assert.equal(parseRetryAfter({}, NOW), undefined);
  });
  test("a bad retry-after-ms falls back to retry-after", () => {
    assert.equal(parseRetryAfter({ "retry-after-ms": "x", "retry-after": "3" }, NOW), 3000);
  });
});

function pick2(o: Outcome): [string, string] {
  return [o.class, o.code];
}
