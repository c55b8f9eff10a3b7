// The request-log row writer alone (gateway/dispatch/row-writer.ts), against a real SQLite file:
// rows are committed before write() resolves, a loop turn's rows share one transaction, nothing
// answered is dropped (reused ids, over-long model names), and one bad row spoils no other.

import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import Database from "better-sqlite3";
import { MOVE_BATCH, RowWriter } from "../gateway/dispatch/row-writer";
import { openStore, type NewRequestRow, type Store } from "../gateway/store";
import { waitFor } from "./helpers/wait";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "codex-lanes-row-writer-"));
const opened: Store[] = [];
after(() => {
  opened.forEach((s) => s.close());
  fs.rmSync(root, { recursive: true, force: true });
});

let dirs = 0;
function setup(): { store: Store; writer: RowWriter; errors: string[]; commits: () => number } {
  const store = openStore(path.join(root, `d${++dirs}`));
  opened.push(store);
  let commits = 0;
  const counted: Pick<Store, "transaction" | "requests"> = {
    requests: store.requests,
    transaction: (fn) => {
      commits++;
      return store.transaction(fn);
    },
  };
  const errors: string[] = [];
  const log = { error: (msg: string) => void errors.push(msg) };
  const writer = new RowWriter({ store: counted, log, random: () => 0.5 });
  return { store, writer, errors, commits: () => commits };
}

let seq = 0;
function row(over: Partial<NewRequestRow> = {}): NewRequestRow {
  return {
    id: `req-${++seq}`,
    createdAt: Date.parse("2026-12-07T10:00:00Z"),
    keyName: "app",
    model: "gpt-5",
    stream: false,
    lane: "plus-a",
    attempts: [{ lane: "plus-a", outcome: "ok", code: null, ms: 12 }],
    status: "ok",
    httpStatus: 200,
    queueMs: 0,
    latencyMs: 15,
    firstByteMs: 15,
    ...over,
  };
}

test("a row is in the database when write() resolves, with no flush and no timer", async () => {
  const { store, writer } = setup();
  const r = row();
  const written = writer.write(r);
  assert.equal(store.requests.get(r.id), null, "the write waits for the end of the loop turn");
  await written;
  assert.equal(store.requests.get(r.id)?.model, "gpt-5");
});

test("rows that end in the same loop turn share one transaction", async () => {
  const { store, writer, commits } = setup();
  const rows = Array.from({ length: 40 }, () => row());
  await Promise.all(rows.map((r) => writer.write(r)));
  assert.equal(commits(), 1);
  for (const r of rows) assert.ok(store.requests.get(r.id), `row ${r.id} was written`);
  await writer.write(row());
  assert.equal(commits(), 2, "a later turn gets its own transaction");
});

test("flush() writes what is queued at once and resolves its writers", async () => {
  const { store, writer } = setup();
  const r = row();
  let resolved = false;
  const written = writer.write(r).then(() => (resolved = true));
  writer.flush();
  assert.ok(store.requests.get(r.id), "written synchronously by flush()");
  await written;
  assert.equal(resolved, true);
});

test("a reused request id keeps both rows, the second under a suffixed id", async () => {
  const { store, writer, errors } = setup();
  const first = row({ id: "client-chosen-id" });
  await writer.write(first);
  await writer.write({ ...first, model: "gpt-5-mini" });
  const page = store.requests.list({ limit: 10 });
  const ids = page.rows.map((r) => r.id).sort();
  assert.equal(ids.length, 2);
  assert.equal(ids[0], "client-chosen-id");
  assert.match(ids[1]!, /^client-chosen-id\.[0-9a-z]+$/);
  assert.deepEqual(errors, []);
});

test("an over-long model name is cut to what the store keeps, not a reason to drop the row", async () => {
  const { store, writer, errors } = setup();
  const long = `m-${"x".repeat(600)}`;
  const r = row({ model: long });
  await writer.write(r);
  const saved = store.requests.get(r.id);
  assert.ok(saved, "the row was written");
  assert.equal(saved.model.length, 256);
  assert.ok(saved.model.endsWith("…"));
  assert.ok(long.startsWith(saved.model.slice(0, -1)));
  assert.deepEqual(errors, []);
});

test("a cut never leaves half of a surrogate pair", async () => {
  const { store, writer } = setup();
  const r = row({ model: `${"a".repeat(254)}😀😀` });
  await writer.write(r);
  const model = store.requests.get(r.id)!.model;
  assert.ok(model.length <= 256);
  assert.equal(model, `${"a".repeat(254)}…`);
});

test("one row the store refuses is logged; the rest of its batch is written", async () => {
  const { store, writer, errors } = setup();
  const good = [row(), row()];
  const bad = row({ latencyMs: -1 });
  await Promise.all([writer.write(good[0]!), writer.write(bad), writer.write(good[1]!)]);
  for (const r of good) assert.ok(store.requests.get(r.id));
  assert.equal(store.requests.get(bad.id), null);
  assert.deepEqual(errors, ["could not write the request-log row"]);
});

test("every row passes the onRow hook, and a hook that throws stops no row", async () => {
  const { store } = setup();
  const seen: string[] = [];
  const errors: string[] = [];
  const writer = new RowWriter({
    store,
    log: { error: (msg: string) => void errors.push(msg) },
    random: Math.random,
    onRow: (r) => {
      seen.push(r.id);
      if (seen.length === 1) throw new Error("hook broke");
    },
  });
  const rows = [row(), row()];
  await Promise.all(rows.map((r) => writer.write(r)));
  assert.deepEqual(seen, rows.map((r) => r.id));
  for (const r of rows) assert.ok(store.requests.get(r.id));
  assert.deepEqual(errors, ["request-log row hook failed"]);
});

test("rows reach the indexed log with no reader asking: a full batch, then the rest; close() leaves none in the inbox", async () => {
  const { store, writer, errors } = setup();
  // Read around the store, as sqlite3 would: a reader through the store would move the inbox itself.
  const raw = new Database(store.path, { readonly: true });
  after(() => raw.close());
  const count = (table: string) => (raw.prepare(`SELECT count(*) AS rows FROM ${table}`).get() as { rows: number }).rows;
  await Promise.all(Array.from({ length: MOVE_BATCH }, () => writer.write(row())));
  await waitFor("a full batch in the indexed log", () => count("requests") === MOVE_BATCH);
  await Promise.all([writer.write(row()), writer.write(row())]);
  await waitFor("the rest in the indexed log", () => count("requests") === MOVE_BATCH + 2);
  void writer.write(row());
  writer.close();
  assert.equal(count("requests"), MOVE_BATCH + 3);
  assert.equal(count("request_inbox"), 0);
  assert.deepEqual(errors, []);
});
