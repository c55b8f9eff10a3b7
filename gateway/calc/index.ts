// Money: the savings ledger and the plan cost calculator. See README.md.

export { BUILTIN_PLANS, planTable, type PlanCapacity, type PlanOverride } from "./capacity";
export { ESTIMATE_NOTE, estimate, InvalidSpendError, MAX_SPEND_USD, parseSpend, type CoverOption, type Estimate, type PlanCount } from "./estimate";
export { monthBounds, savingsLedger, type Ledger, type MeteredLine, type SubscriptionLine } from "./ledger";
