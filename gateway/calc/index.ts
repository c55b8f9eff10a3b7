// Money: the plan table, the savings ledger and the plan cost calculator. See README.md.

export {
  API_KEY_CHEAPER_BELOW_USD,
  DEPRECATED_PLAN_NAMES,
  knownPlanNames,
  PLAN_NAMES,
  PLANS,
  planFromCodex,
  planTable,
  resolvePlanName,
  type MessageRange,
  type Plan,
  type PlanKey,
  type PlanOverride,
  type PlanRow,
} from "./plans";
export { describeCover, ESTIMATE_NOTE, estimate, messageRange, InvalidSpendError, MAX_SPEND_USD, parseSpend, wholeUsd, type CoverOption, type Estimate, type PlanCapacity, type PlanCount } from "./estimate";
export { monthBounds, savingsLedger, type AccountPlans, type Ledger, type MeteredLine, type SubscriptionLine } from "./ledger";
