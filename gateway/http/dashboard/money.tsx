// The savings ledger (this month: subscription lanes' plan, API-equivalent cost next to the plan's
// capacity estimate and price, metered spend on API-key lanes, the net) and the cost calculator
// panel. The calculator's sentences come from gateway/calc, so the page says what the CLI says.

import { describeCover, messageRange, type CoverOption, type Estimate, type Ledger, type PlanRow, type SubscriptionLine } from "../../calc";
import { int, percent, smallUsd, usd } from "./format";

function PlanCell(p: { line: SubscriptionLine }) {
  const { line: s } = p;
  if (s.plan === null) return <td>{s.reportedPlanType ? `not in the plan table (account reports ${s.reportedPlanType})` : "unknown"}</td>;
  const from = s.planFrom === "account" ? `reported by the account (${s.reportedPlanType})` : "from the config";
  return (
    <td data-plan={s.plan}>
      {s.planLabel} <span class="small muted">{from}</span>
    </td>
  );
}

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
              <th>Plan</th>
              <th class="num">API-equivalent</th>
              <th class="num">Estimated capacity / month</th>
              <th class="num">Plan price</th>
              <th class="num">Metered spend</th>
            </tr>
          </thead>
          <tbody>
            {l.subscription.map((s) => (
              <tr data-lane={s.lane}>
                <td>{s.lane}</td>
                <td>subscription</td>
                <PlanCell line={s} />
                <td class="num">{smallUsd(s.apiEquivalentUsd)}</td>
                <td class="num">{s.capacityUsd === null ? "–" : `about ${usd(s.capacityUsd, 0)}`}</td>
                <td class="num">{s.planPriceUsd === null ? "not set" : `${usd(s.planPriceUsd)}${s.priceFrom === "lane" ? " (lane)" : ""}`}</td>
                <td class="num">–</td>
              </tr>
            ))}
            {l.metered.map((m) => (
              <tr data-lane={m.lane}>
                <td>{m.lane}</td>
                <td>API key</td>
                <td>–</td>
                <td class="num">–</td>
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
              <td></td>
              <td class="num">{smallUsd(t.apiEquivalentUsd)}</td>
              <td></td>
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
      <p class="note">Capacity is a planning estimate of the API-equivalent one account absorbs in a month, not a guarantee.</p>
      {l.lanesWithoutPrice.length > 0 ? (
        <p class="note">
          No plan price for {l.lanesWithoutPrice.join(", ")}: add <code>"plan": "plus"</code> (or <code>"planPriceUsd": 20</code>) to those lanes in the
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
  plans: PlanRow[];
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
      {c.result ? <EstimateView estimate={c.result} /> : null}
      <details class="small">
        <summary>Plan table (planning estimates)</summary>
        <div class="scroll">
          <table>
            <thead>
              <tr>
                <th>Plan</th>
                <th>Name</th>
                <th class="num">Price / month</th>
                <th class="num">Estimated API-equivalent / month</th>
                <th class="num">Local messages / 5 h (GPT-5.5)</th>
              </tr>
            </thead>
            <tbody>
              {c.plans.map((pl) => (
                <tr data-plan={pl.plan}>
                  <td>
                    {pl.label}
                    {pl.fromConfig ? " (from config)" : ""}
                  </td>
                  <td>
                    <code>{pl.plan}</code>
                  </td>
                  <td class="num">{pl.priceUsd === null ? "by agreement" : usd(pl.priceUsd, 0)}</td>
                  <td class="num">{pl.capacityUsd === null ? "–" : usd(pl.capacityUsd, 0)}</td>
                  <td class="num">{pl.messagesPer5h ? messageRange(pl.messagesPer5h) : "–"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </div>
  );
}

function Cover(p: { option: CoverOption; id: string }) {
  return (
    <li id={p.id} data-cover={p.option.parts.map((x) => `${x.plan}:${x.accounts}`).join(",")}>
      <strong>{describeCover(p.option)}</strong>: {usd(p.option.monthlyCostUsd, 0)} a month, covering about {usd(p.option.capacityUsd, 0)}. <span class="small">{p.option.tradeoff}.</span>
    </li>
  );
}

function EstimateView(p: { estimate: Estimate }) {
  const { estimate: e } = p;
  return (
    <>
      <p class="net" id="calc-verdict">
        Estimate for {usd(e.monthlyApiSpendUsd, 0)} a month: <strong class={e.apiKeyCheaper ? "neg" : undefined}>{e.verdict}</strong>
      </p>
      {e.apiKeyCheaper ? null : (
        <>
          <p class="small">For {usd(e.best.monthlyCostUsd, 0)} a month:</p>
          <ul id="calc-covers">
            <Cover option={e.best} id="calc-best" />
            {e.alternatives.map((o, i) => (
              <Cover option={o} id={`calc-alt-${i}`} />
            ))}
          </ul>
        </>
      )}
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
      {e.leftOut.length ? <p class="note">Not in the estimate: {e.leftOut.map((l) => `${l.label}: ${l.reason}`).join("; ")}.</p> : null}
      <p class="note">{e.note}</p>
    </>
  );
}
