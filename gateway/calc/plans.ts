// The one table of ChatGPT plans: names, prices, capacity estimates and OpenAI's published Codex
// limits. The calculator, the savings ledger, the config loader, the dashboard and the Pulumi
// program (pulumi/settings.ts, pulumi/gateway-config.ts) all read it, so a plan name means the same
// thing everywhere. Pure data and functions with no imports: the Pulumi program loads this file
// under its own ts-node, outside the gateway.

export type PlanKey = "free" | "go" | "plus" | "pro-5x" | "pro-20x" | "business" | "edu" | "enterprise";

/** A range of local Codex messages per 5-hour window, as OpenAI publishes them. */
export interface MessageRange {
  low: number;
  high: number;
}

export interface Plan {
  /** Key in this table, in the config (`lanes[].plan`, `calc.plans.<plan>`) and in Pulumi (`accounts[].plan`). */
  plan: string;
  label: string;
  /** Monthly price of one account (or seat), USD; null where it is by agreement. */
  priceUsd: number | null;
  /** PLANNING ESTIMATE of the metered-API spend one account absorbs in a month, USD; null: no estimate. */
  capacityUsd: number | null;
  /** Local messages per 5 hours with GPT-5.5 (OpenAI's Codex pricing page); null where OpenAI gives no range. */
  messagesPer5h: MessageRange | null;
}

/** What `calc.plans.<plan>` may set; a plan not in the table needs priceUsd and capacityUsd. */
export interface PlanOverride {
  priceUsd?: number;
  capacityUsd?: number;
  label?: string;
}

export type PlanRow = Plan & {
  /** True when the config's `calc.plans` set or changed this row. */
  fromConfig: boolean;
};

// Capacity: the planning estimates the hosted service this product brings home publishes on its
// plan-comparison page ("Codex Limits: ChatGPT Plus vs Pro vs Business", proxyllm.ai): Plus about
// $700, Pro 5x about $3,500, Pro 20x about $14,000 of API-equivalent a month, "estimates, never
// guarantees". Business, Edu and Enterprise seats have Plus's per-seat limits (OpenAI's pricing
// page, for Enterprise and Edu without flexible pricing), so we give them Plus's figure. Free and Go
// are evaluation scale: no estimate, so the calculator never proposes them.
// Messages: OpenAI's Codex pricing page as public summaries quoted it in June 2026, local messages
// per 5 hours with GPT-5.5. Prices: OpenAI's monthly list prices in USD (Business billed monthly).
const BUILTIN: readonly Plan[] = [
  { plan: "free", label: "ChatGPT Free", priceUsd: 0, capacityUsd: null, messagesPer5h: null },
  { plan: "go", label: "ChatGPT Go", priceUsd: 8, capacityUsd: null, messagesPer5h: null },
  { plan: "plus", label: "ChatGPT Plus", priceUsd: 20, capacityUsd: 700, messagesPer5h: { low: 15, high: 80 } },
  { plan: "pro-5x", label: "ChatGPT Pro 5x", priceUsd: 100, capacityUsd: 3_500, messagesPer5h: { low: 80, high: 400 } },
  { plan: "pro-20x", label: "ChatGPT Pro 20x", priceUsd: 200, capacityUsd: 14_000, messagesPer5h: { low: 300, high: 1_600 } },
  { plan: "business", label: "ChatGPT Business (per seat)", priceUsd: 30, capacityUsd: 700, messagesPer5h: { low: 15, high: 80 } },
  { plan: "edu", label: "ChatGPT Edu (per seat)", priceUsd: null, capacityUsd: 700, messagesPer5h: { low: 15, high: 80 } },
  { plan: "enterprise", label: "ChatGPT Enterprise (per seat)", priceUsd: null, capacityUsd: 700, messagesPer5h: { low: 15, high: 80 } },
];

export const PLANS: readonly Plan[] = Object.freeze(BUILTIN.map((p) => Object.freeze({ ...p })));

export const PLAN_NAMES: readonly PlanKey[] = PLANS.map((p) => p.plan as PlanKey);

/** Old names that keep working, with a deprecation note: the plan each one means now. */
export const DEPRECATED_PLAN_NAMES: Readonly<Record<string, PlanKey>> = Object.freeze({
  // "Pro" was the $200 plan before OpenAI split it into Pro 5x ($100) and Pro 20x ($200).
  pro: "pro-20x",
  // ChatGPT Team was renamed Business; Pulumi stacks used to say "team".
  team: "business",
});

/**
 * Below this monthly API spend the calculator says the API key is the cheaper answer. The product's
 * planning documents put the break-even at roughly $150-250 (there, with a hosting fee); a
 * self-hosted gateway has no fee, so we take the low end. What is left at that size is a saving of
 * a few tens of dollars against a server, keeping accounts signed in, and small windows that one
 * burst can exhaust.
 */
export const API_KEY_CHEAPER_BELOW_USD = 150;

export interface ResolvedPlanName {
  plan: string;
  /** Set when `name` is a deprecated name: the sentence to show the user. */
  deprecation: string | null;
}

/** A plan name as a user wrote it, with deprecated names mapped to today's (`pro` -> `pro-20x`). */
export function resolvePlanName(name: string): ResolvedPlanName {
  if (!Object.hasOwn(DEPRECATED_PLAN_NAMES, name)) return { plan: name, deprecation: null };
  const now = DEPRECATED_PLAN_NAMES[name]!;
  const label = PLANS.find((p) => p.plan === now)!.label;
  return { plan: now, deprecation: `"${name}" is deprecated and means "${now}" (${label}); write "${now}"` };
}

/** The names a config may use for a plan, for error messages. */
export function knownPlanNames(extra: readonly string[] = []): string[] {
  return [...new Set([...PLAN_NAMES, ...extra])];
}

/**
 * The built-in table with the config's `calc.plans` laid over it: a known plan (or a deprecated
 * name of one) takes the fields given; a new key adds a row. Throws on a new row without a price
 * and a capacity (the config loader reports that with the field's path first).
 */
export function planTable(overrides: Readonly<Record<string, PlanOverride>> = {}): PlanRow[] {
  const table = new Map<string, PlanRow>(PLANS.map((p) => [p.plan, { ...p, fromConfig: false }]));
  for (const [name, o] of Object.entries(overrides)) {
    const key = resolvePlanName(name).plan;
    const base = table.get(key);
    const priceUsd = o.priceUsd ?? base?.priceUsd;
    const capacityUsd = o.capacityUsd ?? base?.capacityUsd;
    if (priceUsd === undefined || capacityUsd === undefined) {
      throw new Error(`calc.plans.${name}: a plan that is not built in needs both priceUsd and capacityUsd`);
    }
    table.set(key, { plan: key, label: o.label ?? base?.label ?? key, priceUsd, capacityUsd, messagesPer5h: base?.messagesPer5h ?? null, fromConfig: true });
  }
  return [...table.values()];
}

/**
 * The table's plan for a plan type Codex reports (`account/read` planType, `account/rateLimits/read`
 * and the usage-limit error's plan_type). Codex 0.169 tells Pro 5x from Pro 20x: `prolite` is the
 * $100 plan (its TUI says "Pro 100"), `pro` the $200 one ("Pro 200"). Codex labels `team` and the
 * self-serve business types "Business", and `business`, `ent26` and the enterprise_cbp types
 * "Enterprise". `promax` ("Pro 500"), `sci*` and `unknown` have no row here: null, and the lane's
 * configured plan stands.
 */
export function planFromCodex(planType: string | null | undefined): PlanKey | null {
  if (!planType) return null;
  return Object.hasOwn(CODEX_PLAN_TYPES, planType) ? CODEX_PLAN_TYPES[planType]! : null;
}

const CODEX_PLAN_TYPES: Readonly<Record<string, PlanKey>> = {
  free: "free",
  go: "go",
  plus: "plus",
  prolite: "pro-5x",
  pro: "pro-20x",
  team: "business",
  self_serve_business_prolite: "business",
  self_serve_business_usage_based: "business",
  business: "enterprise",
  ent26: "enterprise",
  enterprise_cbp_automation: "enterprise",
  enterprise_cbp_usage_based: "enterprise",
  enterprise: "enterprise",
  edu: "edu",
  edu_plus: "edu",
  edu_pro: "edu",
};
