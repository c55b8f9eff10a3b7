// The dashboard page: header with sign-out, then lanes, traffic, savings, calculator and the
// request log. The sections inside #live-* are what the page's script refreshes.

import type { HtmlEscapedString } from "hono/utils/html";
import type { Overview } from "../../metrics/overview";
import type { RequestPage } from "../../store";
import { Shell } from "./layout";
import { LanesPanel } from "./lanes";
import { LogFilterForm, LogRows, type LogFilters } from "./log";
import { CalcPanel, LedgerPanel, type CalcView } from "./money";
import { TrafficPanel } from "./traffic";

/** What a JSX expression evaluates to. */
export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

export interface PageData {
  now: number;
  version: string;
  who: string;
  csrf: string;
  overview: Overview;
  log: { filters: LogFilters; page: RequestPage; notice: string | null };
  laneNames: string[];
  keyNames: string[];
  calc: CalcView;
}

/** The parts the page's script replaces, by element id. */
export function liveSections(d: Pick<PageData, "now" | "overview" | "log">, withLog: boolean) {
  const sections: Record<string, Html> = {
    "live-lanes": <LanesPanel lanes={d.overview.lanes} now={d.now} />,
    "live-traffic": <TrafficPanel periods={d.overview.traffic} />,
    "live-ledger": <LedgerPanel ledger={d.overview.ledger} />,
  };
  if (withLog) sections["live-log"] = <LogRows page={d.log.page} filters={d.log.filters} now={d.now} notice={d.log.notice} />;
  return sections;
}

export function DashboardPage(p: { data: PageData; nonce: string; liveUrl: string }) {
  const { data: d } = p;
  const s = liveSections(d, true);
  return (
    <Shell title="codex-lanes dashboard" nonce={p.nonce} now={d.now} live={p.liveUrl}>
      <header>
        <h1>codex-lanes</h1>
        <span class="meta">
          {d.version} · signed in as {d.who} · <span id="live-status">as of {d.overview.generatedAt.slice(11, 19)} UTC; reload for new data</span>
        </span>
        <form method="post" action="/dashboard/logout">
          <input type="hidden" name="csrf" value={d.csrf} />
          <button type="submit" class="link">
            Sign out
          </button>
        </form>
      </header>
      <main>
        <section id="lanes" aria-labelledby="h-lanes">
          <h2 id="h-lanes">Lanes</h2>
          <div id="live-lanes">{s["live-lanes"]}</div>
        </section>
        <section id="traffic" aria-labelledby="h-traffic">
          <h2 id="h-traffic">Traffic</h2>
          <div id="live-traffic">{s["live-traffic"]}</div>
        </section>
        <section id="ledger" aria-labelledby="h-ledger">
          <h2 id="h-ledger">Savings this month</h2>
          <div id="live-ledger">{s["live-ledger"]}</div>
        </section>
        <section id="calc" aria-labelledby="h-calc">
          <h2 id="h-calc">Cost calculator</h2>
          <CalcPanel calc={d.calc} />
        </section>
        <section id="log" aria-labelledby="h-log">
          <h2 id="h-log">Request log</h2>
          <LogFilterForm filters={d.log.filters} laneNames={d.laneNames} keyNames={d.keyNames} />
          <div id="live-log">{s["live-log"]}</div>
        </section>
      </main>
    </Shell>
  );
}
