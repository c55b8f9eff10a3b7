// `codex-lanes calc --monthly-api-spend 3500 [--json]`: which ChatGPT plans, and how many accounts,
// would cover that much metered-API spend a month, from the plan table (built-in planning
// estimates, config `calc.plans` over them). Says plainly that the figures are estimates, and when
// the API key is the cheaper answer.

import { describeCover, estimate, messageRange, InvalidSpendError, parseSpend, planTable, wholeUsd, type CoverOption, type Estimate, type PlanRow } from "../calc";
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
  const plans = planTable(config.calc?.plans);
  const result = estimate(spend, plans);
  const overridden = plans.filter((p) => p.fromConfig).map((p) => p.plan);
  if (flags.json) {
    io.out.write(JSON.stringify({ ...result, plans, overridden }, null, 2) + "\n");
    return EXIT_OK;
  }
  io.out.write(render(result, plans, overridden.length > 0, config.source));
  return EXIT_OK;
}

const orDash = (n: number | null, f: (n: number) => string) => (n === null ? "-" : f(n));


function coverLine(o: CoverOption): string {
  return `  ${describeCover(o)}: ${wholeUsd(o.monthlyCostUsd)} a month, covering about ${wholeUsd(o.capacityUsd)}.\n    What it buys: ${o.tradeoff}.\n`;
}

function render(e: Estimate, plans: PlanRow[], overridden: boolean, source: string): string {
  const single = table(
    ["ONE PLAN ONLY", "ACCOUNTS", "COST/MONTH", "COVERS ABOUT", "SAVING VS API"],
    e.single.map((o) => [o.parts[0]!.label, String(o.accounts), wholeUsd(o.monthlyCostUsd), wholeUsd(o.capacityUsd), wholeUsd(o.savingUsd)]),
  );
  const capacity = table(
    ["PLAN", "NAME", "PRICE/MONTH", "ESTIMATED API-EQUIVALENT/MONTH", "LOCAL MESSAGES/5H (GPT-5.5)"],
    plans.map((p) => [
      `${p.label}${p.fromConfig ? " (from config)" : ""}`,
      p.plan,
      p.priceUsd === null ? "by agreement" : wholeUsd(p.priceUsd),
      orDash(p.capacityUsd, wholeUsd),
      p.messagesPer5h ? messageRange(p.messagesPer5h) : "-",
    ]),
  );
  const alternatives = e.alternatives.length ? `\nThe same money, another shape:\n${e.alternatives.map(coverLine).join("")}` : "";
  const leftOut = e.leftOut.length ? `Not in the estimate: ${e.leftOut.map((l) => `${l.label}: ${l.reason}`).join("; ")}.\n` : "";
  return (
    `ESTIMATE for ${wholeUsd(e.monthlyApiSpendUsd)} of metered API spend a month:\n\n` +
    `  ${e.verdict}\n` +
    (e.apiKeyCheaper ? "" : `    What it buys: ${e.best.tradeoff}.\n`) +
    alternatives +
    "\n" +
    single +
    `\nPlan table (${overridden ? `built-in planning estimates with overrides from ${source}` : "built-in planning estimates"}):\n` +
    capacity +
    leftOut +
    `\n${e.note}\n`
  );
}
