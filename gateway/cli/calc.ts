// `codex-lanes calc --monthly-api-spend 3500 [--json]`: which ChatGPT plans, and how many accounts,
// would cover that much metered-API spend a month, from the capacity table (built-in estimates,
// config `calc.plans` over them). Says plainly that the figures are estimates.

import { estimate, InvalidSpendError, parseSpend, planTable, type CoverOption, type PlanCapacity } from "../calc";
import type { Config } from "../config/types";
import { EXIT_OK, UsageError, type CliIO } from "./io";
import { table } from "./table";

export function calcCommand(config: Config, flags: { monthlyApiSpend?: string; json?: boolean }, io: CliIO): number {
  if (flags.monthlyApiSpend === undefined) {
    throw new UsageError("calc needs --monthly-api-spend <USD>, e.g. codex-lanes calc --monthly-api-spend 3500");
  }
  let spend: number;
  try {
    spend = parseSpend(flags.monthlyApiSpend);
  } catch (err) {
    if (err instanceof InvalidSpendError) throw new UsageError(`--monthly-api-spend ${err.message} (got "${flags.monthlyApiSpend.slice(0, 40)}")`);
    throw err;
  }
  const overrides = config.calc?.plans ?? {};
  const plans = planTable(overrides);
  const result = estimate(spend, plans);
  if (flags.json) {
    io.out.write(JSON.stringify({ ...result, plans, overridden: Object.keys(overrides) }, null, 2) + "\n");
    return EXIT_OK;
  }
  io.out.write(render(result, plans, Object.keys(overrides), config.source));
  return EXIT_OK;
}

const money = (n: number) => `${n < 0 ? "-" : ""}$${Math.abs(n).toLocaleString("en-US", { maximumFractionDigits: 0 })}`;

function describe(o: CoverOption): string {
  return o.parts.map((p) => `${p.accounts} x ${p.label}`).join(" + ");
}

function render(e: ReturnType<typeof estimate>, plans: PlanCapacity[], overridden: string[], source: string): string {
  const best = e.best;
  const verdict = best.savingUsd >= 0 ? `about ${money(best.savingUsd)} a month less than the API` : `about ${money(-best.savingUsd)} a month MORE than the API`;
  const single = table(
    ["ONE PLAN ONLY", "ACCOUNTS", "COST/MONTH", "COVERS ABOUT", "SAVING VS API"],
    e.single.map((o) => [o.parts[0]!.label, String(o.accounts), money(o.monthlyCostUsd), money(o.capacityUsd), money(o.savingUsd)]),
  );
  const capacity = table(
    ["PLAN", "PRICE/MONTH", "ESTIMATED API-EQUIVALENT/MONTH"],
    plans.map((p) => [`${p.label}${overridden.includes(p.plan) ? " (from config)" : ""}`, money(p.priceUsd), money(p.capacityUsd)]),
  );
  return (
    `ESTIMATE for ${money(e.monthlyApiSpendUsd)} of metered API spend a month:\n\n` +
    `  ${describe(best)}: ${money(best.monthlyCostUsd)} a month, covering about ${money(best.capacityUsd)}; ${verdict}.\n\n` +
    single +
    `\nCapacity table (${overridden.length ? `built-in estimates with overrides from ${source}` : "built-in estimates"}):\n` +
    capacity +
    `\n${e.note}\n`
  );
}
