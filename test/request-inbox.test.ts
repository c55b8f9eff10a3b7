// The request log's inbox (gateway/store/inbox.ts): a row committed there is seen by every reader at
// once, in this connection and in another one; a process killed with rows in the inbox loses none and
// shows each once after a restart; databases of the schemas before (version 3, no inbox; version 4,
// the first inbox, with a row in it) migrate with their rows. Real SQLite files, a real child process killed with SIGKILL, the gateway over real HTTP.

import assert from "node:assert/strict";
import { fork } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, describe, test } from "node:test";
import Database from "better-sqlite3";
import OpenAI from "openai";
import { DuplicateRequestIdError, InvalidRequestRowError, openStore, type NewRequestRow, type Store } from "../gateway/store";
import { migrate, migrations } from "../gateway/store/migrations";
import { startFakeOpenAI } from "./fakes/openai";
import { openaiLane, startTestGateway, tempDir } from "./helpers/gateway";

const root = tempDir("codex-lanes-inbox-");
const opened: Store[] = [];
after(() => {
  opened.forEach((s) => s.close());
  fs.rmSync(root, { recursive: true, force: true });
});
let dirs = 0;
function open(dir = path.join(root, `d${++dirs}`)): Store {
  const s = openStore(dir);
  opened.push(s);
  return s;
}

const T0 = Date.parse("2026-12-08T10:00:00.000Z");
let seq = 0;
function row(over: Partial<NewRequestRow> = {}): NewRequestRow {
  return {
    id: `in-${++seq}`,
    createdAt: T0,
    keyName: "app",
    model: "gpt-5.5",
    stream: false,
    lane: "api",
    attempts: [{ lane: "api", outcome: "ok", code: null, ms: 10 }],
    status: "ok",
    httpStatus: 200,
    queueMs: 0,
    latencyMs: 40,
    apiCostUsd: 0.5,
    ...over,
  };
}

/** Commits rows to the inbox as the gateway's row writer does; none may be refused. */
function enqueue(s: Store, ...rows: NewRequestRow[]): void {
  assert.deepEqual(s.transaction(() => s.requests.enqueue(rows)), []);
}

/** Rows waiting in the inbox, read around the store (which would move them first). */
function waiting(file: string): number {
  const raw = new Database(file, { readonly: true });
  try {
    return (raw.prepare(`SELECT count(*) AS rows FROM request_inbox`).get() as { rows: number }).rows;
  } finally {
    raw.close();
  }
}

describe("rows in the inbox", () => {
  test("are seen by every reader of the log as soon as they are committed", async () => {
    const s = open();
    const day = { since: T0 - 3_600_000, until: T0 + 3_600_000 };

    let r = row();
    enqueue(s, r);
    assert.equal(waiting(s.path), 1, "the row waits in the inbox");
    assert.equal(s.requests.get(r.id)?.latencyMs, 40, "get");

    r = row();
    enqueue(s, r);
    assert.deepEqual(new Set(s.requests.list({ lane: "api" }).rows.map((x) => x.id)), new Set([`in-${seq - 1}`, r.id]), "list");

    enqueue(s, row());
    assert.equal(s.requests.count({ model: "gpt-5.5" }), 3, "count");

    enqueue(s, row({ status: "error", httpStatus: 502 }));
    const summary = s.requests.summary(day);
    assert.equal(summary.total.requests, 4, "summary");
    assert.equal(summary.total.errors, 1);

    enqueue(s, row());
    const points = s.requests.timeline({ ...day, bucketMs: 3_600_000 });
    assert.equal(points.reduce((n, p) => n + p.requests, 0), 5, "timeline");

    enqueue(s, row({ apiCostUsd: 1.25 }));
    assert.equal(s.requests.monthSpend("api", T0), 5 * 0.5 + 1.25, "monthSpend");

    const old = row({ createdAt: T0 - 90 * 86_400_000 });
    enqueue(s, old);
    assert.equal(s.requests.prune(30 * 86_400_000, T0), 1, "prune");
    assert.equal(s.requests.get(old.id), null);

    const other = open(path.dirname(s.path)); // another process's connection, like the CLI's
    const fresh = row();
    enqueue(s, fresh);
    assert.equal(other.requests.get(fresh.id)?.id, fresh.id, "another connection");
    assert.equal(other.requests.summary(day).total.requests, 7, "the rollups hold each row once");

    const late = row();
    enqueue(s, late);
    const copy = path.join(root, `backup-${dirs}.db`);
    await s.backup(copy);
    const raw = new Database(copy, { readonly: true });
    after(() => raw.close());
    assert.ok(raw.prepare(`SELECT 1 FROM requests WHERE id = ?`).get(late.id), "a backup's log holds the row");
    assert.equal(waiting(s.path), 0);
  });

  test("ids stay unique across the log and the inbox: a reused id is a DuplicateRequestIdError, a bad row its own error", () => {
    const s = open();
    const inLog = row();
    s.requests.insert(inLog);
    const inInbox = row();
    enqueue(s, inInbox);
    const bad = row({ latencyMs: -1 });
    const again = row({ id: inInbox.id });
    const good = row();
    const failed = s.transaction(() => s.requests.enqueue([{ ...inLog }, again, bad, good]));
    assert.deepEqual(
      failed.map((f) => [f.row.id, (f.error as Error).constructor]),
      [
        [inLog.id, DuplicateRequestIdError],
        [inInbox.id, DuplicateRequestIdError],
        [bad.id, InvalidRequestRowError],
      ],
    );
    assert.throws(() => s.requests.insert({ ...inInbox }), DuplicateRequestIdError, "insert refuses an id waiting in the inbox");
    assert.equal(s.requests.count(), 3, "the log holds inLog, inInbox and good, once each");
    assert.equal(s.requests.get(good.id)?.id, good.id);
  });

  test("a row written around the store under an id waiting in the inbox wedges nothing: both are kept", () => {
    const s = open();
    const r = row();
    enqueue(s, r);
    const raw = new Database(s.path);
    raw
      .prepare(
        `INSERT INTO requests (id, created_at, key_name, model, stream, lane, attempts, status, http_status, queue_ms, latency_ms)
         VALUES (?, ?, 'app', 'by-hand', 0, 'api', '[]', 'ok', 200, 0, 5)`,
      )
      .run(r.id, new Date(T0).toISOString());
    raw.close();
    const ids = s.requests.list().rows.map((x) => `${x.id} ${x.model}`).sort();
    assert.equal(ids.length, 2);
    assert.equal(ids[0], `${r.id} by-hand`);
    assert.match(ids[1]!, new RegExp(`^${r.id}\\.[0-9a-f]{6} gpt-5\\.5$`));
    assert.equal(waiting(s.path), 0);
  });

  test("close moves the inbox into the log", () => {
    const s = open();
    const r = row();
    enqueue(s, r);
    s.close();
    assert.equal(waiting(s.path), 0);
    const raw = new Database(s.path, { readonly: true });
    after(() => raw.close());
    assert.ok(raw.prepare(`SELECT 1 FROM requests WHERE id = ?`).get(r.id));
  });
});

test("kill -9 with rows in the inbox: after a restart every row is in the log, once", async (t) => {
  const dataDir = path.join(root, `crash-${++dirs}`);
  const rows = 40;
  const child = fork(path.join(__dirname, "helpers/inbox-process.ts"), [], {
    execArgv: ["--import", "tsx"],
    env: { ...process.env, GATEWAY_DATA_DIR: dataDir, INBOX_ROWS: String(rows) },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
  });
  const queued = await new Promise<number>((resolve, reject) => {
    child.once("message", (m) => resolve((m as { queued: number }).queued));
    child.once("exit", (code) => reject(new Error(`the inbox process exited (${code}) before queueing`)));
  });
  assert.equal(queued, rows);
  child.kill("SIGKILL");
  await exited;
  assert.equal(child.signalCode, "SIGKILL");
  const file = path.join(dataDir, "gateway.db");
  assert.equal(waiting(file), rows, "the killed process left its rows in the inbox");

  const s = open(dataDir);
  assert.equal(waiting(file), 0, "opening moved them");
  assert.equal(s.requests.count(), rows);
  for (let i = 0; i < rows; i++) assert.equal(s.requests.get(`crash-${i}`)?.latencyMs, 10 + i);
  const day = { since: T0 - 86_400_000, until: T0 + 86_400_000 };
  assert.equal(s.requests.summary(day).total.requests, rows, "each row counted once in the rollups");
  s.close();

  const again = open(dataDir);
  assert.equal(again.requests.count(), rows, "a second restart adds nothing");
  assert.equal(again.requests.summary(day).total.requests, rows);
});

/** A database as a codex-lanes of schema `version` left it (migrations are never edited, only added). */
function databaseAt(version: number, fill: (raw: Database.Database) => void): string {
  const dir = path.join(root, `v${version}-${++dirs}`);
  fs.mkdirSync(dir, { recursive: true });
  const raw = new Database(path.join(dir, "gateway.db"));
  raw.pragma("journal_mode = WAL");
  raw.exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  for (const m of migrations.filter((m) => m.version <= version)) {
    m.up(raw);
    raw.prepare(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`).run(m.version, m.name, "2026-12-01T00:00:00.000Z");
  }
  raw
    .prepare(
      `INSERT INTO requests (id, created_at, key_name, model, stream, lane, attempts, status, http_status, queue_ms, latency_ms, api_cost_usd, endpoint, tool_calls)
       VALUES (?, ?, 'app', 'gpt-5.5', 0, 'api', '[]', 'ok', 200, 0, 30, 0.75, 'chat.completions', 2)`,
    )
    .run(`from-v${version}`, new Date(T0).toISOString());
  fill(raw);
  raw.close();
  return dir;
}

const versionsOf = (s: Store) => {
  const raw = new Database(s.path, { readonly: true });
  after(() => raw.close());
  return raw.prepare(`SELECT version FROM schema_migrations ORDER BY version`).pluck().all();
};

test("a database of schema version 3 (before the inbox) migrates and keeps its rows", () => {
  const s = open(databaseAt(3, () => {}));
  assert.deepEqual(versionsOf(s), [1, 2, 3, 4, 5]);
  const old = s.requests.get("from-v3");
  assert.equal(old?.toolCalls, 2);
  assert.equal(old?.apiCostUsd, 0.75);
  const r = row();
  enqueue(s, r);
  assert.equal(s.requests.get(r.id)?.id, r.id);
  assert.equal(s.requests.summary({ since: T0, until: T0 + 1 }).total.requests, 2);
  assert.equal(s.requests.monthSpend("api", T0), 0.75 + 0.5);
});

test("a database of schema version 4 with a row left in its inbox migrates, and the row reaches the log once", () => {
  const dir = databaseAt(4, (raw) => {
    // The row exactly as version 4's store enqueued it: its columns as a JSON object.
    const columns = { id: "left-in-v4-inbox", created_at: new Date(T0).toISOString(), key_name: "app", model: "gpt-5.5", stream: 1, lane: "api", attempts: "[]", status: "ok", http_status: 200, error_code: null, queue_ms: 0, latency_ms: 45, first_byte_ms: 12, input_tokens: 7, cached_input_tokens: 0, output_tokens: 3, reasoning_tokens: 0, api_cost_usd: 0.25, request_body: null, response_body: null, endpoint: "chat.completions", tool_calls: 0 };
    raw.prepare(`INSERT INTO request_inbox (id, row) VALUES (?, ?)`).run(columns.id, JSON.stringify(columns));
  });
  const s = open(dir);
  assert.deepEqual(versionsOf(s), [1, 2, 3, 4, 5]);
  assert.equal(waiting(s.path), 0, "opening moved it");
  const left = s.requests.get("left-in-v4-inbox");
  assert.equal(left?.stream, true);
  assert.equal(left?.firstByteMs, 12);
  assert.equal(s.requests.summary({ since: T0, until: T0 + 1 }).total.requests, 2);
  const r = row();
  enqueue(s, r);
  assert.equal(s.requests.count(), 3);
});

test("a later migration that adds a column never meets a row left in the inbox: the rows move first, as written", () => {
  const s = open();
  const r = row({ latencyMs: 77 });
  enqueue(s, r); // committed, not moved: as a crash leaves it
  const raw = new Database(s.path);
  after(() => raw.close());
  const future = { version: 99, name: "a column the next version adds", up: (db: Database.Database) => db.exec(`ALTER TABLE requests ADD COLUMN future TEXT NOT NULL DEFAULT 'kept'`) };
  assert.deepEqual(migrate(raw, undefined, [...migrations, future]), [99]);
  assert.equal(waiting(s.path), 0);
  assert.deepEqual(raw.prepare(`SELECT latency_ms, future FROM requests WHERE id = ?`).get(r.id), { latency_ms: 77, future: "kept" });
});

test("through the gateway: a request's row is in the log for every reader once its response has ended", async (t) => {
  const up = await startFakeOpenAI();
  t.after(() => up.close());
  const gw = await startTestGateway(t, { lanes: [openaiLane("api", up.baseUrl, "sk-inbox-0123456789abcdef")] });
  const client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
  const cli = open(gw.dataDir); // a second connection, as `codex-lanes logs` or `stats` has
  const store = gw.server.store;

  const plain = await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "one" }] }).withResponse();
  const plainId = plain.response.headers.get("x-request-id")!;
  assert.equal(cli.requests.get(plainId)?.status, "ok", "another connection, right after the answer");

  const streamed = await client.chat.completions.create({ model: "gpt-4o-mini", stream: true, messages: [{ role: "user", content: "two" }] }).withResponse();
  let text = "";
  for await (const chunk of streamed.data) text += chunk.choices[0]?.delta.content ?? "";
  assert.ok(text);
  const streamedId = streamed.response.headers.get("x-request-id")!;
  assert.equal(store.requests.get(streamedId)?.stream, true, "the gateway's own store, with no flush");
  assert.deepEqual(new Set(cli.requests.list({ lane: "api" }).rows.map((r) => r.id)), new Set([plainId, streamedId]));
  assert.equal(store.requests.summary({ since: Date.now() - 60_000, until: Date.now() + 1 }).total.requests, 2);
});
