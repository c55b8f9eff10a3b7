// The savings ledger (this month: subscription lanes' API-equivalent cost vs their plan prices,
// metered spend on API-key lanes, the net) and the cost calculator panel.

import type { Estimate, Ledger, PlanCapacity } from "../../calc";
import { int, percent, smallUsd, usd } from "./format";

export function LedgerPanel(p: { ledger: Ledger }) {
  const l = p.ledger;
  const t = l.totals;
  return (
    <div class="card">
      <p class="small muted">
        {l.month} so far ({percent(l.elapsed, 0)} of the month). Plan prices are whole-month prices; traffic is month to date.
      </p>
      <div class="scroll">
        <table>
          <thead>
            <tr>
              <th>Lane</th>
              <th>Kind</th>
              <th class="num">API-equivalent</th>
              <th class="num">Plan price</th>
              <th class="num">Metered spend</th>
            </tr>
          </thead>
          <tbody>
            {l.subscription.map((s) => (
              <tr>
                <td>{s.lane}</td>
                <td>subscription</td>
                <td class="num">{smallUsd(s.apiEquivalentUsd)}</td>
                <td class="num">{s.planPriceUsd === null ? "not set" : usd(s.planPriceUsd)}</td>
                <td class="num">–</td>
              </tr>
            ))}
            {l.metered.map((m) => (
              <tr>
                <td>{m.lane}</td>
                <td>API key</td>
                <td class="num">–</td>
                <td class="num">–</td>
                <td class="num">
                  {smallUsd(m.spendUsd)}
                  {m.capUsd === null ? "" : ` of ${usd(m.capUsd)} cap`}
                </td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <td>total</td>
              <td></td>
              <td class="num">{smallUsd(t.apiEquivalentUsd)}</td>
              <td class="num">{usd(t.planPricesUsd)}</td>
              <td class="num">{smallUsd(t.meteredUsd)}</td>
            </tr>
          </tfoot>
        </table>
      </div>
      <p class="net">
        Net:{" "}
        {t.netUsd >= 0 ? (
          <strong class="pos">{usd(t.netUsd)} saved</strong>
        ) : (
          <strong class="neg">{usd(-t.netUsd)} more than the API</strong>
        )}{" "}
        <span class="small muted">
          ({usd(t.apiEquivalentUsd)} API-equivalent of subscription traffic − {usd(t.planPricesUsd)} plan prices)
        </span>
      </p>
      <p class="small">
        Paid this month: {usd(t.planPricesUsd + t.meteredUsd)} (plans + metered). The same traffic on the API alone: {usd(t.apiOnlyUsd)}.
      </p>
      {l.lanesWithoutPrice.length > 0 ? (
        <p class="note">
          No plan price set for {l.lanesWithoutPrice.join(", ")}: add <code>"planPriceUsd": 20</code> (the plan's monthly price) to those lanes in the
          config to count them in the net.
        </p>
      ) : null}
    </div>
  );
}

export interface CalcView {
  /** What the form shows. */
  spendText: string;
  /** "projected": prefilled from this month's traffic; "asked": typed in; null: empty. */
  source: "projected" | "asked" | null;
  error: string | null;
  result: Estimate | null;
  plans: PlanCapacity[];
}

export function CalcPanel(p: { calc: CalcView }) {
  const c = p.calc;
  return (
    <div class="card">
      <form class="filters" id="calc-form" method="get" action="/dashboard#calc">
        <label>
          Monthly API spend to cover (USD)
          <input name="spend" value={c.spendText} inputmode="decimal" size={10} />
        </label>
        <button type="submit">Estimate</button>
      </form>
      {c.source === "projected" ? <p class="note">Prefilled with this month's traffic (API-equivalent plus metered) projected to a whole month.</p> : null}
      {c.error ? <p class="notice small">spend: {c.error}</p> : null}
      {c.result ? <EstimateView e={c.result} /> : null}
      <details class="small">
        <summary>Capacity table (estimates)</summary>
        <div class="scroll">
          <table>
            <thead>
              <tr>
                <th>Plan</th>
                <th class="num">Price / month</th>
                <th class="num">Estimated API-equivalent / month</th>
              </tr>
            </thead>
            <tbody>
              {c.plans.map((pl) => (
                <tr>
                  <td>{pl.label}</td>
                  <td class="num">{usd(pl.priceUsd, 0)}</td>
                  <td class="num">{usd(pl.capacityUsd, 0)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </div>
  );
}

function EstimateView(p: { e: Estimate }) {
  const { e } = p;
  const best = e.best;
  return (
    <>
      <p class="net">
        Estimate for {usd(e.monthlyApiSpendUsd, 0)} a month: <strong>{best.parts.map((x) => `${int(x.accounts)} × ${x.label}`).join(" + ")}</strong> for{" "}
        {usd(best.monthlyCostUsd, 0)} a month (covers about {usd(best.capacityUsd, 0)}),{" "}
        {best.savingUsd >= 0 ? <span class="pos">about {usd(best.savingUsd, 0)} less than the API</span> : <span class="neg">about {usd(-best.savingUsd, 0)} more than the API</span>}.
      </p>
      <div class="scroll">
        <table>
          <thead>
            <tr>
              <th>One plan only</th>
              <th class="num">Accounts</th>
              <th class="num">Cost / month</th>
              <th class="num">Covers about</th>
              <th class="num">Saving vs API</th>
            </tr>
          </thead>
          <tbody>
            {e.single.map((o) => (
              <tr>
                <td>{o.parts[0]?.label}</td>
                <td class="num">{int(o.accounts)}</td>
                <td class="num">{usd(o.monthlyCostUsd, 0)}</td>
                <td class="num">{usd(o.capacityUsd, 0)}</td>
                <td class={`num ${o.savingUsd >= 0 ? "pos" : "neg"}`}>{usd(o.savingUsd, 0)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p class="note">{e.note}</p>
    </>
  );
}
