// The cost calculator (estimate, capacity table, config overrides, `codex-lanes calc`) and the
// savings ledger.

import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Readable, Writable } from "node:stream";
import { describe, test } from "node:test";
import fc from "fast-check";
import { BUILTIN_PLANS, estimate, InvalidSpendError, parseSpend, planTable, savingsLedger, type PlanCapacity } from "../gateway/calc";
import { main } from "../gateway/cli";
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
function bruteForce(spend: number, plans: PlanCapacity[]): number {
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

describe("estimate", () => {
  test("$3,500 a month with the built-in table: one Pro and four Plus, cheaper than any single plan", () => {
    const e = estimate(3500, planTable());
    assert.deepEqual(e.best.parts.map((p) => [p.plan, p.accounts]), [["pro", 1], ["plus", 4]]);
    assert.equal(e.best.monthlyCostUsd, 280);
    assert.ok(e.best.capacityUsd >= 3500);
    assert.equal(e.best.savingUsd, 3220);
    assert.deepEqual(e.single.map((o) => [o.parts[0]!.plan, o.accounts, o.monthlyCostUsd]), [["plus", 14, 280], ["pro", 2, 400], ["business", 14, 420]]);
    assert.match(e.note, /estimates/);
  });

  test("a small spend needs one account; a spend below a plan's price says it costs more than the API", () => {
    const e = estimate(10, planTable());
    assert.deepEqual(e.best.parts.map((p) => [p.plan, p.accounts]), [["plus", 1]]);
    assert.equal(e.best.savingUsd, -10);
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
      }),
      { numRuns: 200 },
    );
  });

  test("config rows replace or add plans; the built-in rows stay otherwise", () => {
    const table = planTable({ pro: { priceUsd: 200, capacityUsd: 4000 }, team: { priceUsd: 25, capacityUsd: 300, label: "Team seat" } });
    assert.deepEqual(table.find((p) => p.plan === "pro"), { plan: "pro", label: "ChatGPT Pro", priceUsd: 200, capacityUsd: 4000 });
    assert.deepEqual(table.find((p) => p.plan === "team"), { plan: "team", label: "Team seat", priceUsd: 25, capacityUsd: 300 });
    assert.deepEqual(table.find((p) => p.plan === "plus"), BUILTIN_PLANS.find((p) => p.plan === "plus"));
  });

  test("parseSpend takes plain and $-formatted amounts and refuses the rest", () => {
    for (const [text, n] of [["3500", 3500], ["$3,500", 3500], ["3500.50", 3500.5], [" 12 ", 12], ["1,000,000", 1_000_000]] as const) assert.equal(parseSpend(text), n, text);
    for (const bad of ["", "abc", "0", "-5", "1e3", "3,50", "NaN", "Infinity", "20000000", "12$"]) assert.throws(() => parseSpend(bad), InvalidSpendError, bad);
  });
});

describe("codex-lanes calc", () => {
  test("--monthly-api-spend 3500 prints the estimate, each plan alone, the capacity table and says the figures are estimates", async (t) => {
    const r = await cli(["calc", "--monthly-api-spend", "3500"], projectDir(t));
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^ESTIMATE for \$3,500 of metered API spend a month:/);
    assert.match(r.out, /1 x ChatGPT Pro \+ 4 x ChatGPT Plus: \$280 a month, covering about \$3,500; about \$3,220 a month less than the API\./);
    assert.match(r.out, /^ChatGPT Plus\s+14\s+\$280\s+\$3,500\s+\$3,220$/m);
    assert.match(r.out, /Capacity table \(built-in estimates\)/);
    assert.match(r.out, /These figures are estimates\./);
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
    const dir = projectDir(t, { calc: { plans: { pro: { priceUsd: 200, capacityUsd: 4000 } } } });
    const r = await cli(["calc", "--monthly-api-spend", "3500"], dir);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /1 x ChatGPT Pro: \$200 a month/);
    assert.match(r.out, /ChatGPT Pro \(from config\)\s+\$200\s+\$4,000/);
    const j = JSON.parse((await cli(["calc", "--monthly-api-spend", "3500", "--json"], dir)).out) as ReturnType<typeof estimate> & { overridden: string[] };
    assert.deepEqual(j.best.parts.map((p) => p.plan), ["pro"]);
    assert.deepEqual(j.overridden, ["pro"]);
    assert.match(j.note, /estimates/);
  });

  test("a bad calc section stops with the field named (exit 2)", async (t) => {
    const dir = projectDir(t, { calc: { plans: { pro: { priceUsd: 200, capacityUsd: 0 } } } });
    assert.throws(() => loadConfig({ cwd: dir, env: { HOME: dir } }), (err: unknown) => err instanceof ConfigError && /calc\.plans\.pro\.capacityUsd/.test(err.message));
    const r = await cli(["calc", "--monthly-api-spend", "3500"], dir);
    assert.equal(r.code, 2);
    assert.match(r.err, /calc\.plans\.pro\.capacityUsd/);
  });
});

describe("savings ledger", () => {
  test("this month's API-equivalent per subscription lane, plan prices, metered spend and the net; other months left out", () => {
    const store = openStore(":memory:");
    const now = Date.UTC(2025, 5, 16, 12); // 2025-06-16, half-way through June
    const add = (id: string, lane: string, createdAt: number, apiCostUsd: number) =>
      store.requests.insert({ id, createdAt, keyName: "k", model: "m", stream: false, lane, attempts: [], status: "ok", httpStatus: 200, queueMs: 0, latencyMs: 1, apiCostUsd });
    add("a1", "plus-a", Date.UTC(2025, 5, 1), 30);
    add("a2", "plus-a", Date.UTC(2025, 5, 15), 12.5);
    add("b1", "plus-b", Date.UTC(2025, 5, 10), 4);
    add("x1", "api", Date.UTC(2025, 5, 2), 7.25);
    add("old", "plus-a", Date.UTC(2025, 4, 31, 23, 59), 1000);
    const config = { lanes: [codexLane("plus-a", { planPriceUsd: 20 }), codexLane("plus-b"), openaiLane("api", "http://x/v1", null, { monthlySpendCapUsd: 50 })] };
    const l = savingsLedger(config, store.requests, now);
    store.close();
    assert.equal(l.month, "2025-06");
    assert.deepEqual(l.subscription, [
      { lane: "plus-a", apiEquivalentUsd: 42.5, planPriceUsd: 20 },
      { lane: "plus-b", apiEquivalentUsd: 4, planPriceUsd: null },
    ]);
    assert.deepEqual(l.metered, [{ lane: "api", spendUsd: 7.25, capUsd: 50 }]);
    assert.equal(l.totals.apiEquivalentUsd, 46.5);
    assert.equal(l.totals.planPricesUsd, 20);
    assert.equal(l.totals.netUsd, 26.5);
    assert.equal(l.totals.apiOnlyUsd, 53.75);
    assert.ok(Math.abs(l.totals.projectedApiOnlyUsd - 53.75 / l.elapsed) < 1e-6);
    assert.deepEqual(l.lanesWithoutPrice, ["plus-b"]);
  });
});
