// The capacity table behind the cost calculator: for each ChatGPT plan, its monthly price and an
// ESTIMATE of how much metered-API spend one account of it can absorb in a month. OpenAI publishes
// plan limits as messages per 5-hour and weekly window, not in dollars, so the dollar figures are
// our own rough conversion; the config's `calc.plans` replaces or adds entries (see README.md).

export interface PlanCapacity {
  /** Key in the table and in the config (`calc.plans.<plan>`). */
  plan: string;
  label: string;
  /** Monthly price of one account, USD. */
  priceUsd: number;
  /** Estimated API-equivalent usage one account covers per month, USD. */
  capacityUsd: number;
}

export interface PlanOverride {
  priceUsd: number;
  capacityUsd: number;
  label?: string;
}

/**
 * Built-in estimates. Pro is priced 10x Plus and its published Codex limits are roughly 6-10x
 * Plus; Business seats have about Plus's limits. The dollar capacity assumes mixed chat turns at
 * about the gpt-5.x API price, with both windows used steadily all month; bursty traffic gets less.
 */
export const BUILTIN_PLANS: readonly PlanCapacity[] = Object.freeze([
  { plan: "plus", label: "ChatGPT Plus", priceUsd: 20, capacityUsd: 250 },
  { plan: "business", label: "ChatGPT Business (per seat)", priceUsd: 30, capacityUsd: 250 },
  { plan: "pro", label: "ChatGPT Pro", priceUsd: 200, capacityUsd: 2_500 },
]);

/** The built-in table with the config's entries laid over it (same key: replaced; new key: added). */
export function planTable(overrides: Readonly<Record<string, PlanOverride>> = {}): PlanCapacity[] {
  const table = new Map<string, PlanCapacity>(BUILTIN_PLANS.map((p) => [p.plan, { ...p }]));
  for (const [plan, o] of Object.entries(overrides)) {
    const label = o.label ?? table.get(plan)?.label ?? plan;
    table.set(plan, { plan, label, priceUsd: o.priceUsd, capacityUsd: o.capacityUsd });
  }
  return [...table.values()];
}
