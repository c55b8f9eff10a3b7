// The request log panel: a GET filter form (lane, key, status, model: works without JavaScript),
// rows newest first, each a <details> that opens its attempts, and keyset paging with the store's
// cursor.

import type { RequestPage, RequestRow, RequestStatus } from "../../store";
import { int, millis, shortTime, smallUsd } from "./format";

export interface LogFilters {
  lane?: string;
  key?: string;
  status?: RequestStatus;
  model?: string;
  before?: string;
}

export const STATUSES: readonly RequestStatus[] = ["ok", "error", "cancelled"];

/** The dashboard URL of a log page with these filters (and no other query). */
export function logHref(f: LogFilters): string {
  const q = new URLSearchParams();
  for (const k of ["lane", "key", "status", "model", "before"] as const) {
    const v = f[k];
    if (v) q.set(k, v);
  }
  const s = q.toString();
  return `/dashboard${s ? `?${s}` : ""}#log`;
}

export function LogFilterForm(p: { filters: LogFilters; laneNames: string[]; keyNames: string[] }) {
  const f = p.filters;
  return (
    <form class="filters" id="log-filters" method="get" action="/dashboard#log">
      <label>
        Lane
        <select name="lane">
          <option value="">any</option>
          {p.laneNames.map((n) => (
            <option value={n} selected={f.lane === n}>
              {n}
            </option>
          ))}
        </select>
      </label>
      <label>
        Key
        <input name="key" list="key-names" value={f.key ?? ""} placeholder="any" size={12} autocomplete="off" />
        <datalist id="key-names">
          {p.keyNames.map((n) => (
            <option value={n} />
          ))}
        </datalist>
      </label>
      <label>
        Status
        <select name="status">
          <option value="">any</option>
          {STATUSES.map((s) => (
            <option value={s} selected={f.status === s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      <label>
        Model
        <input name="model" value={f.model ?? ""} placeholder="any" size={14} autocomplete="off" />
      </label>
      <button type="submit">Filter</button>
      <a href="/dashboard#log">Clear</a>
    </form>
  );
}

export function LogRows(p: { page: RequestPage; filters: LogFilters; now: number; notice?: string | null }) {
  const { page, filters } = p;
  const filtered = Boolean(filters.lane || filters.key || filters.status || filters.model);
  return (
    <>
      {p.notice ? <p class="notice small">{p.notice}</p> : null}
      {page.rows.length === 0 ? (
        <p class="muted">{filtered ? "No requests match these filters." : filters.before ? "No older requests." : "No requests yet."}</p>
      ) : (
        <div class="log card">
          {page.rows.map((r) => (
            <LogRow row={r} now={p.now} />
          ))}
        </div>
      )}
      <nav class="pager">
        {filters.before ? <a href={logHref({ ...filters, before: undefined })}>← Newest</a> : null}
        {page.nextCursor ? (
          <a href={logHref({ ...filters, before: page.nextCursor })} rel="next">
            Older →
          </a>
        ) : null}
      </nav>
    </>
  );
}

function LogRow(p: { row: RequestRow; now: number }) {
  const r = p.row;
  const tokens = r.inputTokens + r.outputTokens > 0 ? `${int(r.inputTokens)} in / ${int(r.outputTokens)} out` : null;
  return (
    <details data-id={r.id} class="req">
      <summary>
        <time datetime={r.createdAt} title={r.createdAt}>
          {shortTime(r.createdAt, p.now)}
        </time>
        <span class={`st-${r.status}`}>
          {r.status} {r.httpStatus}
        </span>
        <span class="lane">{r.lane ?? "no lane"}</span>
        {r.endpoint !== "chat.completions" ? <span class="endpoint">{r.endpoint}</span> : null}
        {r.toolCalls > 0 ? <span class="tools">{r.toolCalls === 1 ? "1 tool call" : `${r.toolCalls} tool calls`}</span> : null}
        <span class="model">{r.model || "(no model)"}</span>
        <span class="muted">{millis(r.latencyMs)}</span>
        {tokens ? <span class="muted">{tokens}</span> : null}
        <span class="id">{r.id}</span>
      </summary>
      <div class="body">
        <dl>
          <dt>Request id</dt>
          <dd>{r.id}</dd>
          <dt>Time</dt>
          <dd>{r.createdAt}</dd>
          <dt>Endpoint</dt>
          <dd>{r.endpoint}</dd>
          <dt>Tool calls returned</dt>
          <dd>{r.toolCalls}</dd>
          <dt>Key</dt>
          <dd>{r.keyName ?? "–"}</dd>
          <dt>Model</dt>
          <dd>{r.model || "–"}</dd>
          <dt>Stream</dt>
          <dd>{r.stream ? "yes" : "no"}</dd>
          {r.errorCode ? (
            <>
              <dt>Error</dt>
              <dd class="st-error">{r.errorCode}</dd>
            </>
          ) : null}
          <dt>Queue / first byte / total</dt>
          <dd>
            {millis(r.queueMs)} / {millis(r.firstByteMs)} / {millis(r.latencyMs)}
          </dd>
          <dt>Tokens</dt>
          <dd>
            {int(r.inputTokens)} in ({int(r.cachedInputTokens)} cached), {int(r.outputTokens)} out ({int(r.reasoningTokens)} reasoning)
          </dd>
          <dt>API-equivalent</dt>
          <dd>{smallUsd(r.apiCostUsd)}</dd>
        </dl>
        {r.attempts.length === 0 ? (
          <p class="small muted">No lane was tried.</p>
        ) : (
          <div class="scroll">
            <table class="attempts">
              <thead>
                <tr>
                  <th>#</th>
                  <th>Lane</th>
                  <th>Outcome</th>
                  <th>Code</th>
                  <th>Thread</th>
                  <th class="num">Time</th>
                </tr>
              </thead>
              <tbody>
                {r.attempts.map((a, i) => (
                  <tr>
                    <td>{i + 1}</td>
                    <td>{a.lane}</td>
                    <td class={a.outcome === "ok" ? "st-ok" : "st-error"}>{a.outcome}</td>
                    <td>{a.code ?? "–"}</td>
                    <td>{a.thread ?? "–"}</td>
                    <td class="num">{millis(a.ms)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
    </details>
  );
}
