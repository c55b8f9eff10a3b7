// The cost calculator: given a monthly metered-API spend, which plans and how many accounts would
// cover it, from the capacity table. Pure; the CLI (`codex-lanes calc`) and the dashboard panel
// both render its result.

import type { PlanCapacity } from "./capacity";

export interface PlanCount {
  plan: string;
  label: string;
  accounts: number;
}

export interface CoverOption {
  /** One entry per plan used, most capacity first. */
  parts: PlanCount[];
  accounts: number;
  monthlyCostUsd: number;
  /** Estimated API-equivalent capacity of these accounts per month. */
  capacityUsd: number;
  /** monthlyApiSpendUsd - monthlyCostUsd: positive when the plans are cheaper than the API. */
  savingUsd: number;
}

export interface Estimate {
  monthlyApiSpendUsd: number;
  /** Only one plan each, cheapest first. */
  single: CoverOption[];
  /** The cheapest combination found (fewest accounts among equal costs). */
  best: CoverOption;
  /** Always shown next to the figures. */
  note: string;
}

export const MAX_SPEND_USD = 10_000_000;

export const ESTIMATE_NOTE =
  "These figures are estimates. OpenAI states plan limits as messages per 5-hour and weekly window, not in dollars; " +
  "the capacity per plan comes from a table of rough estimates (override it under \"calc.plans\" in the config with what " +
  "your own lanes show). Bursty traffic fills windows early and needs more accounts. Each account must be a plan of its " +
  "own person on your team: accounts are never shared or pooled.";

export class InvalidSpendError extends Error {
  override readonly name = "InvalidSpendError";
}

/** "3500", "3500.50", "$3,500": a positive number of USD up to MAX_SPEND_USD. */
export function parseSpend(text: string): number {
  const cleaned = text.trim().replace(/^\$/, "").replace(/,(?=\d{3}(\D|$))/g, "");
  const n = /^\d+(\.\d+)?$/.test(cleaned) ? Number(cleaned) : NaN;
  if (!Number.isFinite(n) || n <= 0 || n > MAX_SPEND_USD) {
    throw new InvalidSpendError(`must be a positive amount of US dollars per month, at most ${MAX_SPEND_USD.toLocaleString("en-US")} (e.g. 3500)`);
  }
  return n;
}

export function estimate(monthlyApiSpendUsd: number, plans: readonly PlanCapacity[]): Estimate {
  const usable = plans.filter((p) => p.capacityUsd > 0).sort((a, b) => b.capacityUsd - a.capacityUsd || a.priceUsd - b.priceUsd);
  if (usable.length === 0) throw new InvalidSpendError("the capacity table has no plan with a capacity above 0");
  const spend = monthlyApiSpendUsd;
  const single = usable.map((p) => option(spend, [[p, Math.max(1, Math.ceil(spend / p.capacityUsd))]])).sort(better);
  const best = cheapestMix(spend, usable) ?? single[0]!;
  return { monthlyApiSpendUsd: spend, single, best, note: ESTIMATE_NOTE };
}

function option(spend: number, counts: [PlanCapacity, number][]): CoverOption {
  const used = counts.filter(([, n]) => n > 0);
  const cost = round2(used.reduce((s, [p, n]) => s + p.priceUsd * n, 0));
  return {
    parts: used.map(([p, n]) => ({ plan: p.plan, label: p.label, accounts: n })),
    accounts: used.reduce((s, [, n]) => s + n, 0),
    monthlyCostUsd: cost,
    capacityUsd: round2(used.reduce((s, [p, n]) => s + p.capacityUsd * n, 0)),
    savingUsd: round2(spend - cost),
  };
}

/** Cheaper first; among equal costs fewer accounts, then more capacity. */
function better(a: CoverOption, b: CoverOption): number {
  return a.monthlyCostUsd - b.monthlyCostUsd || a.accounts - b.accounts || b.capacityUsd - a.capacityUsd;
}

/** Bound on the search; beyond it the best single-plan option stands. */
const MAX_STEPS = 2_000_000;

/**
 * Exact search over account counts per plan (plans by capacity, the last one in closed form),
 * pruned by the best price-per-capacity ratio. Null when the search would be too large.
 */
function cheapestMix(spend: number, plans: PlanCapacity[]): CoverOption | null {
  const minRatio = Math.min(...plans.map((p) => p.priceUsd / p.capacityUsd));
  const counts = plans.map(() => 0);
  let best: CoverOption | null = null;
  let steps = 0;
  const visit = (i: number, remaining: number, cost: number): boolean => {
    if (++steps > MAX_STEPS) return false;
    const p = plans[i]!;
    const most = Math.ceil(Math.max(0, remaining) / p.capacityUsd);
    if (i === plans.length - 1) {
      counts[i] = most;
      const o = option(spend, plans.map((q, j) => [q, counts[j]!]));
      if (o.accounts > 0 && (best === null || better(o, best) < 0)) best = o;
      return true;
    }
    for (let k = most; k >= 0; k--) {
      const rest = remaining - k * p.capacityUsd;
      const spent = cost + k * p.priceUsd;
      if (best !== null && spent + Math.max(0, rest) * minRatio > best.monthlyCostUsd + 1e-9) continue;
      counts[i] = k;
      if (!visit(i + 1, rest, spent)) return false;
    }
    counts[i] = 0;
    return true;
  };
  return visit(0, spend, 0) ? best : null;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
