// The lanes panel: one card per lane in fallback order with its state, why, until when, the
// command that fixes it, both usage windows and its queue.

import { planFromCodex, PLANS } from "../../calc";
import type { LaneView, WindowView } from "../../dispatch/views";
import { countdown, int, utc } from "./format";

const STATE_LABEL: Record<LaneView["state"], string> = {
  ready: "ready",
  cooling: "cooling",
  "needs-login": "needs sign-in",
  "circuit-open": "circuit open",
  disabled: "disabled",
};

/** A countdown the page's script keeps ticking; the text is right at render time without it. */
export function Countdown(p: { iso: string; now: number }) {
  return (
    <time datetime={p.iso} data-until={p.iso} title={utc(p.iso)}>
      {countdown(p.iso, p.now)}
    </time>
  );
}

/** "ChatGPT Pro 5x (prolite)": the table's name for what the account reports, and Codex's own word. */
function planLabel(reported: string): string {
  const key = planFromCodex(reported);
  const label = key === null ? undefined : PLANS.find((p) => p.plan === key)?.label;
  return label ? `${label} (${reported})` : reported;
}

export function LanesPanel(p: { lanes: LaneView[]; now: number }) {
  if (p.lanes.length === 0) return <p class="muted">No lanes configured.</p>;
  return (
    <div class="lanes">
      {p.lanes.map((v) => (
        <LaneCard lane={v} now={p.now} />
      ))}
    </div>
  );
}

function LaneCard(p: { lane: LaneView; now: number }) {
  const v = p.lane;
  const who = [v.plan ? `plan ${planLabel(v.plan)}` : null, v.email].filter(Boolean).join(" · ");
  return (
    <article class="card lane" data-lane={v.name} data-state={v.state}>
      <h3>
        <span>{v.name}</span>
        <span class={`badge s-${v.state}`}>{STATE_LABEL[v.state]}</span>
        <span class="kind">{v.engine}</span>
      </h3>
      {v.until && (v.state === "cooling" || v.state === "circuit-open") ? (
        <p class="until">
          {v.state === "cooling" ? "Cooling until " : "Closed again at "}
          {utc(v.until)} (<Countdown iso={v.until} now={p.now} />)
        </p>
      ) : null}
      {v.reason ? <p class="small reason">{v.reason}</p> : null}
      {v.fix ? (
        <p class="small fix">
          Fix: <code>{v.fix}</code>
        </p>
      ) : null}
      <Window name="Primary" view={v.window?.primary ?? null} now={p.now} />
      <Window name="Secondary" view={v.window?.secondary ?? null} now={p.now} />
      <p class="small muted">
        In flight {v.inFlight === null ? "–" : int(v.inFlight)} · queued {v.queued === null ? "–" : int(v.queued)}
        {who ? ` · ${who}` : ""}
      </p>
    </article>
  );
}

function Window(p: { name: string; view: WindowView | null; now: number }) {
  if (!p.view) {
    return (
      <div class="win">
        <span>{p.name}</span>
        <span class="muted small">not reported yet</span>
      </div>
    );
  }
  const used = Math.max(0, Math.min(100, p.view.usedPercent));
  const span = p.view.windowMinutes === null ? "" : ` (${windowSpan(p.view.windowMinutes)})`;
  return (
    <div class="win">
      <span>
        {p.name}
        {span}
      </span>
      <meter min={0} max={100} low={70} high={90} optimum={0} value={used} title={`${Math.round(used)}% used`} />
      <span class="reset">
        {Math.round(used)}% used
        {p.view.resetsAt ? (
          <>
            {", resets "}
            <Countdown iso={p.view.resetsAt} now={p.now} />
          </>
        ) : null}
      </span>
    </div>
  );
}

function windowSpan(minutes: number): string {
  if (minutes % 10_080 === 0) return minutes === 10_080 ? "weekly" : `${minutes / 10_080} weeks`;
  if (minutes % 1_440 === 0) return `${minutes / 1_440} d`;
  if (minutes % 60 === 0) return `${minutes / 60} h`;
  return `${minutes} min`;
}
