// The request log: one row per request the gateway answered. Rows are written once; rollup
// tables (see migrations.ts) are kept by triggers, summary.ts and timeline.ts read them. Rows may
// first wait in the inbox (inbox.ts): every reader here moves it first.

import type Database from "better-sqlite3";
import type { AttemptRecord } from "../lanes/types";
import { DuplicateRequestIdError, InvalidCursorError, InvalidQueryError, InvalidRequestRowError } from "./errors";
import { createInbox } from "./inbox";
import { MAX_LATENCY_MS } from "./latency";
import { createSummary } from "./summary";
import { createTimeline } from "./timeline";
import { checkTime, hourKey, iso, isValidTime, monthRange } from "./time";
import type { NewRequestRow, RequestFilter, RequestListQuery, RequestPage, RequestRow, RequestsApi, RequestStatus } from "./types";

const STATUSES: readonly RequestStatus[] = ["ok", "error", "cancelled"];
const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;
const PRUNE_BATCH = 5_000;
const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const COLUMNS = `id, created_at, key_name, model, stream, lane, attempts, status, http_status, error_code, queue_ms,
  latency_ms, first_byte_ms, input_tokens, cached_input_tokens, output_tokens, reasoning_tokens, api_cost_usd,
  request_body, response_body, endpoint, tool_calls`;

interface DbRow {
  id: string;
  created_at: string;
  key_name: string | null;
  model: string;
  stream: number;
  lane: string | null;
  attempts: string;
  status: RequestStatus;
  http_status: number;
  error_code: string | null;
  queue_ms: number;
  latency_ms: number;
  first_byte_ms: number | null;
  input_tokens: number;
  cached_input_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  api_cost_usd: number;
  request_body: string | null;
  response_body: string | null;
  endpoint: string;
  tool_calls: number;
}

function parseAttempts(json: string): AttemptRecord[] {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? (v as AttemptRecord[]) : [];
  } catch {
    return [];
  }
}

const fromDb = (r: DbRow): RequestRow => ({
  id: r.id,
  createdAt: r.created_at,
  keyName: r.key_name,
  model: r.model,
  stream: r.stream === 1,
  lane: r.lane,
  attempts: parseAttempts(r.attempts),
  status: r.status,
  httpStatus: r.http_status,
  errorCode: r.error_code,
  queueMs: r.queue_ms,
  latencyMs: r.latency_ms,
  firstByteMs: r.first_byte_ms,
  inputTokens: r.input_tokens,
  cachedInputTokens: r.cached_input_tokens,
  outputTokens: r.output_tokens,
  reasoningTokens: r.reasoning_tokens,
  apiCostUsd: r.api_cost_usd,
  requestBody: r.request_body,
  responseBody: r.response_body,
  endpoint: r.endpoint,
  toolCalls: r.tool_calls,
});

// ---------- validation of a new row ----------

function text(field: string, v: unknown, opts: { nullable?: boolean; max?: number } = {}): string | null {
  if (v === null || v === undefined) {
    if (opts.nullable) return null;
    throw new InvalidRequestRowError(field, "is required");
  }
  if (typeof v !== "string") throw new InvalidRequestRowError(field, "must be a string");
  if (opts.max !== undefined && v.length > opts.max) {
    throw new InvalidRequestRowError(field, `must be at most ${opts.max} characters`);
  }
  return v;
}

/** Durations and counts: non-negative, rounded to whole units (callers often pass performance.now() deltas). */
function count(field: string, v: unknown, opts: { nullable?: boolean; max?: number } = {}): number | null {
  if (v === null || v === undefined) {
    if (opts.nullable) return null;
    throw new InvalidRequestRowError(field, "is required");
  }
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
    throw new InvalidRequestRowError(field, "must be a non-negative number");
  }
  const n = Math.round(v);
  if (n > (opts.max ?? Number.MAX_SAFE_INTEGER)) throw new InvalidRequestRowError(field, "is too large");
  return n;
}

const ENDPOINT_RE = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$/;

function endpoint(v: unknown): string {
  const e = text("endpoint", v ?? "chat.completions", { max: 64 }) as string;
  if (!ENDPOINT_RE.test(e)) throw new InvalidRequestRowError("endpoint", "must be a route name like chat.completions or audio.speech");
  return e;
}

function createdAt(v: unknown): string {
  const ms = typeof v === "string" ? Date.parse(v) : v;
  if (!isValidTime(ms)) throw new InvalidRequestRowError("createdAt", "must be epoch ms or an ISO 8601 time");
  return iso(ms);
}

function toDb(row: NewRequestRow): DbRow {
  if (!STATUSES.includes(row.status)) throw new InvalidRequestRowError("status", "must be ok, error or cancelled");
  if (!Array.isArray(row.attempts)) throw new InvalidRequestRowError("attempts", "must be an array");
  if (typeof row.stream !== "boolean") throw new InvalidRequestRowError("stream", "must be a boolean");
  const cost = row.apiCostUsd ?? 0;
  if (typeof cost !== "number" || !Number.isFinite(cost) || cost < 0) {
    throw new InvalidRequestRowError("apiCostUsd", "must be a non-negative number");
  }
  const httpStatus = count("httpStatus", row.httpStatus, { max: 999 }) as number;
  return {
    id: text("id", row.id, { max: 256 }) as string,
    created_at: createdAt(row.createdAt),
    key_name: text("keyName", row.keyName, { nullable: true, max: 256 }),
    model: text("model", row.model, { max: 256 }) as string,
    stream: row.stream ? 1 : 0,
    lane: text("lane", row.lane, { nullable: true, max: 64 }),
    attempts: JSON.stringify(row.attempts),
    status: row.status,
    http_status: httpStatus,
    error_code: text("errorCode", row.errorCode, { nullable: true, max: 256 }),
    queue_ms: count("queueMs", row.queueMs) as number,
    latency_ms: count("latencyMs", row.latencyMs, { max: MAX_LATENCY_MS }) as number,
    first_byte_ms: count("firstByteMs", row.firstByteMs, { nullable: true }),
    input_tokens: count("inputTokens", row.inputTokens ?? 0) as number,
    cached_input_tokens: count("cachedInputTokens", row.cachedInputTokens ?? 0) as number,
    output_tokens: count("outputTokens", row.outputTokens ?? 0) as number,
    reasoning_tokens: count("reasoningTokens", row.reasoningTokens ?? 0) as number,
    api_cost_usd: cost,
    request_body: text("requestBody", row.requestBody, { nullable: true }),
    response_body: text("responseBody", row.responseBody, { nullable: true }),
    endpoint: endpoint(row.endpoint),
    tool_calls: count("toolCalls", row.toolCalls ?? 0) as number,
  };
}

// ---------- filters and cursors ----------

function whereClause(f: RequestFilter): { sql: string; params: unknown[] } {
  const conds: string[] = [];
  const params: unknown[] = [];
  const eq = (col: string, v: unknown) => {
    if (v === undefined) return;
    if (typeof v !== "string") throw new InvalidQueryError(col, "must be a string");
    conds.push(`${col} = ?`);
    params.push(v);
  };
  eq("lane", f.lane);
  eq("key_name", f.key);
  eq("model", f.model);
  eq("endpoint", f.endpoint);
  if (f.status !== undefined) {
    if (!STATUSES.includes(f.status)) throw new InvalidQueryError("status", "must be ok, error or cancelled");
    eq("status", f.status);
  }
  if (f.since !== undefined) {
    conds.push(`created_at >= ?`);
    params.push(iso(checkTime("since", f.since)));
  }
  if (f.until !== undefined) {
    conds.push(`created_at < ?`);
    params.push(iso(checkTime("until", f.until)));
  }
  return { sql: conds.length ? conds.join(" AND ") : "1", params };
}

const encodeCursor = (createdAt: string, id: string): string =>
  Buffer.from(JSON.stringify([createdAt, id]), "utf8").toString("base64url");

function decodeCursor(cursor: unknown): [string, string] {
  if (typeof cursor !== "string" || cursor.length > 1024) throw new InvalidCursorError();
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === "string" && ISO_RE.test(v[0]) && typeof v[1] === "string") {
      return [v[0], v[1]];
    }
  } catch {
    // fall through
  }
  throw new InvalidCursorError();
}

function pageLimit(limit: unknown): number {
  if (limit === undefined) return DEFAULT_LIMIT;
  if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1) {
    throw new InvalidQueryError("limit", `must be an integer from 1 to ${MAX_LIMIT}`);
  }
  return Math.min(limit, MAX_LIMIT);
}

// ---------- the API ----------

/** Rows per multi-row INSERT: ~20 columns × 50 rows stays far below SQLite's limit of bound variables. */
const INSERT_CHUNK = 50;
const COLUMN_NAMES = COLUMNS.split(",").map((c) => c.trim()) as Array<keyof DbRow>;

type Failed = Array<{ row: NewRequestRow; error: unknown }>;

/** Rows in multi-row statements of INSERT_CHUNK; the rows that could not be written, with why. */
function insertMany(rows: readonly NewRequestRow[], insertRows: (n: number) => Database.Statement, insertOne: (row: NewRequestRow) => void): Failed {
  const failed: Failed = [];
  const valid: Array<{ row: NewRequestRow; db: DbRow }> = [];
  for (const row of rows) {
    try {
      valid.push({ row, db: toDb(row) });
    } catch (error) {
      failed.push({ row, error });
    }
  }
  for (let i = 0; i < valid.length; i += INSERT_CHUNK) {
    const chunk = valid.slice(i, i + INSERT_CHUNK);
    try {
      insertRows(chunk.length).run(chunk.flatMap(({ db }) => COLUMN_NAMES.map((c) => db[c])));
    } catch {
      // One bad row (a reused id) fails the whole statement, which then wrote nothing: row by row.
      for (const { row } of chunk) {
        try {
          insertOne(row);
        } catch (error) {
          failed.push({ row, error });
        }
      }
    }
  }
  return failed;
}

/** One page of rows, newest first, after the cursor. */
function listPage(db: Database.Database, query: RequestListQuery): RequestPage {
  const limit = pageLimit(query.limit);
  const w = whereClause(query);
  let sql = `SELECT ${COLUMNS} FROM requests WHERE ${w.sql}`;
  const params = [...w.params];
  if (query.before !== undefined) {
    sql += ` AND (created_at, id) < (?, ?)`;
    params.push(...decodeCursor(query.before));
  }
  sql += ` ORDER BY created_at DESC, id DESC LIMIT ?`;
  // One extra row tells whether another page exists without a second query.
  const rows = db.prepare(sql).all(...params, limit + 1) as DbRow[];
  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { rows: page.map(fromDb), nextCursor: more && last ? encodeCursor(last.created_at, last.id) : null };
}

export function createRequestsApi(db: Database.Database): RequestsApi {
  const inbox = createInbox(db, COLUMN_NAMES);
  // Every reader moves the inbox first: a row committed there is seen by all of them at once.
  const settled = <A extends unknown[], R>(read: (...args: A) => R) => (...args: A): R => {
    inbox.move();
    return read(...args);
  };
  const summary = createSummary(db);
  const timeline = createTimeline(db);
  const insert = db.prepare(`INSERT INTO requests (${COLUMNS}) VALUES (${COLUMN_NAMES.map((c) => `@${c}`).join(", ")})`);
  const multi = new Map<number, Database.Statement>();
  const insertRows = (n: number): Database.Statement => {
    let stmt = multi.get(n);
    if (!stmt) {
      const tuple = `(${COLUMN_NAMES.map(() => "?").join(", ")})`;
      stmt = db.prepare(`INSERT INTO requests (${COLUMNS}) VALUES ${Array.from({ length: n }, () => tuple).join(", ")}`);
      multi.set(n, stmt);
    }
    return stmt;
  };
  const getOne = db.prepare(`SELECT ${COLUMNS} FROM requests WHERE id = ?`);
  const spend = db.prepare(
    `SELECT coalesce(sum(api_cost_usd), 0) AS usd FROM request_hourly WHERE lane = ? AND hour >= ? AND hour < ?`,
  );
  const pruneBatch = db.prepare(
    `DELETE FROM requests WHERE rowid IN (SELECT rowid FROM requests WHERE created_at < ? LIMIT ${PRUNE_BATCH})`,
  );

  return {
    insert(row) {
      const values = toDb(row);
      if (inbox.has(values.id)) throw new DuplicateRequestIdError(row.id);
      try {
        insert.run(values);
      } catch (err) {
        if ((err as { code?: string }).code === "SQLITE_CONSTRAINT_PRIMARYKEY") throw new DuplicateRequestIdError(row.id);
        throw err;
      }
    },

    insertMany(rows) {
      return insertMany(rows, insertRows, (row) => this.insert(row));
    },

    enqueue(rows) {
      const failed: Failed = [];
      for (const row of rows) {
        try {
          if (!inbox.add(row.id, toDb(row))) failed.push({ row, error: new DuplicateRequestIdError(row.id) });
        } catch (error) {
          failed.push({ row, error });
        }
      }
      return failed;
    },

    moveInbox: () => inbox.move(),

    list: settled((query: RequestListQuery = {}) => listPage(db, query)),

    get: settled((id: string) => {
      const r = getOne.get(id) as DbRow | undefined;
      return r ? fromDb(r) : null;
    }),

    count: settled((filter: RequestFilter = {}) => {
      const w = whereClause(filter);
      return (db.prepare(`SELECT count(*) AS total FROM requests WHERE ${w.sql}`).get(...w.params) as { total: number }).total;
    }),

    summary: settled(summary),
    timeline: settled(timeline),

    monthSpend: settled((lane: string, now: number) => {
      const [start, end] = monthRange(checkTime("now", now));
      return (spend.get(lane, hourKey(start), hourKey(end)) as { usd: number }).usd;
    }),

    prune(olderThanMs, now) {
      if (typeof olderThanMs !== "number" || !Number.isFinite(olderThanMs) || olderThanMs < 0) {
        throw new InvalidQueryError("olderThanMs", "must be a non-negative number of milliseconds");
      }
      const cutoff = iso(Math.max(0, checkTime("now", now) - olderThanMs));
      inbox.move();
      // Small batches, each its own transaction: the gateway's inserts never wait behind one huge delete.
      let deleted = 0;
      for (;;) {
        const n = pruneBatch.run(cutoff).changes;
        deleted += n;
        if (n < PRUNE_BATCH) return deleted;
      }
    },
  };
}
