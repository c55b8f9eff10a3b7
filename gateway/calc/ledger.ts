// The savings ledger of the current UTC calendar month: what the subscription (codex) lanes'
// traffic would have cost on the metered API (sum of api_cost_usd), what their plans cost, what
// the API-key lanes actually spent, and the net. A codex lane's plan is the one its account
// reports, else the one its config names; its price is the lane's planPriceUsd, else the plan's.

import type { RequestsApi } from "../store";
import { planFromCodex, planTable, type PlanOverride, type PlanRow } from "./plans";

export interface SubscriptionLine {
  lane: string;
  /** API-equivalent cost of the requests this lane served this month. */
  apiEquivalentUsd: number;
  /** Null when neither the lane nor its plan says what the plan costs. */
  planPriceUsd: number | null;
  /** "lane": the lane's planPriceUsd; "plan": the plan table's price. */
  priceFrom: "lane" | "plan" | null;
  /** Key in the plan table, or null when unknown. */
  plan: string | null;
  planLabel: string | null;
  /** "account": what Codex reports for the signed-in account; "config": the lane's `plan`. */
  planFrom: "account" | "config" | null;
  /** The plan type as Codex reported it (e.g. "prolite"), when it did. */
  reportedPlanType: string | null;
  /** The plan's capacity estimate, API-equivalent USD a month (a planning figure). */
  capacityUsd: number | null;
}

export interface MeteredLine {
  lane: string;
  spendUsd: number;
  capUsd: number | null;
}

export interface Ledger {
  /** "2025-06". */
  month: string;
  /** Epoch ms: start of the month, start of the next. */
  since: number;
  until: number;
  /** Share of the month gone by at `now`, 0..1. */
  elapsed: number;
  subscription: SubscriptionLine[];
  metered: MeteredLine[];
  totals: {
    apiEquivalentUsd: number;
    /** Sum of the plan prices that are set (whole-month prices). */
    planPricesUsd: number;
    meteredUsd: number;
    /** apiEquivalentUsd - planPricesUsd: what the plans saved (negative: cost more) so far this month. */
    netUsd: number;
    /** What all traffic of the month so far would have cost on the API. */
    apiOnlyUsd: number;
    /** apiOnlyUsd extrapolated to the whole month, for the calculator. */
    projectedApiOnlyUsd: number;
  };
  /** Codex lanes with no price (no planPriceUsd and no priced plan): left out of the net. */
  lanesWithoutPrice: string[];
}

/** Lane name -> the plan type its account reports (LaneView.plan), null when not known. */
export type AccountPlans = Readonly<Record<string, string | null | undefined>>;

export function monthBounds(now: number): [number, number] {
  const d = new Date(now);
  return [Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1), Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)];
}

/** What the ledger reads of the config: structural, so calc stays below gateway/config (which imports the plan table). */
export interface LedgerConfig {
  lanes: readonly LedgerLane[];
  calc?: { plans: Readonly<Record<string, PlanOverride>> };
}

type LedgerLane = CodexLedgerLane | { type: "openai"; name: string; monthlySpendCapUsd: number | null };

interface CodexLedgerLane {
  type: "codex";
  name: string;
  plan?: string;
  planPriceUsd: number | null;
}

export function savingsLedger(
  config: LedgerConfig,
  requests: Pick<RequestsApi, "monthSpend">,
  now: number,
  accountPlans: AccountPlans = {},
): Ledger {
  const [since, until] = monthBounds(now);
  const table = planTable(config.calc?.plans);
  const subscription: SubscriptionLine[] = [];
  const metered: MeteredLine[] = [];
  for (const lane of config.lanes) {
    const usd = round(requests.monthSpend(lane.name, now));
    if (lane.type === "codex") subscription.push(subscriptionLine(lane, usd, table, accountPlans[lane.name] ?? null));
    else metered.push({ lane: lane.name, spendUsd: usd, capUsd: lane.monthlySpendCapUsd });
  }
  const apiEquivalentUsd = round(subscription.reduce((s, l) => s + l.apiEquivalentUsd, 0));
  const planPricesUsd = round(subscription.reduce((s, l) => s + (l.planPriceUsd ?? 0), 0));
  const meteredUsd = round(metered.reduce((s, l) => s + l.spendUsd, 0));
  const elapsed = Math.min(1, Math.max(0, (now - since) / (until - since)));
  const apiOnlyUsd = round(apiEquivalentUsd + meteredUsd);
  return {
    month: new Date(since).toISOString().slice(0, 7),
    since,
    until,
    elapsed,
    subscription,
    metered,
    totals: {
      apiEquivalentUsd,
      planPricesUsd,
      meteredUsd,
      netUsd: round(apiEquivalentUsd - planPricesUsd),
      apiOnlyUsd,
      // Less than a day in, one request would extrapolate wildly: wait for a day of data.
      projectedApiOnlyUsd: round(now - since < 86_400_000 ? apiOnlyUsd : apiOnlyUsd / elapsed),
    },
    lanesWithoutPrice: subscription.filter((l) => l.planPriceUsd === null).map((l) => l.lane),
  };
}

function subscriptionLine(lane: CodexLedgerLane, apiEquivalentUsd: number, table: PlanRow[], reported: string | null): SubscriptionLine {
  const fromAccount = planFromCodex(reported);
  const key = fromAccount ?? lane.plan ?? null;
  const row = key === null ? undefined : table.find((p) => p.plan === key);
  const planPriceUsd = lane.planPriceUsd ?? row?.priceUsd ?? null;
  return {
    lane: lane.name,
    apiEquivalentUsd,
    planPriceUsd,
    priceFrom: lane.planPriceUsd !== null ? "lane" : planPriceUsd !== null ? "plan" : null,
    plan: row?.plan ?? null,
    planLabel: row?.label ?? null,
    planFrom: row === undefined ? null : fromAccount !== null ? "account" : "config",
    reportedPlanType: reported,
    capacityUsd: row?.capacityUsd ?? null,
  };
}

/** Cents are what people read; keep sub-cent precision out of float noise only. */
function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}
