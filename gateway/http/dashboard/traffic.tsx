// The traffic panel: per period (24 h, 7 d) a bar chart of requests per lane (inline SVG, errors
// in red, one <title> per bar for the exact count) and a table of requests, error rate, p50/p95
// latency, tokens and API-equivalent cost.

import { errorRate, type TrafficPeriod } from "../../metrics/overview";
import type { LaneSummary } from "../../store";
import { compact, int, millis, percent, smallUsd, utc } from "./format";

const NO_LANE = "(no lane)";
const BAR_W = 10;
const H = 60;

export function TrafficPanel(p: { periods: TrafficPeriod[] }) {
  return (
    <>
      {p.periods.map((period) => (
        <Period period={period} />
      ))}
    </>
  );
}

function Period(p: { period: TrafficPeriod }) {
  const { period } = p;
  const lanes = period.summary.lanes;
  return (
    <div class="card period" data-period={period.label}>
      <h3 class="small">
        Last {period.label} <span class="muted">(since {utc(period.since)})</span>
      </h3>
      {lanes.length === 0 ? <p class="muted small">No requests in this period.</p> : <Charts period={period} />}
      <div class="scroll">
        <table>
          <thead>
            <tr>
              <th>Lane</th>
              <th class="num">Requests</th>
              <th class="num">Errors</th>
              <th class="num">Error rate</th>
              <th class="num">p50</th>
              <th class="num">p95</th>
              <th class="num">Tokens in</th>
              <th class="num">Tokens out</th>
              <th class="num">API-equivalent</th>
            </tr>
          </thead>
          <tbody>
            {lanes.map((l) => (
              <Row name={l.lane ?? NO_LANE} summary={l} />
            ))}
          </tbody>
          <tfoot>
            <Row name="total" summary={period.summary.total} />
          </tfoot>
        </table>
      </div>
    </div>
  );
}

function Row(p: { name: string; summary: Omit<LaneSummary, "lane"> }) {
  const s = p.summary;
  return (
    <tr>
      <td>{p.name}</td>
      <td class="num">{int(s.requests)}</td>
      <td class="num">{int(s.errors)}</td>
      <td class="num">{percent(errorRate(s))}</td>
      <td class="num">{millis(s.p50LatencyMs)}</td>
      <td class="num">{millis(s.p95LatencyMs)}</td>
      <td class="num" title={`${int(s.cachedInputTokens)} cached`}>
        {compact(s.inputTokens)}
      </td>
      <td class="num" title={`${int(s.reasoningTokens)} reasoning`}>
        {compact(s.outputTokens)}
      </td>
      <td class="num">{smallUsd(s.apiCostUsd)}</td>
    </tr>
  );
}

interface Bar {
  requests: number;
  errors: number;
}

function Charts(p: { period: TrafficPeriod }) {
  const { period } = p;
  const byLane = new Map<string, Bar[]>();
  for (const l of period.summary.lanes) byLane.set(l.lane ?? NO_LANE, Array.from({ length: period.buckets }, () => ({ requests: 0, errors: 0 })));
  for (const pt of period.timeline) {
    const i = Math.round((pt.bucketStart - period.firstBucket) / period.bucketMs);
    const bars = byLane.get(pt.lane ?? NO_LANE);
    if (!bars || i < 0 || i >= bars.length) continue;
    bars[i]!.requests += pt.requests;
    bars[i]!.errors += pt.errors;
  }
  // One scale for all lanes of a period, so their bars compare.
  const max = Math.max(1, ...[...byLane.values()].flatMap((bars) => bars.map((b) => b.requests)));
  return (
    <div class="charts">
      {[...byLane.entries()].map(([lane, bars]) => (
        <figure class="chart" data-lane={lane}>
          <figcaption>
            <span>{lane}</span>
            <span class="muted">
              {plural(bars.reduce((n, b) => n + b.requests, 0), "request")} · peak {int(Math.max(...bars.map((b) => b.requests)))} per {bucketText(period.bucketMs)}
            </span>
          </figcaption>
          <svg viewBox={`0 0 ${bars.length * BAR_W} ${H}`} preserveAspectRatio="none" role="img" aria-label={`Requests per ${bucketText(period.bucketMs)} on ${lane}`}>
            <line class="axis" x1={0} y1={H - 0.5} x2={bars.length * BAR_W} y2={H - 0.5} />
            {bars.map((b, i) => (
              <BarRect bar={b} index={i} max={max} start={period.firstBucket + i * period.bucketMs} />
            ))}
          </svg>
        </figure>
      ))}
    </div>
  );
}

function BarRect(p: { bar: Bar; index: number; max: number; start: number }) {
  const { bar: b, index: i, max } = p;
  if (b.requests === 0) return null;
  const h = Math.max(1, (b.requests / max) * (H - 2));
  const eh = b.errors === 0 ? 0 : Math.max(1, (b.errors / max) * (H - 2));
  const x = i * BAR_W + 1;
  return (
    <g>
      <title>{`${utc(p.start)}: ${plural(b.requests, "request")}, ${plural(b.errors, "error")}`}</title>
      <rect class="b" x={x} y={H - 1 - h} width={BAR_W - 2} height={h} />
      {eh > 0 ? <rect class="e" x={x} y={H - 1 - eh} width={BAR_W - 2} height={eh} /> : null}
    </g>
  );
}

function bucketText(ms: number): string {
  const h = ms / 3_600_000;
  if (Number.isInteger(h)) return h === 1 ? "hour" : `${h} hours`;
  return `${Math.round(ms / 60_000)} min`;
}

function plural(n: number, word: string): string {
  return `${int(n)} ${word}${n === 1 ? "" : "s"}`;
}
