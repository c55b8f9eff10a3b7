// Versioned schema. Each migration is a numbered function run once, in its own immediate
// transaction, and recorded in schema_migrations. Never edit a released migration: add one.

import type Database from "better-sqlite3";
import { StoreError } from "./errors";
import { createInbox } from "./inbox";
import { latencyBucketSql } from "./latency";

type Db = Database.Database;

export interface Migration {
  version: number;
  name: string;
  up(db: Db): void;
}

function m001_initial(db: Db): void {
  db.exec(`
    CREATE TABLE api_keys (
      id           INTEGER PRIMARY KEY,
      name         TEXT NOT NULL,
      hash         BLOB NOT NULL UNIQUE,      -- SHA-256 of the key; the key itself is never stored
      prefix       TEXT NOT NULL,             -- first 8 characters, for display
      admin        INTEGER NOT NULL DEFAULT 0,
      created_at   TEXT NOT NULL,
      last_used_at TEXT,
      revoked_at   TEXT
    );
    CREATE UNIQUE INDEX api_keys_active_name ON api_keys(name) WHERE revoked_at IS NULL;

    CREATE TABLE requests (
      id                  TEXT PRIMARY KEY,
      created_at          TEXT NOT NULL,      -- ISO 8601 UTC with ms: sorts as time
      key_name            TEXT,
      model               TEXT NOT NULL,
      stream              INTEGER NOT NULL,
      lane                TEXT,
      attempts            TEXT NOT NULL,      -- JSON array of {lane, outcome, code, ms}
      status              TEXT NOT NULL CHECK (status IN ('ok', 'error', 'cancelled')),
      http_status         INTEGER NOT NULL,
      error_code          TEXT,
      queue_ms            INTEGER NOT NULL,
      latency_ms          INTEGER NOT NULL CHECK (latency_ms >= 0),
      first_byte_ms       INTEGER,
      input_tokens        INTEGER NOT NULL DEFAULT 0,
      cached_input_tokens INTEGER NOT NULL DEFAULT 0,
      output_tokens       INTEGER NOT NULL DEFAULT 0,
      reasoning_tokens    INTEGER NOT NULL DEFAULT 0,
      api_cost_usd        REAL NOT NULL DEFAULT 0,
      request_body        TEXT,
      response_body       TEXT
    );
    CREATE INDEX requests_created ON requests(created_at, id);
    -- (filter, created_at, id): a filtered page is read in order straight from the index.
    CREATE INDEX requests_lane_created ON requests(lane, created_at, id);
    CREATE INDEX requests_key_created ON requests(key_name, created_at, id);
    CREATE INDEX requests_status_created ON requests(status, created_at, id);
    CREATE INDEX requests_model_created ON requests(model, created_at, id);

    -- Rollups kept by triggers so the dashboard's summary and timeline never scan the log.
    -- lane '' = no lane served.
    CREATE TABLE request_hourly (
      hour                TEXT NOT NULL,      -- substr(created_at, 1, 13): 'YYYY-MM-DDTHH'
      lane                TEXT NOT NULL,
      requests            INTEGER NOT NULL,
      errors              INTEGER NOT NULL,
      cancelled           INTEGER NOT NULL,
      input_tokens        INTEGER NOT NULL,
      cached_input_tokens INTEGER NOT NULL,
      output_tokens       INTEGER NOT NULL,
      reasoning_tokens    INTEGER NOT NULL,
      api_cost_usd        REAL NOT NULL,
      PRIMARY KEY (hour, lane)
    ) WITHOUT ROWID;

    CREATE TABLE request_latency_daily (
      day      TEXT NOT NULL,                 -- substr(created_at, 1, 10): 'YYYY-MM-DD'
      lane     TEXT NOT NULL,
      bucket   INTEGER NOT NULL,              -- see latency.ts
      requests INTEGER NOT NULL,
      PRIMARY KEY (day, lane, bucket)
    ) WITHOUT ROWID;

    CREATE TABLE lane_state (
      lane        TEXT PRIMARY KEY,
      record      TEXT,                       -- JSON LaneRecord
      rate_limits TEXT,                       -- JSON RateLimitSnapshot
      updated_at  INTEGER NOT NULL            -- epoch ms
    );

    CREATE TABLE secrets (
      lane       TEXT PRIMARY KEY,
      iv         BLOB NOT NULL,               -- 12 bytes, fresh per write
      tag        BLOB NOT NULL,               -- GCM tag
      ciphertext BLOB NOT NULL,               -- AES-256-GCM, AAD = lane name
      key_check  BLOB NOT NULL,               -- HMAC of a constant under the master key: tells a wrong key from tampering
      created_at TEXT NOT NULL
    );
  `);
  db.exec(rollupTriggers());
}

function rollupTriggers(): string {
  const add = (r: "NEW" | "OLD", sign: "+" | "-") => `
    INSERT INTO request_hourly (hour, lane, requests, errors, cancelled, input_tokens, cached_input_tokens,
                                output_tokens, reasoning_tokens, api_cost_usd)
    VALUES (substr(${r}.created_at, 1, 13), coalesce(${r}.lane, ''), ${sign}1,
            ${sign}(${r}.status = 'error'), ${sign}(${r}.status = 'cancelled'),
            ${sign}${r}.input_tokens, ${sign}${r}.cached_input_tokens, ${sign}${r}.output_tokens,
            ${sign}${r}.reasoning_tokens, ${sign}${r}.api_cost_usd)
    ON CONFLICT (hour, lane) DO UPDATE SET
      requests = requests + excluded.requests, errors = errors + excluded.errors,
      cancelled = cancelled + excluded.cancelled, input_tokens = input_tokens + excluded.input_tokens,
      cached_input_tokens = cached_input_tokens + excluded.cached_input_tokens,
      output_tokens = output_tokens + excluded.output_tokens,
      reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens,
      api_cost_usd = api_cost_usd + excluded.api_cost_usd;
    INSERT INTO request_latency_daily (day, lane, bucket, requests)
    VALUES (substr(${r}.created_at, 1, 10), coalesce(${r}.lane, ''), ${latencyBucketSql(`${r}.latency_ms`)}, ${sign}1)
    ON CONFLICT (day, lane, bucket) DO UPDATE SET requests = requests + excluded.requests;`;
  const cleanup = `
    DELETE FROM request_hourly WHERE hour = substr(OLD.created_at, 1, 13) AND lane = coalesce(OLD.lane, '') AND requests = 0;
    DELETE FROM request_latency_daily WHERE day = substr(OLD.created_at, 1, 10) AND lane = coalesce(OLD.lane, '') AND requests = 0;`;
  return `
    CREATE TRIGGER requests_rollup_insert AFTER INSERT ON requests BEGIN ${add("NEW", "+")} END;
    CREATE TRIGGER requests_rollup_delete AFTER DELETE ON requests BEGIN ${add("OLD", "-")} ${cleanup} END;
    CREATE TRIGGER requests_rollup_update AFTER UPDATE ON requests BEGIN
      ${add("OLD", "-")} ${cleanup} ${add("NEW", "+")}
    END;`;
}

/** Which API route a row is for: `chat.completions`, `responses`, or a passed-through route (`embeddings`, `audio.speech`, ...). */
function m002_endpoint(db: Db): void {
  db.exec(`
    ALTER TABLE requests ADD COLUMN endpoint TEXT NOT NULL DEFAULT 'chat.completions';
    CREATE INDEX requests_endpoint_created ON requests(endpoint, created_at, id);
  `);
}

/** Agents: how many tool calls each request returned, and stored Responses. */
function m003_agents(db: Db): void {
  db.exec(`
    ALTER TABLE requests ADD COLUMN tool_calls INTEGER NOT NULL DEFAULT 0;

    -- /v1/responses objects kept for previous_response_id and GET/DELETE, scoped to the key that
    -- made them (key_name '' for requests without a key name), pruned with the request log.
    CREATE TABLE responses (
      id          TEXT PRIMARY KEY,
      key_name    TEXT NOT NULL,
      created_at  TEXT NOT NULL,
      items       TEXT NOT NULL,   -- JSON: the conversation through this response's output, for previous_response_id
      response    TEXT NOT NULL    -- JSON: the Response object as sent
    );
    CREATE INDEX responses_created ON responses(created_at);
  `);
}

/**
 * The request log's inbox: a row is committed here before its response's last byte (one narrow
 * b-tree page per commit instead of the indexed table, its five filter indexes and two rollups),
 * then moved into `requests` in batches (inbox.ts). `row` is the row's columns as a JSON object.
 */
function m004_request_inbox(db: Db): void {
  db.exec(`
    CREATE TABLE request_inbox (
      id  TEXT PRIMARY KEY,
      row TEXT NOT NULL
    ) WITHOUT ROWID;
  `);
}

/**
 * The inbox as a rowid table with a unique index on the id: rows are appended in arrival order (a
 * commit dirties the last leaf and a small index page, about 1.3 WAL frames against 2.6 for the
 * random-key b-tree of version 4, ~20% less CPU per row) and are moved in that order.
 */
function m005_request_inbox_in_order(db: Db): void {
  db.exec(`
    CREATE TABLE request_inbox_v5 (
      seq INTEGER PRIMARY KEY,
      id  TEXT NOT NULL UNIQUE,
      row TEXT NOT NULL
    );
    INSERT INTO request_inbox_v5 (id, row) SELECT id, row FROM request_inbox;
    DROP TABLE request_inbox;
    ALTER TABLE request_inbox_v5 RENAME TO request_inbox;
  `);
}

export const migrations: readonly Migration[] = [
  { version: 1, name: "initial", up: m001_initial },
  { version: 2, name: "endpoint", up: m002_endpoint },
  { version: 3, name: "agents", up: m003_agents },
  { version: 4, name: "request inbox", up: m004_request_inbox },
  { version: 5, name: "request inbox in arrival order", up: m005_request_inbox_in_order },
];

export class SchemaTooNewError extends StoreError {
  override name = "SchemaTooNewError";
  constructor(found: number, known: number) {
    super(`the database has schema version ${found}, newer than this codex-lanes knows (${known}); upgrade codex-lanes`);
  }
}

/** From this version on, the inbox is moved before each later migration (see moveInboxAsIs). */
const INBOX_MOVED_BEFORE_MIGRATING = 5;

/**
 * Rows a crash left in the inbox hold the log's columns as they are before a migration: they are
 * moved with those columns, so that a migration that adds one (NOT NULL DEFAULT, say) never meets
 * a row without it.
 */
function moveInboxAsIs(db: Db): void {
  const columns = db.prepare(`SELECT name FROM pragma_table_info('requests')`).pluck().all() as string[];
  createInbox(db, columns).move();
}

/** Applies every migration not yet recorded (`list` is for tests). Safe to run from two processes at once. */
export function migrate(db: Db, now: () => string = () => new Date().toISOString(), list: readonly Migration[] = migrations): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const known = list[list.length - 1]?.version ?? 0;
  const applied: number[] = [];
  const current = () =>
    (db.prepare(`SELECT max(version) AS version FROM schema_migrations`).get() as { version: number | null }).version ?? 0;
  if (current() > known) throw new SchemaTooNewError(current(), known);
  for (const m of list) {
    // Re-check inside the write lock: another process may have applied it meanwhile.
    const run = db.transaction(() => {
      if (db.prepare(`SELECT 1 FROM schema_migrations WHERE version = ?`).get(m.version)) return;
      if (m.version > INBOX_MOVED_BEFORE_MIGRATING) moveInboxAsIs(db);
      m.up(db);
      db.prepare(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`).run(m.version, m.name, now());
      applied.push(m.version);
    });
    run.immediate();
  }
  return applied;
}
