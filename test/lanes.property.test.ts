// Properties of the lane core over random lanes, records, outcomes and clocks (fast-check).

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import {
  applyOutcome,
  applyRateLimits,
  disable,
  effectiveRecord,
  enable,
  initialRecord,
  markSignedIn,
  pick,
  runLanes,
  type LanePolicy,
  type LaneRecord,
  type LaneSpec,
  type Outcome,
  type OutcomeClass,
} from "../gateway/lanes";

const T0 = Date.UTC(2026, 10, 22, 2, 0, 0);
const HOUR = 3_600_000;
const MODELS = ["m1", "m2", "m3"] as const;
const RUNS = { numRuns: 300 };
/** pick is cheap: more runs make exact boundary cases (now === until ± 1 ms) likely. */
const PICK_RUNS = { numRuns: 3000 };

// ---------------------------------------------------------------------------------------------
// Generators

const STEP = 10 * 60_000;

/** Times on a coarse grid around T0, sometimes a millisecond off it, so `now` often meets an `until` exactly. */
function gridArb(min: number, max: number): fc.Arbitrary<number> {
  return fc.tuple(fc.integer({ min, max }), fc.constantFrom(-1, 0, 0, 1)).map(([k, d]) => k * STEP + d);
}

const modelsArb: fc.Arbitrary<LaneSpec["models"]> = fc.oneof(
  fc.constant("*" as const),
  fc.subarray([...MODELS], { minLength: 1 }),
);

const specsArb: fc.Arbitrary<LaneSpec[]> = fc
  .array(fc.record({ models: modelsArb, disabled: fc.boolean() }, { requiredKeys: ["models"] }), { minLength: 1, maxLength: 5 })
  .map((xs) => xs.map((x, i) => ({ name: `lane${i}`, ...x })));

const stateArb = fc.constantFrom("ready", "cooling", "needs-login", "circuit-open", "disabled") as fc.Arbitrary<LaneRecord["state"]>;

function recordArb(name: string): fc.Arbitrary<LaneRecord> {
  return fc
    .record({ state: stateArb, offset: gridArb(-12, 12), probe: fc.boolean(), failures: fc.nat(5) })
    .map(({ state, offset, probe, failures }) => ({
      name,
      state,
      until: state === "cooling" || state === "circuit-open" ? T0 + offset : null,
      reason: state === "ready" ? null : "why",
      code: state === "ready" ? null : "code",
      failures,
      probe,
      updatedAt: T0 - HOUR,
    }));
}

/** Specs plus a record for some of the lanes. */
const worldArb = specsArb.chain((specs) =>
  fc.record({
    specs: fc.constant(specs),
    records: fc.tuple(...specs.map((s) => fc.option(recordArb(s.name), { nil: undefined }))).map((recs) => {
      const out: Record<string, LaneRecord | undefined> = {};
      specs.forEach((s, i) => (out[s.name] = recs[i]));
      return out;
    }),
    tried: fc.subarray(specs.map((s) => s.name)),
    model: fc.constantFrom(...MODELS),
    now: gridArb(-6, 18).map((d) => T0 + d),
  }),
);

const classArb = fc.constantFrom<OutcomeClass>("ok", "usage_limit", "unauthorized", "transient", "client_error", "model_not_served", "cancelled");

const outcomeArb: fc.Arbitrary<Outcome> = fc
  .record({
    cls: classArb,
    resetIn: fc.option(fc.integer({ min: -HOUR, max: 6 * HOUR }), { nil: undefined }),
    retryAfterMs: fc.option(fc.integer({ min: 0, max: 20_000 }), { nil: undefined }),
  })
  .map(({ cls, resetIn, retryAfterMs }) => {
    const o: Outcome = { class: cls, code: cls === "ok" ? "ok" : `${cls}_code`, message: cls };
    if (cls === "usage_limit" && resetIn !== undefined) o.resetsAt = T0 + resetIn; // absolute, may be in the past later
    if (cls === "transient" && retryAfterMs !== undefined) o.retryAfterMs = retryAfterMs;
    return o;
  });

const policyArb: fc.Arbitrary<LanePolicy> = fc.record({
  defaultCooldownMs: fc.integer({ min: 1, max: 2 * HOUR }),
  maxRetries: fc.nat(4),
  backoffBaseMs: fc.integer({ min: 0, max: 1000 }),
  backoffMaxMs: fc.integer({ min: 0, max: 8000 }),
  maxRetryAfterMs: fc.integer({ min: 0, max: 15_000 }),
  circuitThreshold: fc.integer({ min: 1, max: 5 }),
  circuitOpenMs: fc.integer({ min: 1, max: HOUR }),
  maxAttempts: fc.integer({ min: 0, max: 12 }),
});

function serves(spec: LaneSpec, model: string): boolean {
  return !spec.disabled && (spec.models === "*" || spec.models.includes(model));
}

/** The lane is usable at `now` by the rules' plain reading: ready, or paused with the pause over. */
function usableAt(rec: LaneRecord | undefined, now: number): boolean {
  if (!rec) return true;
  if (rec.state === "ready") return true;
  return (rec.state === "cooling" || rec.state === "circuit-open") && rec.until !== null && rec.until <= now;
}

// ---------------------------------------------------------------------------------------------

describe("pick properties", () => {
  test("(a) a cooling or open lane is never picked before its until", () => {
    fc.assert(
      fc.property(worldArb, (w) => {
        const res = pick({ ...w, tried: new Set(w.tried) });
        if (res.kind !== "lane") return;
        const rec = w.records[res.name];
        if (rec && (rec.state === "cooling" || rec.state === "circuit-open")) assert.ok((rec.until as number) <= w.now);
        assert.ok(!rec || (rec.state !== "needs-login" && rec.state !== "disabled"));
      }),
      PICK_RUNS,
    );
  });

  test("(b) the pick is always the highest ready lane that serves the model", () => {
    fc.assert(
      fc.property(worldArb, (w) => {
        const tried = new Set(w.tried);
        const res = pick({ ...w, tried });
        const expected = w.specs.find((s) => serves(s, w.model) && !tried.has(s.name) && usableAt(w.records[s.name], w.now));
        if (expected) {
          assert.equal(res.kind, "lane");
          assert.equal(res.kind === "lane" && res.name, expected.name);
        } else {
          assert.equal(res.kind, "none");
          const anyServes = w.specs.some((s) => serves(s, w.model));
          assert.equal(res.kind === "none" && res.reason === "unknown_model", !anyServes);
        }
      }),
      PICK_RUNS,
    );
  });

  test("retryAt, when given, is a moment at which some serving lane becomes usable", () => {
    fc.assert(
      fc.property(worldArb, (w) => {
        const res = pick({ ...w, tried: new Set(w.tried) });
        if (res.kind !== "none" || res.retryAt === null) return;
        assert.ok(res.retryAt > w.now);
        const back = w.specs.filter((s) => serves(s, w.model)).some((s) => !usableAt(w.records[s.name], res.retryAt! - 1) && usableAt(w.records[s.name], res.retryAt!));
        assert.ok(back);
      }),
      PICK_RUNS,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Runs against lanes whose behaviour is a random script.

interface Step {
  outcome: Outcome;
  committed: boolean;
}

const stepArb: fc.Arbitrary<Step> = fc.record({ outcome: outcomeArb, committed: fc.boolean() });

interface Scenario {
  laneCount: number;
  policy: LanePolicy;
  scripts: Step[][];
  gaps: number[];
  attemptMs: number;
  randoms: number[];
}

const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  laneCount: fc.integer({ min: 1, max: 4 }),
  policy: policyArb,
  scripts: fc.array(fc.array(stepArb, { minLength: 1, maxLength: 6 }), { minLength: 4, maxLength: 4 }),
  gaps: fc.array(fc.integer({ min: 0, max: 2 * HOUR }), { minLength: 1, maxLength: 8 }),
  attemptMs: fc.integer({ min: 0, max: 120_000 }),
  randoms: fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 1, maxLength: 8 }),
});

/** Runs one run per gap, advancing the clock by the gap before each. Returns every attempt made. */
async function simulate(sc: Scenario, check: (lane: string, now: number, resets: Map<string, number>) => void) {
  const specs: LaneSpec[] = Array.from({ length: sc.laneCount }, (_, i) => ({ name: `L${i}`, models: "*" }));
  const store = new Map<string, LaneRecord>();
  const cursor = new Map<string, number>();
  const resets = new Map<string, number>();
  let clock = T0;
  let r = 0;
  const perRun: number[] = [];
  for (const gap of sc.gaps) {
    clock += gap;
    let calls = 0;
    await runLanes<string>({
      specs,
      model: "m1",
      policy: sc.policy,
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
      random: () => sc.randoms[r++ % sc.randoms.length]!,
      getRecord: (n) => store.get(n),
      setRecord: (rec) => void store.set(rec.name, rec),
      attempt: async (lane) => {
        calls++;
        if (calls > 1000) throw new Error("runaway run");
        check(lane, clock, resets);
        const i = Number(lane.slice(1));
        const script = sc.scripts[i]!;
        const n = cursor.get(lane) ?? 0;
        cursor.set(lane, n + 1);
        const step = script[n % script.length]!;
        clock += sc.attemptMs;
        // A reset is stated relative to when the lane answered.
        const outcome = step.outcome.resetsAt !== undefined ? { ...step.outcome, resetsAt: step.outcome.resetsAt - T0 + clock } : step.outcome;
        if (outcome.class === "usage_limit" && outcome.resetsAt !== undefined && outcome.resetsAt > clock) {
          resets.set(lane, outcome.resetsAt);
        }
        return { outcome, result: outcome.class === "ok" ? "r" : undefined, committed: step.committed };
      },
    });
    perRun.push(calls);
  }
  return perRun;
}

describe("run properties", () => {
  test("(c) after a lane reported a usage limit with reset R, nothing attempts it before R", async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (sc) => {
        await simulate(sc, (lane, now, resets) => {
          const r = resets.get(lane);
          assert.ok(r === undefined || now >= r, `${lane} attempted at ${now}, before its reset ${r}`);
        });
      }),
      RUNS,
    );
  });

  test("(d) runLanes never makes more than maxAttempts attempts and always terminates", async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (sc) => {
        const perRun = await simulate(sc, () => {});
        for (const calls of perRun) assert.ok(calls <= sc.policy.maxAttempts, `${calls} attempts > ${sc.policy.maxAttempts}`);
      }),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------------------------------------

type Op =
  | { op: "outcome"; outcome: Outcome; dt: number }
  | { op: "rate"; used: number; secondaryUsed: number; resetIn: number | null; max: number | undefined; dt: number }
  | { op: "disable" | "enable" | "signedIn" | "effective"; dt: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant("outcome" as const), outcome: outcomeArb, dt: fc.nat(HOUR) }),
  fc.record({
    op: fc.constant("rate" as const),
    used: fc.double({ min: 0, max: 100, noNaN: true }),
    secondaryUsed: fc.double({ min: 0, max: 100, noNaN: true }),
    resetIn: fc.option(fc.integer({ min: -HOUR, max: 5 * HOUR }), { nil: null }),
    max: fc.option(fc.integer({ min: 50, max: 100 }), { nil: undefined }),
    dt: fc.nat(HOUR),
  }),
  fc.record({ op: fc.constantFrom("disable" as const, "enable" as const, "signedIn" as const, "effective" as const), dt: fc.nat(HOUR) }),
);

function applyOp(rec: LaneRecord, op: Op, now: number, policy: LanePolicy): LaneRecord {
  switch (op.op) {
    case "outcome":
      return applyOutcome(rec, op.outcome, now, policy);
    case "rate": {
      const resetsAt = op.resetIn === null ? null : now + op.resetIn;
      const snapshot = {
        primary: { usedPercent: op.used, windowMinutes: 300, resetsAt },
        secondary: { usedPercent: op.secondaryUsed, windowMinutes: 10080, resetsAt: now + 100 * HOUR },
        planType: "plus",
        observedAt: now,
      };
      return applyRateLimits(rec, snapshot, op.max, now, policy);
    }
    case "disable":
      return disable(rec, now);
    case "enable":
      return enable(rec, now);
    case "signedIn":
      return markSignedIn(rec, now);
    case "effective":
      return effectiveRecord(rec, now);
  }
}

describe("record properties", () => {
  test("(e) records survive a JSON round trip unchanged after any sequence of changes", () => {
    fc.assert(
      fc.property(policyArb, fc.array(opArb, { maxLength: 30 }), (policy, ops) => {
        let now = T0;
        let rec = initialRecord("lane", now);
        for (const op of ops) {
          now += op.dt;
          rec = applyOp(rec, op, now, policy);
          assert.deepStrictEqual(JSON.parse(JSON.stringify(rec)), rec);
        }
      }),
      RUNS,
    );
  });

  test("until is set exactly when the lane is cooling or circuit-open", () => {
    fc.assert(
      fc.property(policyArb, fc.array(opArb, { maxLength: 30 }), (policy, ops) => {
        let now = T0;
        let rec = initialRecord("lane", now);
        for (const op of ops) {
          now += op.dt;
          rec = applyOp(rec, op, now, policy);
          const paused = rec.state === "cooling" || rec.state === "circuit-open";
          assert.equal(rec.until !== null, paused, JSON.stringify(rec));
          assert.equal(rec.reason !== null, rec.state !== "ready", JSON.stringify(rec));
        }
      }),
      RUNS,
    );
  });
});
