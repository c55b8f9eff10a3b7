// The cost calculator: given a monthly metered-API spend, which plans and how many accounts would
// cover it, from the plan table. Pure; the CLI (`codex-lanes calc`) and the dashboard panel both
// render its result, including its sentences, so they never disagree.

import { API_KEY_CHEAPER_BELOW_USD, type Plan } from "./plans";

/** What the search needs of a plan row. */
export type PlanCapacity = Pick<Plan, "plan" | "label" | "priceUsd" | "capacityUsd">;

type UsablePlan = PlanCapacity & { priceUsd: number; capacityUsd: number };

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
  /** What this shape buys: one account is simpler; several windows absorb bursts. */
  tradeoff: string;
}

export interface Estimate {
  monthlyApiSpendUsd: number;
  /** The answer in one sentence (the API key below API_KEY_CHEAPER_BELOW_USD). */
  verdict: string;
  /** True when the spend is too small for plans to be worth it: keep the API key. */
  apiKeyCheaper: boolean;
  /** The cheapest combination found (fewest accounts among equal costs). */
  best: CoverOption;
  /** Other covers for the same money with at most twice best's accounts (at least 2), fewest first. */
  alternatives: CoverOption[];
  /** Only one plan each, cheapest first. */
  single: CoverOption[];
  /** Plans the estimate cannot use, and why. */
  leftOut: { plan: string; label: string; reason: string }[];
  /** Always shown next to the figures. */
  note: string;
}

export const MAX_SPEND_USD = 10_000_000;

export const ESTIMATE_NOTE =
  "These figures are estimates, not guarantees. OpenAI states plan limits as messages per 5-hour and weekly window, not in dollars; " +
  "the capacity per plan is a planning estimate (override it under \"calc.plans\" in the config with what your own lanes show). " +
  "Bursty traffic fills windows early and needs more accounts. Each account must be your own, with its own paid subscription: " +
  "accounts are never shared or pooled.";

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

/** "$3,500" (whole dollars); the CLI and the dashboard print money this way. */
export function wholeUsd(n: number): string {
  return `${n < 0 ? "-" : ""}$${Math.abs(n).toLocaleString("en-US", { maximumFractionDigits: 0 })}`;
}

/** "300-1,600". */
export function messageRange(r: { low: number; high: number }): string {
  return `${r.low.toLocaleString("en-US")}-${r.high.toLocaleString("en-US")}`;
}

/** "1 × ChatGPT Pro 5x + 2 × ChatGPT Plus". */
export function describeCover(o: Pick<CoverOption, "parts">): string {
  return o.parts.map((p) => `${p.accounts} × ${p.label}`).join(" + ");
}

export function estimate(monthlyApiSpendUsd: number, plans: readonly PlanCapacity[]): Estimate {
  const usable = plans.filter(isUsable).sort((a, b) => b.capacityUsd - a.capacityUsd || a.priceUsd - b.priceUsd);
  if (usable.length === 0) throw new InvalidSpendError("the plan table has no plan with both a price and a capacity above 0");
  const spend = monthlyApiSpendUsd;
  const single = usable.map((p) => option(spend, [[p, Math.max(1, Math.ceil(spend / p.capacityUsd))]])).sort(better);
  const search = cheapestMixes(spend, usable);
  const best = search?.[0] ?? single[0]!;
  const sameMoney = [...(search ?? []), ...single].filter((o) => sameCost(o, best) && o.accounts <= Math.max(2, 2 * best.accounts));
  const alternatives = dedupe(sameMoney.filter((o) => signature(o) !== signature(best))).sort(better).slice(0, 3);
  const apiKeyCheaper = spend < API_KEY_CHEAPER_BELOW_USD;
  return {
    monthlyApiSpendUsd: spend,
    verdict: apiKeyCheaper ? apiKeyVerdict(best) : planVerdict(spend, best),
    apiKeyCheaper,
    best,
    alternatives,
    single,
    leftOut: plans.filter((p) => !isUsable(p)).map((p) => ({ plan: p.plan, label: p.label, reason: leftOutReason(p) })),
    note: ESTIMATE_NOTE,
  };
}

function isUsable(p: PlanCapacity): p is UsablePlan {
  return p.priceUsd !== null && p.capacityUsd !== null && p.capacityUsd > 0;
}

function leftOutReason(p: PlanCapacity): string {
  if (p.priceUsd === null) return "priced by agreement";
  return "no capacity estimate";
}

function planVerdict(spend: number, best: CoverOption): string {
  const saving = best.savingUsd >= 0 ? `about ${wholeUsd(best.savingUsd)} a month less than the API` : `about ${wholeUsd(-best.savingUsd)} a month MORE than the API`;
  return `${describeCover(best)}: ${wholeUsd(best.monthlyCostUsd)} a month for about ${wholeUsd(best.capacityUsd)} of API-equivalent capacity against ${wholeUsd(spend)} of spend; ${saving}.`;
}

function apiKeyVerdict(best: CoverOption): string {
  return (
    `Keep your API key: below about ${wholeUsd(API_KEY_CHEAPER_BELOW_USD)} a month of API spend it is the cheaper answer. ` +
    `${describeCover(best)} (${wholeUsd(best.monthlyCostUsd)} a month) would save at most about ${wholeUsd(Math.max(0, best.savingUsd))} on paper, ` +
    "and only if the work were spread evenly over the month; a small workload comes in bursts that spend a 5-hour window and spill onto " +
    "the API anyway, and a server and signed-in accounts cost money and time."
  );
}

function tradeoff(spend: number, accounts: number, capacityUsd: number): string {
  const shape =
    accounts === 1
      ? "one account: the simplest to run; when its window is spent, the next lane serves"
      : `${accounts} independent windows: when a burst spends one, ${accounts === 2 ? "the other keeps" : "the others keep"} serving`;
  return capacityUsd >= 1.5 * spend ? `${shape}; room for about ${wholeUsd(capacityUsd)} a month` : shape;
}

function option(spend: number, counts: [UsablePlan, number][]): CoverOption {
  const used = counts.filter(([, n]) => n > 0);
  const cost = round2(used.reduce((s, [p, n]) => s + p.priceUsd * n, 0));
  const accounts = used.reduce((s, [, n]) => s + n, 0);
  const capacityUsd = round2(used.reduce((s, [p, n]) => s + p.capacityUsd * n, 0));
  return {
    parts: used.map(([p, n]) => ({ plan: p.plan, label: p.label, accounts: n })),
    accounts,
    monthlyCostUsd: cost,
    capacityUsd,
    savingUsd: round2(spend - cost),
    tradeoff: tradeoff(spend, accounts, capacityUsd),
  };
}

/** Cheaper first; among equal costs fewer accounts, then more capacity. */
function better(a: CoverOption, b: CoverOption): number {
  return a.monthlyCostUsd - b.monthlyCostUsd || a.accounts - b.accounts || b.capacityUsd - a.capacityUsd;
}

function sameCost(a: CoverOption, b: CoverOption): boolean {
  return Math.abs(a.monthlyCostUsd - b.monthlyCostUsd) < 0.005;
}

function signature(o: CoverOption): string {
  return o.parts.map((p) => `${p.plan}:${p.accounts}`).join(",");
}

function dedupe(options: CoverOption[]): CoverOption[] {
  const seen = new Map<string, CoverOption>();
  for (const o of options) if (!seen.has(signature(o))) seen.set(signature(o), o);
  return [...seen.values()];
}

/** Bound on the search; beyond it the best single-plan option stands. */
const MAX_STEPS = 2_000_000;
/** Equal-cost covers kept while searching (the fewest accounts win). */
const MAX_TIES = 32;

/**
 * Exact search over account counts per plan (plans by capacity, the last one in closed form),
 * pruned by the best price-per-capacity ratio. Returns the cheapest covers, best first (the
 * fewest accounts among equal costs), or null when the search would be too large.
 */
function cheapestMixes(spend: number, plans: UsablePlan[]): CoverOption[] | null {
  const minRatio = Math.min(...plans.map((p) => p.priceUsd / p.capacityUsd));
  const counts = plans.map(() => 0);
  let ties: CoverOption[] = [];
  let steps = 0;
  const bestCost = () => (ties.length ? ties[0]!.monthlyCostUsd : Infinity);
  const visit = (i: number, remaining: number, cost: number): boolean => {
    if (++steps > MAX_STEPS) return false;
    const p = plans[i]!;
    const most = Math.ceil(Math.max(0, remaining) / p.capacityUsd);
    if (i === plans.length - 1) {
      counts[i] = most;
      const o = option(spend, plans.map((q, j) => [q, counts[j]!]));
      if (o.accounts > 0 && o.monthlyCostUsd < bestCost() - 0.005) ties = [o];
      else if (o.accounts > 0 && sameCost(o, ties[0] ?? o)) ties = [...ties, o].sort(better).slice(0, MAX_TIES);
      return true;
    }
    for (let k = most; k >= 0; k--) {
      const rest = remaining - k * p.capacityUsd;
      const spent = cost + k * p.priceUsd;
      if (spent + Math.max(0, rest) * minRatio > bestCost() + 1e-9) continue;
      counts[i] = k;
      if (!visit(i + 1, rest, spent)) return false;
    }
    counts[i] = 0;
    return true;
  };
  return visit(0, spend, 0) ? ties.sort(better) : null;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
