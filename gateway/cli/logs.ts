// `codex-lanes logs`: recent request-log rows, newest last; `--follow` keeps printing new ones.

import type { Config } from "../config/types";
import type { RequestFilter, RequestRow, RequestStatus, Store } from "../store";
import { openStore } from "../store";
import { EXIT_OK, UsageError, type CliIO } from "./io";
import { table } from "./table";

export interface LogsFlags {
  lane?: string;
  key?: string;
  status?: string;
  model?: string;
  endpoint?: string;
  limit?: string;
  follow?: boolean;
  json?: boolean;
}

const FOLLOW_POLL_MS = 1_000;

export async function logsCommand(config: Config, flags: LogsFlags, io: CliIO): Promise<number> {
  const filter = toFilter(flags);
  const limit = flags.limit === undefined ? 20 : Number(flags.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new UsageError("--limit must be an integer from 1 to 500");
  const store = openStore(config.dataDir);
  try {
    const rows = store.requests.list({ ...filter, limit }).rows.reverse();
    if (flags.json) for (const r of rows) io.out.write(JSON.stringify(r) + "\n");
    else if (rows.length === 0 && !flags.follow) io.out.write("No requests logged yet.\n");
    else io.out.write(table(HEADER, rows.map(rowCells)));
    const lookBackMs = config.limits.turnTimeoutMs + config.queue.maxWaitMs + 60_000;
    if (flags.follow) await follow(store, filter, rows, flags.json === true, io, lookBackMs);
    return EXIT_OK;
  } finally {
    store.close();
  }
}

function toFilter(flags: LogsFlags): RequestFilter {
  const f: RequestFilter = {};
  if (flags.lane) f.lane = flags.lane;
  if (flags.key) f.key = flags.key;
  if (flags.model) f.model = flags.model;
  if (flags.endpoint) f.endpoint = flags.endpoint;
  if (flags.status) {
    if (!["ok", "error", "cancelled"].includes(flags.status)) throw new UsageError("--status must be ok, error or cancelled");
    f.status = flags.status as RequestStatus;
  }
  return f;
}

/**
 * Polls for rows not shown yet until Ctrl-C. A row is stamped with its request's arrival but written
 * when the request ends, so each poll looks back as far as a request can last.
 */
async function follow(store: Store, filter: RequestFilter, shown: RequestRow[], json: boolean, io: CliIO, lookBackMs: number): Promise<void> {
  const seen = new Map(shown.map((r) => [r.id, Date.parse(r.createdAt)]));
  while (!io.signal.aborted) {
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, FOLLOW_POLL_MS);
      io.signal.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
    });
    if (io.signal.aborted) break;
    const since = Date.now() - lookBackMs;
    const fresh = store.requests.list({ ...filter, since, limit: 500 }).rows.reverse().filter((r) => !seen.has(r.id));
    for (const r of fresh) {
      seen.set(r.id, Date.parse(r.createdAt));
      io.out.write(json ? JSON.stringify(r) + "\n" : rowCells(r).join("  ") + "\n");
    }
    for (const [id, at] of seen) if (at < since) seen.delete(id);
  }
}

const HEADER = ["TIME", "ID", "KEY", "ENDPOINT", "MODEL", "LANE", "STATUS", "HTTP", "ATTEMPTS", "TOOL CALLS", "MS", "TOKENS IN/OUT", "COST USD"];

function rowCells(r: RequestRow): string[] {
  return [
    r.createdAt.replace("T", " ").slice(0, 19) + "Z",
    r.id,
    r.keyName ?? "-",
    r.endpoint,
    r.model || "-",
    r.lane ?? "-",
    r.errorCode ? `${r.status}:${r.errorCode}` : r.status,
    String(r.httpStatus),
    r.attempts.map((a) => `${a.lane}:${a.outcome}${a.thread ? `(${a.thread})` : ""}`).join(">") || "-",
    String(r.toolCalls),
    String(r.latencyMs),
    `${r.inputTokens}/${r.outputTokens}`,
    r.apiCostUsd.toFixed(4),
  ];
}
