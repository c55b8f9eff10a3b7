// The cost calculator (estimate, capacity table, config overrides, `codex-lanes calc`) and the
// savings ledger.

import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Readable, Writable } from "node:stream";
import { describe, test } from "node:test";
import fc from "fast-check";
import { estimate, InvalidSpendError, parseSpend, PLAN_NAMES, planFromCodex, PLANS, planTable, resolvePlanName, savingsLedger, type CoverOption } from "../gateway/calc";
import { main } from "../gateway/cli";
import type { PlanType } from "../gateway/codex/protocol/PlanType";
import type { CliIO } from "../gateway/cli/io";
import { ConfigError, loadConfig } from "../gateway/config";
import { openStore } from "../gateway/store";
import { codexLane, openaiLane, tempDir } from "./helpers/gateway";

async function cli(argv: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: CliIO = {
    out: new Writable({ write: (c, _e, cb) => ((out += String(c)), cb()) }),
    err: new Writable({ write: (c, _e, cb) => ((err += String(c)), cb()) }),
    stdin: Readable.from([]),
    env: { HOME: cwd },
    cwd,
    signal: new AbortController().signal,
  };
  return { code: await main(argv, io), out, err };
}

function projectDir(t: { after(fn: () => void): void }, config?: Record<string, unknown>): string {
  const dir = tempDir("codex-lanes-calc-");
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  if (config) writeFileSync(path.join(dir, "codex-lanes.json"), JSON.stringify({ dataDir: "./data", lanes: [{ name: "a", type: "codex" }], ...config }));
  return dir;
}

/** Cheapest cover by trying every count up to a bound: the reference for the search. */
function bruteForce(spend: number, plans: { priceUsd: number; capacityUsd: number }[]): number {
  let best = Infinity;
  const counts = plans.map((p) => Math.ceil(spend / p.capacityUsd));
  const walk = (i: number, cap: number, cost: number) => {
    if (i === plans.length) {
      if (cap >= spend && cost > 0) best = Math.min(best, cost);
      return;
    }
    for (let k = 0; k <= counts[i]!; k++) walk(i + 1, cap + k * plans[i]!.capacityUsd, cost + k * plans[i]!.priceUsd);
  };
  walk(0, 0, 0);
  return Math.round(best * 100) / 100;
}

describe("the plan table", () => {
  test("the plans as sold, each with a price (null by agreement), a capacity estimate and OpenAI's message range", () => {
    const row = (k: string) => PLANS.find((p) => p.plan === k)!;
    assert.deepEqual([...PLAN_NAMES], ["free", "go", "plus", "pro-5x", "pro-20x", "business", "edu", "enterprise"]);
    assert.deepEqual([row("plus").priceUsd, row("plus").capacityUsd, row("plus").messagesPer5h], [20, 700, { low: 15, high: 80 }]);
    assert.deepEqual([row("pro-5x").priceUsd, row("pro-5x").capacityUsd, row("pro-5x").messagesPer5h], [100, 3_500, { low: 80, high: 400 }]);
    assert.deepEqual([row("pro-20x").priceUsd, row("pro-20x").capacityUsd, row("pro-20x").messagesPer5h], [200, 14_000, { low: 300, high: 1_600 }]);
    assert.equal(row("enterprise").priceUsd, null);
    assert.equal(row("edu").priceUsd, null);
  });

  test("deprecated names keep working with a note: pro means pro-20x, team means business", () => {
    assert.deepEqual(resolvePlanName("pro-5x"), { plan: "pro-5x", deprecation: null });
    assert.equal(resolvePlanName("pro").plan, "pro-20x");
    assert.match(resolvePlanName("pro").deprecation ?? "", /"pro" is deprecated and means "pro-20x" \(ChatGPT Pro 20x\); write "pro-20x"/);
    assert.equal(resolvePlanName("team").plan, "business");
    assert.deepEqual(resolvePlanName("constructor"), { plan: "constructor", deprecation: null });
  });

  test("every plan type the pinned Codex can report maps to the table or, on purpose, to nothing", () => {
    // Typed by the pinned binary's generated protocol: a new PlanType after an upgrade fails the typecheck here.
    const expected: Record<PlanType, string | null> = {
      free: "free", go: "go", plus: "plus", prolite: "pro-5x", pro: "pro-20x", promax: null,
      team: "business", self_serve_business_prolite: "business", self_serve_business_usage_based: "business",
      business: "enterprise", ent26: "enterprise", enterprise_cbp_automation: "enterprise", enterprise_cbp_usage_based: "enterprise", enterprise: "enterprise",
      edu: "edu", edu_plus: "edu", edu_pro: "edu", sci: null, sci_plus: null, unknown: null,
    };
    for (const [codex, plan] of Object.entries(expected)) assert.equal(planFromCodex(codex), plan, codex);
    for (const other of ["toString", "constructor", "", null, undefined]) assert.equal(planFromCodex(other), null, String(other));
  });

  test("config rows change a plan's fields (by today's or a deprecated name) or add a plan; the other rows stay", () => {
    const table = planTable({ "pro-5x": { capacityUsd: 3_000 }, team: { priceUsd: 25 }, "team-seat": { priceUsd: 25, capacityUsd: 300, label: "Team seat" } });
    assert.deepEqual(table.find((p) => p.plan === "pro-5x"), { ...PLANS.find((p) => p.plan === "pro-5x"), capacityUsd: 3_000, fromConfig: true });
    assert.equal(table.find((p) => p.plan === "business")?.priceUsd, 25);
    assert.equal(table.find((p) => p.plan === "team"), undefined, "a deprecated name changes the plan it means");
    assert.deepEqual(table.find((p) => p.plan === "team-seat"), { plan: "team-seat", label: "Team seat", priceUsd: 25, capacityUsd: 300, messagesPer5h: null, fromConfig: true });
    assert.deepEqual(table.find((p) => p.plan === "plus"), { ...PLANS.find((p) => p.plan === "plus"), fromConfig: false });
  });
});

describe("estimate", () => {
  const covers = (os: CoverOption[]) => os.map((o) => o.parts.map((p) => `${p.accounts} ${p.plan}`).join(" + "));

  test("$3,500 a month (the product's headline example): 1 × Pro 5x for $100", () => {
    const e = estimate(3500, planTable());
    assert.deepEqual(covers([e.best]), ["1 pro-5x"]);
    assert.equal(e.best.monthlyCostUsd, 100);
    assert.equal(e.best.capacityUsd, 3_500);
    assert.equal(e.best.savingUsd, 3_400);
    assert.equal(e.apiKeyCheaper, false);
    assert.equal(e.verdict, "1 × ChatGPT Pro 5x: $100 a month for about $3,500 of API-equivalent capacity against $3,500 of spend; about $3,400 a month less than the API.");
    assert.deepEqual(e.alternatives, [], "five Plus accounts cost the same but are more than twice the accounts");
    assert.match(e.note, /estimates/);
  });

  test("$7,000: 1 × Pro 20x and 2 × Pro 5x both at $200, and what each buys", () => {
    const e = estimate(7000, planTable());
    assert.deepEqual(covers([e.best, ...e.alternatives]), ["1 pro-20x", "2 pro-5x"]);
    assert.deepEqual([e.best.monthlyCostUsd, e.alternatives[0]!.monthlyCostUsd], [200, 200]);
    assert.match(e.best.tradeoff, /^one account: the simplest to run/);
    assert.match(e.best.tradeoff, /room for about \$14,000 a month/);
    assert.match(e.alternatives[0]!.tradeoff, /^2 independent windows: when a burst spends one, the other keeps serving/);
  });

  test("below about $150 a month it says plainly that the API key is the cheaper answer", () => {
    for (const spend of [10, 100, 149]) {
      const e = estimate(spend, planTable());
      assert.equal(e.apiKeyCheaper, true, String(spend));
      assert.match(e.verdict, /^Keep your API key: below about \$150 a month of API spend it is the cheaper answer\./);
    }
    assert.equal(estimate(150, planTable()).apiKeyCheaper, false);
  });

  test("plans without a price or a capacity are left out, and say why", () => {
    const e = estimate(3500, planTable());
    assert.deepEqual(e.leftOut.map((l) => [l.plan, l.reason]), [
      ["free", "no capacity estimate"], ["go", "no capacity estimate"], ["edu", "priced by agreement"], ["enterprise", "priced by agreement"],
    ]);
    assert.ok(!e.single.some((o) => ["free", "go", "edu", "enterprise"].includes(o.parts[0]!.plan)));
  });

  test("the search finds the cheapest cover (checked against trying every count)", () => {
    const plan = fc.record({ priceUsd: fc.integer({ min: 1, max: 300 }), capacityUsd: fc.integer({ min: 10, max: 3000 }) });
    fc.assert(
      fc.property(fc.array(plan, { minLength: 1, maxLength: 3 }), fc.integer({ min: 1, max: 6000 }), (ps, spend) => {
        const plans = ps.map((p, i) => ({ plan: `p${i}`, label: `P${i}`, ...p }));
        const e = estimate(spend, plans);
        assert.ok(e.best.capacityUsd >= spend, "covers the spend");
        assert.equal(e.best.monthlyCostUsd, bruteForce(spend, plans));
        for (const o of e.single) assert.ok(e.best.monthlyCostUsd <= o.monthlyCostUsd);
        for (const o of e.alternatives) {
          assert.equal(o.monthlyCostUsd, e.best.monthlyCostUsd, "alternatives cost the same");
          assert.ok(o.capacityUsd >= spend && o.accounts >= e.best.accounts);
        }
      }),
      { numRuns: 200 },
    );
  });

  test("parseSpend takes plain and $-formatted amounts and refuses the rest", () => {
    for (const [text, n] of [["3500", 3500], ["$3,500", 3500], ["3500.50", 3500.5], [" 12 ", 12], ["1,000,000", 1_000_000]] as const) assert.equal(parseSpend(text), n, text);
    for (const bad of ["", "abc", "0", "-5", "1e3", "3,50", "NaN", "Infinity", "20000000", "12$"]) assert.throws(() => parseSpend(bad), InvalidSpendError, bad);
  });
});

describe("codex-lanes calc", () => {
  test("--monthly-api-spend 3500: 1 × Pro 5x at $100, each plan alone, the plan table, and that the figures are estimates", async (t) => {
    const r = await cli(["calc", "--monthly-api-spend", "3500"], projectDir(t));
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err, "");
    assert.match(r.out, /^ESTIMATE for \$3,500 of metered API spend a month:\n\n  1 × ChatGPT Pro 5x: \$100 a month for about \$3,500 of API-equivalent capacity/);
    assert.match(r.out, /What it buys: one account: the simplest to run/);
    assert.doesNotMatch(r.out, /The same money, another shape/);
    assert.match(r.out, /^ChatGPT Pro 5x\s+1\s+\$100\s+\$3,500\s+\$3,400$/m);
    assert.match(r.out, /^ChatGPT Pro 20x\s+pro-20x\s+\$200\s+\$14,000\s+300-1,600$/m);
    assert.match(r.out, /^ChatGPT Enterprise \(per seat\)\s+enterprise\s+by agreement\s+\$700\s+15-80$/m);
    assert.match(r.out, /Plan table \(built-in planning estimates\)/);
    assert.match(r.out, /These figures are estimates, not guarantees\./);
  });

  test("--monthly-api-spend 7000 shows 1 × Pro 20x and 2 × Pro 5x at $200 and what each buys", async (t) => {
    const r = await cli(["calc", "--monthly-api-spend", "7000"], projectDir(t));
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^  1 × ChatGPT Pro 20x: \$200 a month for about \$14,000 of API-equivalent capacity against \$7,000 of spend/m);
    assert.match(r.out, /^    What it buys: one account: the simplest to run; .*room for about \$14,000 a month\.$/m);
    assert.match(r.out, /The same money, another shape:\n  2 × ChatGPT Pro 5x: \$200 a month, covering about \$7,000\.\n    What it buys: 2 independent windows: when a burst spends one, the other keeps serving\.\n/);
  });

  test("--monthly-api-spend 100: the API key is the cheaper answer", async (t) => {
    const r = await cli(["calc", "--monthly-api-spend", "100"], projectDir(t));
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^  Keep your API key: below about \$150 a month of API spend it is the cheaper answer\./m);
  });

  test("bad or missing amounts exit 2 with a message naming the flag", async (t) => {
    const dir = projectDir(t);
    for (const argv of [["calc"], ["calc", "--monthly-api-spend", "lots"], ["calc", "--monthly-api-spend", "0"], ["calc", "--monthly-api-spend"], ["calc", "--monthly-api-spend=-5"], ["calc", "--monthly-api-spend", "3500", "extra"]]) {
      const r = await cli(argv, dir);
      assert.equal(r.code, 2, argv.join(" "));
      assert.equal(r.out, "");
      assert.match(r.err, argv.length === 4 ? /takes no arguments/ : /--monthly-api-spend/, argv.join(" "));
    }
  });

  test("the config's calc.plans changes the answer and is named in the output; --json gives the same figures", async (t) => {
    const dir = projectDir(t, { calc: { plans: { "pro-5x": { capacityUsd: 3_000 } } } });
    const r = await cli(["calc", "--monthly-api-spend", "3500"], dir);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^  5 × ChatGPT Plus: \$100 a month/m, "one Pro 5x no longer covers $3,500");
    assert.match(r.out, /ChatGPT Pro 5x \(from config\)\s+pro-5x\s+\$100\s+\$3,000/);
    assert.match(r.out, /built-in planning estimates with overrides from /);
    const j = JSON.parse((await cli(["calc", "--monthly-api-spend", "3500", "--json"], dir)).out) as ReturnType<typeof estimate> & { overridden: string[] };
    assert.deepEqual(j.best.parts.map((p) => [p.plan, p.accounts]), [["plus", 5]]);
    assert.deepEqual(j.overridden, ["pro-5x"]);
    assert.match(j.note, /estimates/);
  });

  test("a deprecated plan name in the config still works and says so on stderr", async (t) => {
    const dir = projectDir(t, { lanes: [{ name: "a", type: "codex", plan: "pro" }], calc: { plans: { pro: { capacityUsd: 3_000 } } } });
    const r = await cli(["calc", "--monthly-api-spend", "3000", "--json"], dir);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /codex-lanes\.json: lanes\[0\]\.plan: "pro" is deprecated and means "pro-20x" \(ChatGPT Pro 20x\); write "pro-20x"/);
    assert.match(r.err, /codex-lanes\.json: calc\.plans\.pro: "pro" is deprecated and means "pro-20x"/);
    const j = JSON.parse(r.out) as { plans: { plan: string; capacityUsd: number }[] };
    assert.equal(j.plans.find((p) => p.plan === "pro-20x")?.capacityUsd, 3_000);
    const config = loadConfig({ cwd: dir, env: { HOME: dir } });
    assert.equal(config.lanes[0]!.type === "codex" && config.lanes[0]!.plan, "pro-20x");
  });

  test("bad plan settings stop with the field named and the allowed plans (exit 2)", async (t) => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ calc: { plans: { "pro-5x": { capacityUsd: 0 } } } }, /calc\.plans\["pro-5x"\]\.capacityUsd: must be a number, at least 1/],
      [{ calc: { plans: { "team-seat": { priceUsd: 25 } } } }, /calc\.plans\["team-seat"\]: is not a built-in plan \(free, go, plus, pro-5x, pro-20x, business, edu, enterprise\), so it needs both "priceUsd" and "capacityUsd"/],
      [{ calc: { plans: { pro: { capacityUsd: 1 }, "pro-20x": { capacityUsd: 2 } } } }, /calc\.plans\["pro-20x"\]: names the same plan as "pro"; keep one of them/],
      [{ lanes: [{ name: "a", type: "codex", plan: "pro-10x" }] }, /lanes\[0\]\.plan: "pro-10x" is not a known plan; use one of free, go, plus, pro-5x, pro-20x, business, edu, enterprise \(or define it under calc\.plans\)/],
    ];
    for (const [config, problem] of cases) {
      const dir = projectDir(t, config);
      assert.throws(() => loadConfig({ cwd: dir, env: { HOME: dir } }), (err: unknown) => err instanceof ConfigError && problem.test(err.message), JSON.stringify(config));
      const r = await cli(["calc", "--monthly-api-spend", "3500"], dir);
      assert.equal(r.code, 2);
      assert.match(r.err, problem);
    }
    const custom = projectDir(t, { lanes: [{ name: "a", type: "codex", plan: "team-seat" }], calc: { plans: { "team-seat": { priceUsd: 25, capacityUsd: 300 } } } });
    assert.equal((await cli(["calc", "--monthly-api-spend", "3500"], custom)).code, 0, "a lane may name a plan defined under calc.plans");
  });
});

describe("savings ledger", () => {
  const now = Date.UTC(2025, 5, 16, 12); // 2025-06-16, half-way through June
  function store(rows: [string, string, number, number][]) {
    const s = openStore(":memory:");
    for (const [id, lane, createdAt, apiCostUsd] of rows) {
      s.requests.insert({ id, createdAt, keyName: "k", model: "m", stream: false, lane, attempts: [], status: "ok", httpStatus: 200, queueMs: 0, latencyMs: 1, apiCostUsd });
    }
    return s;
  }

  test("this month's API-equivalent per subscription lane, plan prices, metered spend and the net; other months left out", () => {
    const s = store([
      ["a1", "plus-a", Date.UTC(2025, 5, 1), 30],
      ["a2", "plus-a", Date.UTC(2025, 5, 15), 12.5],
      ["b1", "plus-b", Date.UTC(2025, 5, 10), 4],
      ["x1", "api", Date.UTC(2025, 5, 2), 7.25],
      ["old", "plus-a", Date.UTC(2025, 4, 31, 23, 59), 1000],
    ]);
    const config = { lanes: [codexLane("plus-a", { planPriceUsd: 18 }), codexLane("plus-b"), openaiLane("api", "http://x/v1", null, { monthlySpendCapUsd: 50 })] };
    const l = savingsLedger(config, s.requests, now);
    s.close();
    assert.equal(l.month, "2025-06");
    assert.deepEqual(l.subscription.map((x) => [x.lane, x.apiEquivalentUsd, x.planPriceUsd, x.priceFrom]), [
      ["plus-a", 42.5, 18, "lane"],
      ["plus-b", 4, null, null],
    ]);
    assert.deepEqual(l.metered, [{ lane: "api", spendUsd: 7.25, capUsd: 50 }]);
    assert.equal(l.totals.apiEquivalentUsd, 46.5);
    assert.equal(l.totals.planPricesUsd, 18);
    assert.equal(l.totals.netUsd, 28.5);
    assert.equal(l.totals.apiOnlyUsd, 53.75);
    assert.ok(Math.abs(l.totals.projectedApiOnlyUsd - 53.75 / l.elapsed) < 1e-6);
    assert.deepEqual(l.lanesWithoutPrice, ["plus-b"]);
  });

  test("a lane's plan comes from its account when Codex reports it, else from its config; the price from the plan unless planPriceUsd is set", () => {
    const s = store([["p1", "five", Date.UTC(2025, 5, 3), 900]]);
    const config = {
      lanes: [
        codexLane("five", { plan: "plus" }), // the account says Pro 5x: the account wins
        codexLane("twenty", { plan: "pro-20x" }), // not signed in: the config's plan
        codexLane("max", { plan: "pro-20x" }), // Codex names a plan the table does not have: the config's plan
        codexLane("priced", { plan: "pro-5x", planPriceUsd: 90 }), // a lane price wins over the plan's
        codexLane("custom", { plan: "team-seat" }),
      ],
      calc: { plans: { "team-seat": { priceUsd: 25, capacityUsd: 300, label: "Team seat" } } },
    };
    const l = savingsLedger(config, s.requests, now, { five: "prolite", twenty: null, max: "promax" });
    s.close();
    assert.deepEqual(
      l.subscription.map((x) => [x.lane, x.plan, x.planFrom, x.planPriceUsd, x.priceFrom, x.capacityUsd]),
      [
        ["five", "pro-5x", "account", 100, "plan", 3_500],
        ["twenty", "pro-20x", "config", 200, "plan", 14_000],
        ["max", "pro-20x", "config", 200, "plan", 14_000],
        ["priced", "pro-5x", "config", 90, "lane", 3_500],
        ["custom", "team-seat", "config", 25, "plan", 300],
      ],
    );
    assert.equal(l.subscription[0]!.planLabel, "ChatGPT Pro 5x");
    assert.equal(l.subscription[0]!.reportedPlanType, "prolite");
    assert.equal(l.totals.planPricesUsd, 615);
    assert.equal(l.totals.netUsd, 900 - 615);
    assert.deepEqual(l.lanesWithoutPrice, []);
  });

  test("an enterprise seat (priced by agreement) without planPriceUsd stays out of the net and is named", () => {
    const s = store([]);
    const l = savingsLedger({ lanes: [codexLane("corp")] }, s.requests, now, { corp: "enterprise" });
    s.close();
    assert.deepEqual([l.subscription[0]!.plan, l.subscription[0]!.planPriceUsd, l.subscription[0]!.capacityUsd], ["enterprise", null, 700]);
    assert.deepEqual(l.lanesWithoutPrice, ["corp"]);
  });
});
