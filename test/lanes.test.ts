// The lane core: state transitions, the ordered pick, the retry policy and the failover loop, all
// driven by an injected clock.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  DEFAULT_POLICY,
  applyOutcome,
  applyRateLimits,
  backoffDelay,
  classifyExecFailure,
  disable,
  effectiveRecord,
  enable,
  initialRecord,
  markSignedIn,
  pick,
  retryDecision,
  runLanes,
  type AttemptInfo,
  type AttemptResult,
  type LanePolicy,
  type LaneRecord,
  type LaneSpec,
  type Outcome,
} from "../gateway/lanes";
import type { RateLimitSnapshot } from "../gateway/lanes/types";

const T0 = Date.UTC(2026, 10, 22, 2, 0, 0);
const P = DEFAULT_POLICY;
const MIN = 60_000;

const ok: Outcome = { class: "ok", code: "ok", message: "" };
const transient: Outcome = { class: "transient", code: "server_error", message: "We’re currently experiencing high demand, which may cause temporary errors." };
const unauthorized: Outcome = classifyExecFailure("Your access token could not be refreshed because your refresh token has expired. Please log out and sign in again.", T0);
const limitAt318 = (now: number) => classifyExecFailure("You’ve hit your usage limit. Upgrade to Pro (https://chatgpt.com/explore/pro), visit https://chatgpt.com/settings/usage to purchase more credits or try again at 3:18 AM.", now);
const limitUnknown: Outcome = classifyExecFailure("You’ve hit your usage limit. Try again later.", T0);
const clientError: Outcome = classifyExecFailure("Codex ran out of room in the model's context window. Start a new thread or clear earlier history before retrying.", T0);

function usage(resetsAt?: number): Outcome {
  return { class: "usage_limit", code: "usage_limit_reached", message: "limit", ...(resetsAt === undefined ? {} : { resetsAt }) };
}

describe("state transitions", () => {
  test("a new lane is ready", () => {
    assert.deepEqual(initialRecord("a", T0), { name: "a", state: "ready", until: null, reason: null, code: null, failures: 0, probe: false, updatedAt: T0 });
  });

  test("usage limit with a known reset cools until it, then returns without a probe", () => {
    const reset = Date.UTC(2026, 10, 22, 3, 18);
    const rec = applyOutcome(initialRecord("a", T0), usage(reset), T0, P);
    assert.equal(rec.state, "cooling");
    assert.equal(rec.until, reset);
    assert.equal(rec.code, "usage_limit_reached");
    assert.equal(rec.reason, "usage limit reached; resets 2026-11-22 03:18 UTC");
    assert.equal(rec.probe, false);
    assert.equal(effectiveRecord(rec, reset - 1).state, "cooling");
    const back = effectiveRecord(rec, reset);
    assert.equal(back.state, "ready");
    assert.equal(back.probe, false);
    assert.equal(back.until, null);
  });

  test("usage limit from the exec message cools until the end of the printed minute", () => {
    const rec = applyOutcome(initialRecord("a", T0), limitAt318(T0), T0, P);
    assert.equal(rec.until, Date.UTC(2026, 10, 22, 3, 19));
  });

  test("usage limit with an unknown reset cools for the default, then returns as a probe", () => {
    const rec = applyOutcome(initialRecord("a", T0), limitUnknown, T0, P);
    assert.equal(rec.state, "cooling");
    assert.equal(rec.until, T0 + P.defaultCooldownMs);
    assert.match(rec.reason ?? "", /reset unknown/);
    const back = effectiveRecord(rec, T0 + P.defaultCooldownMs);
    assert.deepEqual([back.state, back.probe], ["ready", true]);
  });

  test("a reset already in the past counts as unknown", () => {
    const rec = applyOutcome(initialRecord("a", T0), usage(T0 - 1000), T0, P);
    assert.deepEqual([rec.state, rec.until, rec.probe], ["cooling", T0 + P.defaultCooldownMs, true]);
  });

  test("an unknown reset does not shorten a known cooldown", () => {
    const cooling = applyOutcome(initialRecord("a", T0), usage(T0 + 3 * 3_600_000), T0, P);
    assert.equal(applyOutcome(cooling, limitUnknown, T0 + 1, P), cooling);
  });

  test("ok -> ready, failures 0, probe off", () => {
    const failing = applyOutcome(initialRecord("a", T0), transient, T0, P);
    assert.equal(failing.failures, 1);
    const rec = applyOutcome(failing, ok, T0 + 1, P);
    assert.deepEqual([rec.state, rec.failures, rec.probe], ["ready", 0, false]);
  });

  test("an ok that was in flight does not end a cooldown", () => {
    const cooling = applyOutcome(initialRecord("a", T0), usage(T0 + MIN), T0, P);
    assert.equal(applyOutcome(cooling, ok, T0 + 1, P).state, "cooling");
  });

  test("unauthorized -> needs-login, which time does not end and ok does not end; markSignedIn does", () => {
    const rec = applyOutcome(initialRecord("a", T0), unauthorized, T0, P);
    assert.deepEqual([rec.state, rec.code, rec.until], ["needs-login", "refresh_token_expired", null]);
    assert.match(rec.reason ?? "", /codex-lanes login a/);
    assert.equal(effectiveRecord(rec, T0 + 365 * 86_400_000).state, "needs-login");
    assert.equal(applyOutcome(rec, ok, T0 + 1, P).state, "needs-login");
    assert.equal(applyOutcome(rec, usage(T0 + MIN), T0 + 1, P).state, "needs-login");
    const signedIn = markSignedIn(rec, T0 + 2);
    assert.deepEqual([signedIn.state, signedIn.reason, signedIn.code, signedIn.updatedAt], ["ready", null, null, T0 + 2]);
  });

  test("markSignedIn leaves other states alone", () => {
    const cooling = applyOutcome(initialRecord("a", T0), usage(T0 + MIN), T0, P);
    assert.equal(markSignedIn(cooling, T0), cooling);
  });

  test("transient failures open the circuit at the threshold; it reopens as a probe", () => {
    let rec = initialRecord("a", T0);
    for (let i = 1; i < P.circuitThreshold; i++) {
      rec = applyOutcome(rec, transient, T0 + i, P);
      assert.deepEqual([rec.state, rec.failures], ["ready", i]);
    }
    rec = applyOutcome(rec, transient, T0 + 10, P);
    assert.deepEqual([rec.state, rec.until, rec.failures], ["circuit-open", T0 + 10 + P.circuitOpenMs, P.circuitThreshold]);
    assert.equal(effectiveRecord(rec, T0 + 10 + P.circuitOpenMs - 1).state, "circuit-open");
    const probing = effectiveRecord(rec, T0 + 10 + P.circuitOpenMs);
    assert.deepEqual([probing.state, probing.probe], ["ready", true]);

    const t1 = T0 + 10 + P.circuitOpenMs;
    const reopened = applyOutcome(probing, transient, t1, P);
    assert.deepEqual([reopened.state, reopened.until], ["circuit-open", t1 + P.circuitOpenMs]);

    const closed = applyOutcome(effectiveRecord(reopened, t1 + P.circuitOpenMs), ok, t1 + P.circuitOpenMs, P);
    assert.deepEqual([closed.state, closed.failures, closed.probe], ["ready", 0, false]);
  });

  test("a probe after an unknown-reset cooldown that fails transiently opens the circuit at once", () => {
    const cooling = applyOutcome(initialRecord("a", T0), limitUnknown, T0, P);
    const t = T0 + P.defaultCooldownMs;
    const rec = applyOutcome(cooling, transient, t, P);
    assert.deepEqual([rec.state, rec.until], ["circuit-open", t + P.circuitOpenMs]);
  });

  test("an engine that stopped answering opens the circuit at its first failure, and is not retried on the same lane", () => {
    const hung: Outcome = { class: "transient", code: "engine_unresponsive", message: "Codex stopped answering", opensCircuit: true };
    const rec = applyOutcome(initialRecord("a", T0), hung, T0, P);
    assert.deepEqual([rec.state, rec.until, rec.code], ["circuit-open", T0 + P.circuitOpenMs, "engine_unresponsive"]);
    assert.deepEqual(retryDecision(hung, 0, P, () => 0.5), { action: "next" });
    assert.equal(retryDecision(transient, 0, P, () => 0.5).action, "retry", "an ordinary transient failure is still retried");
  });

  test("client_error, cancelled and model_not_served change nothing; client_error is no failure", () => {
    const failing = applyOutcome(initialRecord("a", T0), transient, T0, P);
    for (const o of [clientError, { class: "cancelled", code: "cancelled", message: "" } as Outcome, { class: "model_not_served", code: "model_not_found", message: "" } as Outcome]) {
      assert.deepEqual(applyOutcome(failing, o, T0 + 1, P), failing);
    }
  });

  test("disable and enable; outcomes never undo a disable", () => {
    const off = disable(initialRecord("a", T0), T0);
    assert.equal(off.state, "disabled");
    assert.equal(applyOutcome(off, ok, T0 + 1, P).state, "disabled");
    assert.equal(applyOutcome(off, unauthorized, T0 + 1, P).state, "disabled");
    const on = enable(off, T0 + 2);
    assert.deepEqual([on.state, on.reason, on.code], ["ready", null, null]);
    const cooling = applyOutcome(initialRecord("a", T0), usage(T0 + MIN), T0, P);
    assert.equal(enable(cooling, T0), cooling);
  });
});

describe("applyRateLimits", () => {
  const snap = (primary: number, resetsAt: number | null, secondary = 10): RateLimitSnapshot => ({
    primary: { usedPercent: primary, windowMinutes: 300, resetsAt },
    secondary: { usedPercent: secondary, windowMinutes: 10080, resetsAt: T0 + 7 * 86_400_000 },
    planType: "plus",
    observedAt: T0,
  });

  test("at or above maxUsedPercent the lane cools until that window's reset", () => {
    const reset = T0 + 2 * 3_600_000;
    const rec = applyRateLimits(initialRecord("a", T0), snap(95, reset), 95, T0);
    assert.deepEqual([rec.state, rec.until, rec.code], ["cooling", reset, "max_used_percent"]);
    assert.match(rec.reason ?? "", /primary window 95% used \(max 95%\)/);
  });

  test("below the threshold nothing changes", () => {
    const fresh = initialRecord("a", T0);
    assert.equal(applyRateLimits(fresh, snap(94.9, T0 + MIN), 95, T0), fresh);
  });

  test("a later snapshot below the threshold returns the lane", () => {
    const cooling = applyRateLimits(initialRecord("a", T0), snap(97, T0 + 3_600_000), 95, T0);
    const back = applyRateLimits(cooling, snap(3, T0 + 5 * 3_600_000), 95, T0 + MIN);
    assert.deepEqual([back.state, back.until, back.code], ["ready", null, null]);
  });

  test("the secondary window counts too", () => {
    const rec = applyRateLimits(initialRecord("a", T0), snap(10, T0 + MIN, 100), 95, T0);
    assert.equal(rec.until, T0 + 7 * 86_400_000);
  });

  test("without maxUsedPercent only a spent window (100%) steps the lane aside", () => {
    assert.equal(applyRateLimits(initialRecord("a", T0), snap(99, T0 + MIN), undefined, T0).state, "ready");
    assert.equal(applyRateLimits(initialRecord("a", T0), snap(100, T0 + MIN), undefined, T0).state, "cooling");
  });

  test("a snapshot sharpens a usage-limit cooldown whose reset was unknown", () => {
    const cooling = applyOutcome(initialRecord("a", T0), limitUnknown, T0, P);
    const reset = T0 + 40 * MIN;
    const rec = applyRateLimits(cooling, snap(100, reset), undefined, T0 + 1);
    assert.deepEqual([rec.state, rec.until, rec.probe, rec.code], ["cooling", reset, false, "usage_limit_reached"]);
  });

  test("a snapshot below the threshold does not end a usage-limit cooldown", () => {
    const cooling = applyOutcome(initialRecord("a", T0), usage(T0 + MIN), T0, P);
    assert.equal(applyRateLimits(cooling, snap(5, T0 + MIN), 95, T0), cooling);
  });

  test("needs-login is not touched", () => {
    const rec = applyOutcome(initialRecord("a", T0), unauthorized, T0, P);
    assert.equal(applyRateLimits(rec, snap(100, T0 + MIN), 95, T0), rec);
  });
});

describe("pick", () => {
  const specs: LaneSpec[] = [
    { name: "a", models: ["gpt-5.5"] },
    { name: "b", models: "*" },
    { name: "c", models: ["gpt-5.5", "o3"] },
  ];

  test("the first lane that serves the model", () => {
    assert.deepEqual(pick({ specs, records: {}, model: "gpt-5.5", now: T0 }), { kind: "lane", name: "a", probe: false });
    assert.deepEqual(pick({ specs, records: {}, model: "o3", now: T0 }), { kind: "lane", name: "b", probe: false });
  });

  test("skips tried, cooling, disabled lanes; config-disabled lanes do not exist", () => {
    const records = { a: applyOutcome(initialRecord("a", T0), usage(T0 + MIN), T0, P) };
    assert.deepEqual(pick({ specs, records, model: "gpt-5.5", now: T0 }), { kind: "lane", name: "b", probe: false });
    assert.deepEqual(pick({ specs, records, model: "gpt-5.5", now: T0, tried: new Set(["b"]) }), { kind: "lane", name: "c", probe: false });
    assert.deepEqual(pick({ specs, records: { ...records, b: disable(initialRecord("b", T0), T0) }, model: "gpt-5.5", now: T0 }), { kind: "lane", name: "c", probe: false });
    assert.deepEqual(pick({ specs: [{ name: "x", models: "*", disabled: true }], records: {}, model: "gpt-5.5", now: T0 }), { kind: "none", reason: "unknown_model", retryAt: null });
  });

  test("a lane comes back at its reset, as a probe when the reset was unknown", () => {
    const records = { a: applyOutcome(initialRecord("a", T0), limitUnknown, T0, P) };
    assert.deepEqual(pick({ specs, records, model: "gpt-5.5", now: T0 + P.defaultCooldownMs }), { kind: "lane", name: "a", probe: true });
  });

  test("none: unknown_model, needs_login, exhausted with the earliest return", () => {
    assert.deepEqual(pick({ specs, records: {}, model: "nope", now: T0 }), { kind: "lane", name: "b", probe: false }); // b serves "*"
    assert.deepEqual(pick({ specs: specs.filter((s) => s.name !== "b"), records: {}, model: "nope", now: T0 }), { kind: "none", reason: "unknown_model", retryAt: null });
    const needs = Object.fromEntries(["a", "b", "c"].map((n) => [n, applyOutcome(initialRecord(n, T0), unauthorized, T0, P)]));
    assert.deepEqual(pick({ specs, records: needs, model: "gpt-5.5", now: T0 }), { kind: "none", reason: "needs_login", retryAt: null });
    const mixed = { ...needs, b: applyOutcome(initialRecord("b", T0), usage(T0 + 5 * MIN), T0, P), c: applyOutcome(initialRecord("c", T0), usage(T0 + 2 * MIN), T0, P) };
    assert.deepEqual(pick({ specs, records: mixed, model: "gpt-5.5", now: T0 }), { kind: "none", reason: "exhausted", retryAt: T0 + 2 * MIN });
  });
});

describe("retry policy", () => {
  test("backoff is exponential, capped, with full jitter", () => {
    const one = () => 0.999999;
    assert.equal(backoffDelay(1, P, one), Math.floor(0.999999 * 250));
    assert.equal(backoffDelay(2, P, one), Math.floor(0.999999 * 500));
    assert.equal(backoffDelay(3, P, one), Math.floor(0.999999 * 1000));
    assert.equal(backoffDelay(20, P, one), Math.floor(0.999999 * 4000));
    assert.equal(backoffDelay(3, P, () => 0), 0);
    assert.equal(backoffDelay(3, P, () => 0.5), 500);
  });

  test("decisions per class", () => {
    const r = () => 0.5;
    assert.deepEqual(retryDecision(transient, 0, P, r), { action: "retry", delayMs: 125 });
    assert.deepEqual(retryDecision(transient, 1, P, r), { action: "retry", delayMs: 250 });
    assert.deepEqual(retryDecision(transient, P.maxRetries, P, r), { action: "next" });
    assert.deepEqual(retryDecision({ ...transient, retryAfterMs: 3000 }, 0, P, r), { action: "retry", delayMs: 3000 });
    assert.deepEqual(retryDecision({ ...transient, retryAfterMs: P.maxRetryAfterMs + 1 }, 0, P, r), { action: "next" });
    assert.deepEqual(retryDecision(transient, 0, P, r, { probe: true }), { action: "next" });
    assert.deepEqual(retryDecision(usage(T0), 0, P, r), { action: "next" });
    assert.deepEqual(retryDecision(unauthorized, 0, P, r), { action: "next" });
    assert.deepEqual(retryDecision({ class: "model_not_served", code: "model_not_found", message: "" }, 0, P, r), { action: "next" });
    assert.deepEqual(retryDecision(clientError, 0, P, r), { action: "stop" });
    assert.deepEqual(retryDecision({ class: "cancelled", code: "cancelled", message: "" }, 0, P, r), { action: "stop" });
  });
});

// ---------------------------------------------------------------------------------------------
// The failover loop, end to end with fake lanes.

type Behaviour = (info: AttemptInfo, now: number) => AttemptResult<string> | Promise<AttemptResult<string>>;

function world(specs: LaneSpec[], policy: LanePolicy = P) {
  let clock = T0;
  const store = new Map<string, LaneRecord>();
  const behaviours = new Map<string, Behaviour>();
  const calls: { lane: string; probe: boolean; attemptNo: number }[] = [];
  const sleeps: number[] = [];
  const serve: Behaviour = () => ({ outcome: ok, result: "served" });
  const run = (opts: { model?: string; signal?: AbortSignal; sleep?: (ms: number) => Promise<void> } = {}) =>
    runLanes<string>({
      specs,
      model: opts.model ?? "gpt-5.5",
      policy,
      now: () => clock,
      sleep: opts.sleep ?? (async (ms) => {
        sleeps.push(ms);
        clock += ms;
      }),
      random: () => 0.5,
      signal: opts.signal,
      getRecord: (n) => store.get(n),
      // Persisted as JSON, the way the store keeps it.
      setRecord: (r) => void store.set(r.name, JSON.parse(JSON.stringify(r)) as LaneRecord),
      attempt: async (lane, info) => {
        calls.push({ lane, ...info });
        const res = await (behaviours.get(lane) ?? serve)(info, clock);
        clock += 1000;
        return res;
      },
    });
  return {
    run,
    store,
    calls,
    sleeps,
    on(lane: string, b: Behaviour) {
      behaviours.set(lane, b);
    },
    advanceTo(t: number) {
      clock = t;
    },
    get now() {
      return clock;
    },
  };
}

const AB: LaneSpec[] = [
  { name: "A", models: "*" },
  { name: "B", models: "*" },
];

describe("runLanes", () => {
  test("A hits its usage limit: B serves in the same run; later runs skip A until its reset; then A serves again", async () => {
    const w = world(AB);
    let limited = true;
    w.on("A", (_i, now) => (limited ? { outcome: limitAt318(now) } : { outcome: ok, result: "from A" }));
    w.on("B", () => ({ outcome: ok, result: "from B" }));

    const first = await w.run();
    assert.deepEqual(first.ok && [first.lane, first.result], ["B", "from B"]);
    assert.deepEqual(first.attempts.map((a) => [a.lane, a.outcome, a.code]), [["A", "usage_limit", "usage_limit_reached"], ["B", "ok", null]]);
    const reset = Date.UTC(2026, 10, 22, 3, 19);
    assert.deepEqual([w.store.get("A")?.state, w.store.get("A")?.until], ["cooling", reset]);

    w.calls.length = 0;
    w.advanceTo(reset - 1000);
    const second = await w.run();
    assert.equal(second.ok && second.lane, "B");
    assert.deepEqual(w.calls.map((c) => c.lane), ["B"]);

    limited = false;
    w.calls.length = 0;
    w.advanceTo(reset);
    const third = await w.run();
    assert.deepEqual(third.ok && [third.lane, third.result], ["A", "from A"]);
    assert.deepEqual(w.calls.map((c) => [c.lane, c.probe]), [["A", false]]);
    assert.equal(w.store.get("A")?.state, "ready");
  });

  test("unauthorized: the lane needs login and is skipped until signed in", async () => {
    const w = world(AB);
    w.on("A", () => ({ outcome: unauthorized }));
    const first = await w.run();
    assert.equal(first.ok && first.lane, "B");
    assert.equal(w.store.get("A")?.state, "needs-login");
    w.calls.length = 0;
    w.advanceTo(T0 + 30 * 86_400_000);
    await w.run();
    assert.deepEqual(w.calls.map((c) => c.lane), ["B"]);

    w.store.set("A", markSignedIn(w.store.get("A") as LaneRecord, w.now));
    w.on("A", () => ({ outcome: ok, result: "A again" }));
    const back = await w.run();
    assert.equal(back.ok && back.lane, "A");
  });

  test("every lane needs login: needs_login, telling what to run", async () => {
    const w = world(AB);
    w.on("A", () => ({ outcome: unauthorized }));
    w.on("B", () => ({ outcome: unauthorized }));
    const res = await w.run();
    assert.equal(res.ok, false);
    if (res.ok) return;
    assert.deepEqual([res.outcome.class, res.outcome.code, res.retryAt], ["unauthorized", "needs_login", null]);
    assert.match(res.outcome.message, /codex-lanes login/);
    assert.match(res.outcome.message, /A, B/);
  });

  test("transient: retried on the same lane with backoff, then the next lane", async () => {
    const w = world(AB);
    w.on("A", () => ({ outcome: transient }));
    const res = await w.run();
    assert.equal(res.ok && res.lane, "B");
    assert.deepEqual(res.attempts.map((a) => [a.lane, a.outcome]), [["A", "transient"], ["A", "transient"], ["A", "transient"], ["B", "ok"]]);
    assert.deepEqual(w.sleeps, [backoffDelay(1, P, () => 0.5), backoffDelay(2, P, () => 0.5)]);
    assert.deepEqual(w.calls.map((c) => c.attemptNo), [1, 2, 3, 4]);
    // One request's retries are one failure of the lane.
    assert.deepEqual([w.store.get("A")?.state, w.store.get("A")?.failures], ["ready", 1]);
  });

  test("a transient failure that then succeeds is served by the same lane", async () => {
    const w = world(AB);
    let n = 0;
    w.on("A", () => (n++ === 0 ? { outcome: transient } : { outcome: ok, result: "second try" }));
    const res = await w.run();
    assert.deepEqual(res.ok && [res.lane, res.result], ["A", "second try"]);
    assert.equal(w.store.get("A")?.failures, 0);
  });

  test("a transient failure on a lane that another request paused meanwhile is not retried there: the next lane serves", async () => {
    const w = world(AB);
    // While this attempt ran, another request found A's engine unresponsive and opened its circuit.
    w.on("A", (_i, now) => {
      w.store.set("A", applyOutcome(initialRecord("A", now), { class: "transient", code: "engine_unresponsive", message: "", opensCircuit: true }, now, P));
      return { outcome: { class: "transient", code: "engine_crashed", message: "codex app-server exited during the turn" } };
    });
    const res = await w.run();
    assert.equal(res.ok && res.lane, "B");
    assert.deepEqual(res.attempts.map((a) => [a.lane, a.code]), [["A", "engine_crashed"], ["B", null]]);
    assert.equal(w.store.get("A")?.state, "circuit-open");
  });

  test("Retry-After is honoured, and one above maxRetryAfterMs moves on at once", async () => {
    const w = world(AB);
    let n = 0;
    w.on("A", () => (n++ === 0 ? { outcome: { ...transient, retryAfterMs: 1500 } } : { outcome: ok, result: "A" }));
    await w.run();
    assert.deepEqual(w.sleeps, [1500]);

    const w2 = world(AB);
    w2.on("A", () => ({ outcome: { ...transient, retryAfterMs: P.maxRetryAfterMs + 1 } }));
    const res = await w2.run();
    assert.equal(res.ok && res.lane, "B");
    assert.deepEqual(w2.sleeps, []);
    assert.equal(res.attempts.length, 2);
  });

  test("the circuit opens after the threshold and closes after a successful probe", async () => {
    const w = world(AB);
    let healthy = false;
    w.on("A", () => (healthy ? { outcome: ok, result: "A" } : { outcome: transient }));
    for (let i = 0; i < P.circuitThreshold; i++) await w.run();
    const opened = w.store.get("A") as LaneRecord;
    assert.equal(opened.state, "circuit-open");

    w.calls.length = 0;
    await w.run();
    assert.deepEqual(w.calls.map((c) => c.lane), ["B"]);

    // A failed probe reopens it at once, without retries.
    w.advanceTo(opened.until as number);
    w.calls.length = 0;
    await w.run();
    assert.deepEqual(w.calls.map((c) => [c.lane, c.probe]), [["A", true], ["B", false]]);
    const reopened = w.store.get("A") as LaneRecord;
    assert.equal(reopened.state, "circuit-open");

    healthy = true;
    w.advanceTo(reopened.until as number);
    w.calls.length = 0;
    const res = await w.run();
    assert.equal(res.ok && res.lane, "A");
    assert.deepEqual(w.calls.map((c) => [c.lane, c.probe]), [["A", true]]);
    assert.deepEqual([w.store.get("A")?.state, w.store.get("A")?.failures], ["ready", 0]);
  });

  test("a failure after bytes reached the client does not fail over", async () => {
    const w = world(AB);
    w.on("A", () => ({ outcome: transient, committed: true }));
    const res = await w.run();
    assert.equal(res.ok, false);
    assert.deepEqual(res.attempts.map((a) => a.lane), ["A"]);
    assert.deepEqual(w.calls.map((c) => c.lane), ["A"]);
    if (!res.ok) assert.equal(res.outcome.code, "server_error");
    assert.equal(w.store.get("A")?.failures, 1);
  });

  test("a client error returns at once, without failover or penalty", async () => {
    const w = world(AB);
    w.on("A", () => ({ outcome: clientError }));
    const res = await w.run();
    assert.equal(res.ok, false);
    if (!res.ok) assert.deepEqual([res.outcome.class, res.outcome.code, res.retryAt], ["client_error", "context_window_exceeded", null]);
    assert.deepEqual(w.calls.map((c) => c.lane), ["A"]);
    assert.equal(w.store.get("A")?.state ?? "ready", "ready");
    assert.equal(w.store.get("A")?.failures ?? 0, 0);
  });

  test("model_not_served moves to the next lane", async () => {
    const w = world(AB);
    w.on("A", () => ({ outcome: { class: "model_not_served", code: "model_not_supported", message: "not here" } }));
    const res = await w.run();
    assert.equal(res.ok && res.lane, "B");
  });

  test("maxAttempts bounds the run", async () => {
    const specs: LaneSpec[] = [...AB, { name: "C", models: "*" }];
    const w = world(specs, { ...P, maxAttempts: 4 });
    for (const l of ["A", "B", "C"]) w.on(l, () => ({ outcome: transient }));
    const res = await w.run();
    assert.equal(res.ok, false);
    assert.equal(w.calls.length, 4);
    assert.equal(res.attempts.length, 4);
    assert.deepEqual(res.attempts.map((a) => a.lane), ["A", "A", "A", "B"]);
    if (!res.ok) assert.equal(res.outcome.class, "transient");
  });

  test("every lane cooling: all_lanes_exhausted with the earliest reset", async () => {
    const w = world(AB);
    w.on("A", (_i, now) => ({ outcome: usage(now + 3_600_000) }));
    w.on("B", (_i, now) => ({ outcome: usage(now + 1_800_000) }));
    const res = await w.run();
    assert.equal(res.ok, false);
    if (res.ok) return;
    const bReset = T0 + 1000 + 1_800_000; // B was attempted one second in
    assert.deepEqual([res.outcome.class, res.outcome.code, res.retryAt, res.outcome.resetsAt], ["usage_limit", "all_lanes_exhausted", bReset, bReset]);
    assert.equal(res.outcome.retryAfterMs, bReset - w.now);
    assert.match(res.outcome.message, /cooling down/);

    w.calls.length = 0;
    const again = await w.run();
    assert.deepEqual(w.calls, []);
    assert.equal(!again.ok && again.outcome.code, "all_lanes_exhausted");
    assert.deepEqual(again.attempts, []);
  });

  test("all lanes failing transiently returns the upstream failure, not exhaustion", async () => {
    const w = world(AB);
    w.on("A", () => ({ outcome: transient }));
    w.on("B", () => ({ outcome: transient }));
    const res = await w.run();
    assert.equal(!res.ok && res.outcome.code, "server_error");
    assert.equal(res.attempts.length, 6);
  });

  test("an unknown model", async () => {
    const w = world([{ name: "A", models: ["gpt-5.5"] }]);
    const res = await w.run({ model: "gpt-9" });
    assert.equal(res.ok, false);
    if (!res.ok) assert.deepEqual([res.outcome.class, res.outcome.code], ["model_not_served", "unknown_model"]);
    assert.deepEqual(w.calls, []);
  });

  test("an abort during an attempt is cancelled, with no penalty for the lane", async () => {
    const w = world(AB);
    const ctl = new AbortController();
    w.on("A", () => {
      ctl.abort();
      return { outcome: { class: "transient", code: "connection_failed", message: "killed" } };
    });
    const res = await w.run({ signal: ctl.signal });
    assert.equal(!res.ok && res.outcome.class, "cancelled");
    assert.deepEqual(res.attempts.map((a) => [a.lane, a.outcome]), [["A", "cancelled"]]);
    assert.equal(w.store.get("A")?.failures ?? 0, 0);
  });

  test("an abort during the backoff sleep is cancelled", async () => {
    const w = world(AB);
    const ctl = new AbortController();
    w.on("A", () => ({ outcome: transient }));
    const res = await w.run({
      signal: ctl.signal,
      sleep: async () => {
        ctl.abort();
        throw new Error("aborted");
      },
    });
    assert.equal(!res.ok && res.outcome.class, "cancelled");
    assert.deepEqual(w.calls.map((c) => c.lane), ["A"]);
  });

  test("an already aborted signal makes no attempt", async () => {
    const w = world(AB);
    const ctl = new AbortController();
    ctl.abort();
    const res = await w.run({ signal: ctl.signal });
    assert.equal(!res.ok && res.outcome.class, "cancelled");
    assert.deepEqual(w.calls, []);
  });

  test("an exception from attempt propagates and changes no record", async () => {
    const w = world(AB);
    w.on("A", () => {
      throw new Error("queue full");
    });
    await assert.rejects(w.run(), /queue full/);
    assert.equal(w.store.size, 0);
  });
});
