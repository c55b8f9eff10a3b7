// gateway/store against real SQLite files in a temp dir.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import Database from "better-sqlite3";
import fc from "fast-check";
import type { RateLimitSnapshot } from "../gateway/lanes/types";
import type { LaneRecord } from "../gateway/lanes/types";
import {
  DuplicateKeyNameError,
  DuplicateRequestIdError,
  InvalidCursorError,
  InvalidKeyNameError,
  InvalidMasterKeyError,
  InvalidQueryError,
  InvalidRequestRowError,
  openStore,
  SecretDecryptError,
  type NewRequestRow,
  type RequestRow,
  type Store,
} from "../gateway/store";
import { bucketValue, latencyBucket } from "../gateway/store/latency";
import { migrate } from "../gateway/store/migrations";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "codex-lanes-store-test-"));
after(() => fs.rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => path.join(root, `d${++dirs}`, "nested", "data");

const opened: Store[] = [];
after(() => opened.forEach((s) => s.close()));
function open(dir: string): Store {
  const s = openStore(dir);
  opened.push(s);
  return s;
}

/** Every byte SQLite has on disk for this store: the db, its WAL and shared memory. */
function diskBytes(dir: string): Buffer {
  return Buffer.concat(
    fs.readdirSync(dir).filter((f) => f.startsWith("gateway.db")).map((f) => fs.readFileSync(path.join(dir, f))),
  );
}

const T0 = Date.parse("2025-03-10T00:00:00.000Z");
const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let seq = 0;
function row(over: Partial<NewRequestRow> = {}): NewRequestRow {
  return {
    id: `req-${++seq}`,
    createdAt: T0,
    keyName: "app",
    model: "gpt-5.5",
    stream: false,
    lane: "plus-a",
    attempts: [{ lane: "plus-a", outcome: "ok", code: null, ms: 10 }],
    status: "ok",
    httpStatus: 200,
    queueMs: 0,
    latencyMs: 100,
    ...over,
  };
}

describe("open and migrations", () => {
  test("creates the directory, an owner-only db file, and reopening sees the data without re-migrating", () => {
    const dir = freshDir();
    const s = open(dir);
    assert.equal(s.path, path.join(path.resolve(dir), "gateway.db"));
    assert.equal(fs.statSync(s.path).mode & 0o777, 0o600);
    s.requests.insert(row({ id: "persisted" }));
    for (const f of ["gateway.db-wal", "gateway.db-shm"]) {
      assert.equal(fs.statSync(path.join(path.resolve(dir), f)).mode & 0o777, 0o600, f);
    }
    assert.equal(fs.statSync(path.resolve(dir)).mode & 0o777, 0o700);
    s.close();

    const raw = new Database(path.join(dir, "gateway.db"));
    assert.deepEqual(migrate(raw), [], "second run applies nothing");
    const versions = raw.prepare("SELECT version FROM schema_migrations").all();
    assert.deepEqual(versions, [{ version: 1 }, { version: 2 }, { version: 3 }, { version: 4 }, { version: 5 }]);
    assert.equal(raw.pragma("journal_mode", { simple: true }), "wal");
    raw.close();

    const again = open(dir);
    assert.equal(again.requests.get("persisted")?.id, "persisted");
  });

  test("a fresh database gets every migration once", () => {
    const raw = new Database(path.join(root, "fresh.db"));
    assert.deepEqual(migrate(raw), [1, 2, 3, 4, 5]);
    assert.deepEqual(migrate(raw), []);
    raw.close();
  });

  test("a db from a newer codex-lanes is refused instead of being written to", () => {
    const dir = freshDir();
    open(dir).close();
    const raw = new Database(path.join(dir, "gateway.db"));
    raw.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', 'x')").run();
    raw.close();
    assert.throws(() => openStore(dir), /schema version 99.*upgrade codex-lanes/);
  });
});

describe("keys", () => {
  test("only a hash is stored: the plaintext key is nowhere in the db files", () => {
    const dir = freshDir();
    const s = open(dir);
    const { key } = s.keys.create("ci");
    assert.match(key, /^cl-[A-Za-z0-9_-]{43}$/);
    const hash = createHash("sha256").update(key).digest();
    // Positive control: the search does find what is stored (the hash and the display prefix).
    let bytes = diskBytes(dir);
    assert.ok(bytes.includes(hash), "hash is stored");
    assert.ok(bytes.includes(Buffer.from(key.slice(0, 8))), "display prefix is stored");
    assert.ok(!bytes.includes(Buffer.from(key)), "key is not stored (open)");
    assert.ok(!bytes.includes(Buffer.from(key.slice(8))), "no long part of the key is stored");
    s.close();
    bytes = diskBytes(dir);
    assert.ok(!bytes.includes(Buffer.from(key)), "key is not stored (closed)");
  });

  test("verify, list, revoke and count", () => {
    const s = open(freshDir());
    const client = s.keys.create("app");
    const admin = s.keys.create("ops", { admin: true });
    assert.deepEqual(s.keys.verify(client.key), { name: "app", admin: false });
    assert.deepEqual(s.keys.verify(admin.key), { name: "ops", admin: true });
    assert.equal(s.keys.verify(client.key.slice(0, -1) + (client.key.endsWith("A") ? "B" : "A")), null);
    assert.equal(s.keys.verify(""), null);
    assert.equal(s.keys.verify("x".repeat(10_000)), null);

    assert.equal(s.keys.countActive(), 2);
    assert.equal(s.keys.countActive({ admin: true }), 1);
    assert.equal(s.keys.countActive({ admin: false }), 1);

    const list = s.keys.list();
    assert.deepEqual(list.map((k) => [k.name, k.admin, k.prefix, k.revokedAt]), [
      ["app", false, client.key.slice(0, 8), null],
      ["ops", true, admin.key.slice(0, 8), null],
    ]);
    assert.ok(!JSON.stringify(list).includes(client.key.slice(8, 20)), "list shows no key material beyond the prefix");
    assert.match(list[0]!.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    assert.equal(s.keys.revoke("app"), true);
    assert.equal(s.keys.revoke("app"), false, "already revoked");
    assert.equal(s.keys.revoke("nobody"), false);
    assert.equal(s.keys.verify(client.key), null, "a revoked key no longer verifies");
    assert.equal(s.keys.countActive(), 1);
    assert.ok(s.keys.list().find((k) => k.name === "app")?.revokedAt);

    // The name is free again once revoked; the old key stays dead.
    const reissued = s.keys.create("app");
    assert.deepEqual(s.keys.verify(reissued.key), { name: "app", admin: false });
    assert.equal(s.keys.verify(client.key), null);
  });

  test("a duplicate active name and a bad name are typed errors", () => {
    const s = open(freshDir());
    s.keys.create("app");
    assert.throws(() => s.keys.create("app", { admin: true }), DuplicateKeyNameError);
    assert.throws(() => s.keys.create("has space"), InvalidKeyNameError);
    assert.throws(() => s.keys.create(""), InvalidKeyNameError);
    assert.equal(s.keys.countActive(), 1);
  });

  test("last used time is written at most once a minute", () => {
    const s = open(freshDir());
    const { key } = s.keys.create("app");
    const t = Date.parse("2025-05-01T12:00:00.000Z");
    const lastUsed = () => s.keys.list()[0]!.lastUsedAt;
    assert.equal(lastUsed(), null);
    s.keys.verify(key, t);
    assert.equal(lastUsed(), new Date(t).toISOString());
    s.keys.verify(key, t + 30_000);
    assert.equal(lastUsed(), new Date(t).toISOString(), "not rewritten within the minute");
    s.keys.verify(key, t + 61_000);
    assert.equal(lastUsed(), new Date(t + 61_000).toISOString());
  });
});

describe("request log", () => {
  test("insert and get round-trip every field", () => {
    const s = open(freshDir());
    const full: NewRequestRow = {
      id: "req_full",
      createdAt: "2025-03-10T08:09:10.123Z",
      keyName: "app",
      model: "gpt-5.5",
      stream: true,
      lane: "plus-b",
      attempts: [
        { lane: "plus-a", outcome: "usage_limit", code: "usage_limit_reached", ms: 120 },
        { lane: "plus-b", outcome: "ok", code: null, ms: 900 },
      ],
      status: "ok",
      httpStatus: 200,
      errorCode: null,
      queueMs: 3,
      latencyMs: 1020.6,
      firstByteMs: 450,
      inputTokens: 1200,
      cachedInputTokens: 1000,
      outputTokens: 300,
      reasoningTokens: 128,
      apiCostUsd: 0.0042,
      requestBody: '{"model":"gpt-5.5"}',
      responseBody: '{"id":"x"}',
      endpoint: "responses",
      toolCalls: 2,
    };
    s.requests.insert(full);
    const got = s.requests.get("req_full");
    const want: RequestRow = { ...full, createdAt: "2025-03-10T08:09:10.123Z", latencyMs: 1021 } as RequestRow;
    assert.deepEqual(got, want);
    const minimal = row({ id: "req_min", lane: null, status: "error", httpStatus: 429, errorCode: "queue_full" });
    s.requests.insert(minimal);
    const m = s.requests.get("req_min")!;
    assert.equal(m.lane, null);
    assert.equal(m.firstByteMs, null);
    assert.equal(m.requestBody, null);
    assert.equal(m.inputTokens, 0);
    assert.equal(m.toolCalls, 0);
    assert.equal(m.endpoint, "chat.completions");
    assert.equal(m.createdAt, new Date(T0).toISOString());
    assert.equal(s.requests.get("nope"), null);
  });

  test("many rows at once: every good row is written as insert() would; bad and duplicate rows come back with their errors", () => {
    const s = open(freshDir());
    s.requests.insert(row({ id: "taken" }));
    const rows = Array.from({ length: 120 }, (_, i) => row({ id: `many_${i}`, inputTokens: i, createdAt: T0 + i }));
    const bad = row({ id: "bad", latencyMs: -1 });
    const dup = row({ id: "taken" });
    // The duplicate sits inside the second batch of rows: the rest of that batch must still land.
    const failed = s.requests.insertMany([...rows.slice(0, 60), dup, bad, ...rows.slice(60)]);
    assert.deepEqual(failed.map((f) => f.row.id).sort(), ["bad", "taken"]);
    assert.ok(failed.find((f) => f.row.id === "taken")!.error instanceof DuplicateRequestIdError);
    assert.ok(failed.find((f) => f.row.id === "bad")!.error instanceof InvalidRequestRowError);
    assert.equal(s.requests.count(), 121);
    const one = row({ id: "single", inputTokens: 77, createdAt: T0 + 500 });
    s.requests.insert(one);
    assert.deepEqual({ ...s.requests.get("many_77")!, id: "x", createdAt: "t" }, { ...s.requests.get("single")!, id: "x", createdAt: "t" });
    assert.deepEqual(s.requests.insertMany([]), []);
  });

  test("bad rows and duplicate ids are typed errors and write nothing", () => {
    const s = open(freshDir());
    s.requests.insert(row({ id: "dup" }));
    assert.throws(() => s.requests.insert(row({ id: "dup" })), DuplicateRequestIdError);
    assert.throws(() => s.requests.insert(row({ latencyMs: -1 })), (e: unknown) => e instanceof InvalidRequestRowError && /latencyMs/.test(e.message));
    assert.throws(() => s.requests.insert(row({ createdAt: "yesterday" })), InvalidRequestRowError);
    assert.throws(() => s.requests.insert(row({ status: "done" as never })), InvalidRequestRowError);
    assert.throws(() => s.requests.insert(row({ apiCostUsd: Number.NaN })), InvalidRequestRowError);
    assert.equal(s.requests.count(), 1);
  });

  test("filters: lane, key, status, model, since/until", () => {
    const s = open(freshDir());
    const rows = [
      row({ id: "a", lane: "plus-a", keyName: "app", model: "gpt-5.5", createdAt: T0 }),
      row({ id: "b", lane: "plus-b", keyName: "ci", model: "gpt-5.5", createdAt: T0 + 1 * MIN }),
      row({ id: "c", lane: "api", keyName: "ci", model: "gpt-4o", status: "error", httpStatus: 502, createdAt: T0 + 2 * MIN }),
      row({ id: "d", lane: null, keyName: "app", model: "gpt-4o", status: "cancelled", httpStatus: 499, createdAt: T0 + 3 * MIN }),
      row({ id: "e", lane: "plus-a", keyName: null, model: "gpt-5.5", createdAt: T0 + 4 * MIN }),
    ];
    rows.forEach((r) => s.requests.insert(r));
    const ids = (f: Parameters<Store["requests"]["list"]>[0]) => s.requests.list(f).rows.map((r) => r.id);
    assert.deepEqual(ids({}), ["e", "d", "c", "b", "a"]);
    assert.deepEqual(ids({ lane: "plus-a" }), ["e", "a"]);
    assert.deepEqual(ids({ key: "ci" }), ["c", "b"]);
    assert.deepEqual(ids({ status: "error" }), ["c"]);
    assert.deepEqual(ids({ status: "cancelled" }), ["d"]);
    assert.deepEqual(ids({ model: "gpt-4o" }), ["d", "c"]);
    assert.deepEqual(ids({ since: T0 + MIN, until: T0 + 3 * MIN }), ["c", "b"], "since inclusive, until exclusive");
    assert.deepEqual(ids({ model: "gpt-5.5", key: "app" }), ["a"]);
    assert.equal(s.requests.count({ model: "gpt-5.5" }), 3);
    assert.equal(s.requests.count({ lane: "api", status: "ok" }), 0);
    assert.equal(s.requests.count(), 5);
    assert.throws(() => s.requests.list({ status: "bad" as never }), InvalidQueryError);
    assert.throws(() => s.requests.list({ since: Number.NaN }), InvalidQueryError);
  });

  test("endpoint: chat.completions unless the row names its route; filterable; checked", () => {
    const s = open(freshDir());
    s.requests.insert(row({ id: "chat" }));
    s.requests.insert(row({ id: "emb", endpoint: "embeddings", lane: "api" }));
    s.requests.insert(row({ id: "tts", endpoint: "audio.speech", lane: "api" }));
    assert.equal(s.requests.get("chat")?.endpoint, "chat.completions");
    assert.equal(s.requests.get("tts")?.endpoint, "audio.speech");
    assert.deepEqual(s.requests.list({ endpoint: "embeddings" }).rows.map((r) => r.id), ["emb"]);
    assert.equal(s.requests.count({ endpoint: "chat.completions" }), 1);
    assert.throws(() => s.requests.insert(row({ endpoint: "../etc" })), (e: unknown) => e instanceof InvalidRequestRowError && /endpoint/.test(e.message));
  });

  test("keyset paging visits every row once, newest first, even with equal timestamps and concurrent inserts", () => {
    // 137 rows over only 20 distinct timestamps, inserted in shuffled order.
    const rows = Array.from({ length: 137 }, (_, i) =>
      row({ id: `r${String((i * 53) % 137).padStart(3, "0")}`, createdAt: T0 + (i % 20) * 1000, lane: i % 3 ? "plus-a" : "api" }),
    );
    const newestFirst = (list: NewRequestRow[]) =>
      list
        .map((r) => ({ id: r.id, at: new Date(r.createdAt).toISOString() }))
        .sort((x, y) => (x.at === y.at ? (x.id < y.id ? 1 : -1) : x.at < y.at ? 1 : -1))
        .map((r) => r.id);

    for (const filter of [{}, { lane: "api" }]) {
      const s = open(freshDir());
      s.transaction(() => rows.forEach((r) => s.requests.insert(r)));
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 100; page++) {
        const res = s.requests.list({ ...filter, limit: 10, before: cursor });
        assert.ok(res.rows.length <= 10);
        seen.push(...res.rows.map((r) => r.id));
        // A request logged while someone pages is newer than the cursor: it must not shift later pages.
        if (page === 2) s.requests.insert(row({ id: "zz-new", createdAt: T0 + 99_000, lane: "api" }));
        if (!res.nextCursor) break;
        cursor = res.nextCursor;
      }
      const want = newestFirst("lane" in filter ? rows.filter((r) => r.lane === "api") : rows);
      assert.deepEqual(seen, want);
    }
  });

  test("page size: default 50, capped at 500; a bad cursor or limit is a typed error", () => {
    const s = open(freshDir());
    s.transaction(() => {
      for (let i = 0; i < 600; i++) s.requests.insert(row({ createdAt: T0 + i }));
    });
    assert.equal(s.requests.list().rows.length, 50);
    const big = s.requests.list({ limit: 10_000 });
    assert.equal(big.rows.length, 500);
    assert.ok(big.nextCursor);
    assert.equal(s.requests.list({ limit: 500, before: big.nextCursor }).rows.length, 100);
    assert.throws(() => s.requests.list({ before: "not-a-cursor" }), InvalidCursorError);
    assert.throws(() => s.requests.list({ before: Buffer.from('["x","y"]').toString("base64url") }), InvalidCursorError);
    assert.throws(() => s.requests.list({ limit: 0 }), InvalidQueryError);
  });

  test("summary matches hand-computed figures (exact percentiles inside one day)", () => {
    const s = open(freshDir());
    const at = (h: number, m = 0) => T0 + h * HOUR + m * MIN;
    // plus-a: latencies 100..1000 (10 requests, 1 error), 10 input / 2 output tokens each, $0.01 each
    for (let i = 1; i <= 10; i++) {
      s.requests.insert(row({ lane: "plus-a", createdAt: at(1, i * 5), latencyMs: i * 100, status: i === 4 ? "error" : "ok", inputTokens: 10, cachedInputTokens: 4, outputTokens: 2, reasoningTokens: 1, apiCostUsd: 0.01 }));
    }
    // api: 3 requests, latencies 50, 70, 3000, one cancelled
    s.requests.insert(row({ lane: "api", createdAt: at(2, 59), latencyMs: 3000, inputTokens: 1000, outputTokens: 500, apiCostUsd: 0.5 }));
    s.requests.insert(row({ lane: "api", createdAt: at(3), latencyMs: 50, status: "cancelled", httpStatus: 499 }));
    s.requests.insert(row({ lane: "api", createdAt: at(5, 30), latencyMs: 70, inputTokens: 7, outputTokens: 3, apiCostUsd: 0.25 }));
    // no lane served: 2 rejected requests
    s.requests.insert(row({ lane: null, createdAt: at(4), latencyMs: 1, status: "error", httpStatus: 429 }));
    s.requests.insert(row({ lane: null, createdAt: at(4, 1), latencyMs: 2, status: "error", httpStatus: 429 }));
    // outside the range: before, and exactly at `until`
    s.requests.insert(row({ lane: "plus-a", createdAt: at(0, 59), latencyMs: 99_999, apiCostUsd: 9 }));
    s.requests.insert(row({ lane: "api", createdAt: at(6), latencyMs: 99_999, apiCostUsd: 9 }));

    const sum = s.requests.summary({ since: at(1), until: at(6) });
    assert.deepEqual(sum.lanes.map((l) => l.lane), ["api", "plus-a", null]);
    const [api, plusA, none] = sum.lanes;
    assert.deepEqual(
      { ...plusA, apiCostUsd: Math.round(plusA!.apiCostUsd * 1e6) / 1e6 },
      { lane: "plus-a", requests: 10, errors: 1, cancelled: 0, p50LatencyMs: 500, p95LatencyMs: 1000, inputTokens: 100, cachedInputTokens: 40, outputTokens: 20, reasoningTokens: 10, apiCostUsd: 0.1 },
    );
    assert.deepEqual(api, { lane: "api", requests: 3, errors: 0, cancelled: 1, p50LatencyMs: 70, p95LatencyMs: 3000, inputTokens: 1007, cachedInputTokens: 0, outputTokens: 503, reasoningTokens: 0, apiCostUsd: 0.75 });
    assert.equal(none!.requests, 2);
    assert.equal(none!.errors, 2);
    assert.equal(none!.p95LatencyMs, 2);
    // totals: 15 requests; latencies sorted 1,2,50,70,100..1000,3000 -> rank 8 is 400, rank 15 is 3000
    assert.equal(sum.total.requests, 15);
    assert.equal(sum.total.errors, 3);
    assert.equal(sum.total.cancelled, 1);
    assert.equal(sum.total.p50LatencyMs, 400);
    assert.equal(sum.total.p95LatencyMs, 3000);
    assert.equal(Math.round(sum.total.apiCostUsd * 1e6) / 1e6, 0.85);

    const empty = s.requests.summary({ since: at(20), until: at(21) });
    assert.deepEqual(empty.lanes, []);
    assert.equal(empty.total.requests, 0);
    assert.equal(empty.total.p50LatencyMs, null);
  });

  test("summary over several days agrees with a brute-force computation (property)", () => {
    const latencyRel = 1 / 32; // histogram bucket width, see latency.ts
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            offset: fc.integer({ min: 0, max: 5 * DAY }),
            lane: fc.constantFrom("plus-a", "api", null),
            latency: fc.oneof(fc.integer({ min: 0, max: 63 }), fc.integer({ min: 64, max: 200_000 })),
            status: fc.constantFrom<"ok" | "error" | "cancelled">("ok", "ok", "error", "cancelled"),
            tokens: fc.integer({ min: 0, max: 10_000 }),
          }),
          { maxLength: 60 },
        ),
        fc.integer({ min: 0, max: 5 * DAY }),
        fc.integer({ min: 1, max: 5 * DAY }),
        (items, a, len) => {
          const s = openStore(freshDir());
          try {
            s.transaction(() =>
              items.forEach((it) => s.requests.insert(row({ createdAt: T0 + it.offset, lane: it.lane, latencyMs: it.latency, status: it.status, inputTokens: it.tokens, outputTokens: 1 }))),
            );
            const since = T0 + a;
            const until = since + len;
            const inRange = items.filter((it) => T0 + it.offset >= since && T0 + it.offset < until);
            const sum = s.requests.summary({ since, until });
            assert.equal(sum.total.requests, inRange.length);
            assert.equal(sum.total.errors, inRange.filter((it) => it.status === "error").length);
            assert.equal(sum.total.inputTokens, inRange.reduce((n, it) => n + it.tokens, 0));
            for (const l of sum.lanes) {
              const mine = inRange.filter((it) => it.lane === l.lane);
              assert.equal(l.requests, mine.length);
              const sorted = mine.map((it) => it.latency).sort((x, y) => x - y);
              const exact = sorted[Math.ceil(0.95 * sorted.length) - 1]!;
              // Exact or within the histogram's bucket width of the exact nearest-rank value.
              assert.ok(Math.abs(l.p95LatencyMs! - exact) <= Math.max(0, exact * latencyRel), `p95 ${l.p95LatencyMs} vs exact ${exact}`);
            }
            for (const bucketMs of [6 * HOUR, 25 * MIN]) {
              const want = new Map<string, [number, number]>();
              for (const it of inRange) {
                const k = `${Math.floor((T0 + it.offset) / bucketMs) * bucketMs}|${it.lane}`;
                const [n, e] = want.get(k) ?? [0, 0];
                want.set(k, [n + 1, e + (it.status === "error" ? 1 : 0)]);
              }
              const got = new Map(s.requests.timeline({ since, until, bucketMs }).map((p) => [`${p.bucketStart}|${p.lane}`, [p.requests, p.errors]]));
              assert.deepEqual(got, want, `bucketMs ${bucketMs}`);
            }
          } finally {
            s.close();
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  test("long ranges read the latency histogram: values within 1/32 of exact, small ones exact", () => {
    assert.equal(latencyBucket(63), 63);
    assert.equal(bucketValue(latencyBucket(63)), 63);
    for (const v of [64, 100, 1000, 12_345, 299_999, 3_600_000]) {
      const approx = bucketValue(latencyBucket(v));
      assert.ok(Math.abs(approx - v) / v <= 1 / 32, `${v} -> ${approx}`);
    }
    const s = open(freshDir());
    // Three whole days: the summary must come from the rollups; 20 latencies per day.
    s.transaction(() => {
      for (let d = 0; d < 3; d++) for (let i = 1; i <= 20; i++) s.requests.insert(row({ createdAt: T0 + d * DAY + i * HOUR, latencyMs: i * 1000 }));
    });
    const sum = s.requests.summary({ since: T0, until: T0 + 3 * DAY });
    assert.equal(sum.total.requests, 60);
    // exact p50 = 10000 (rank 30 of 60), p95 = 19000 (rank 57)
    assert.ok(Math.abs(sum.total.p50LatencyMs! - 10_000) <= 10_000 / 32);
    assert.ok(Math.abs(sum.total.p95LatencyMs! - 19_000) <= 19_000 / 32);
  });

  test("timeline buckets match hand-computed counts (hourly rollups and raw sub-hour buckets)", () => {
    const s = open(freshDir());
    const ins = (h: number, m: number, lane: string | null, status: "ok" | "error" = "ok") =>
      s.requests.insert(row({ createdAt: T0 + h * HOUR + m * MIN, lane, status }));
    ins(0, 10, "plus-a");
    ins(0, 50, "plus-a", "error");
    ins(1, 5, "api");
    ins(2, 0, "plus-a");
    ins(2, 59, null, "error");
    ins(5, 0, "plus-a");

    assert.deepEqual(s.requests.timeline({ since: T0, until: T0 + 6 * HOUR, bucketMs: 2 * HOUR }), [
      { bucketStart: T0, lane: "api", requests: 1, errors: 0 },
      { bucketStart: T0, lane: "plus-a", requests: 2, errors: 1 },
      { bucketStart: T0 + 2 * HOUR, lane: "plus-a", requests: 1, errors: 0 },
      { bucketStart: T0 + 2 * HOUR, lane: null, requests: 1, errors: 1 },
      { bucketStart: T0 + 4 * HOUR, lane: "plus-a", requests: 1, errors: 0 },
    ]);
    // Unaligned range: the 00:10 row is before `since`, 05:00 is at `until` (exclusive).
    assert.deepEqual(s.requests.timeline({ since: T0 + 30 * MIN, until: T0 + 5 * HOUR, bucketMs: DAY }), [
      { bucketStart: T0, lane: "api", requests: 1, errors: 0 },
      { bucketStart: T0, lane: "plus-a", requests: 2, errors: 1 },
      { bucketStart: T0, lane: null, requests: 1, errors: 1 },
    ]);
    assert.deepEqual(s.requests.timeline({ since: T0, until: T0 + HOUR, bucketMs: 15 * MIN }), [
      { bucketStart: T0, lane: "plus-a", requests: 1, errors: 0 },
      { bucketStart: T0 + 45 * MIN, lane: "plus-a", requests: 1, errors: 1 },
    ]);
    assert.throws(() => s.requests.timeline({ since: T0, until: T0 + 30 * DAY, bucketMs: 1000 }), InvalidQueryError);
    assert.throws(() => s.requests.timeline({ since: T0, until: T0 + DAY, bucketMs: 0 }), InvalidQueryError);
  });

  test("monthSpend sums one lane's cost over the UTC calendar month", () => {
    const s = open(freshDir());
    const at = (iso: string, lane: string, usd: number) => s.requests.insert(row({ createdAt: iso, lane, apiCostUsd: usd }));
    at("2025-01-31T23:59:59.999Z", "api", 1);
    at("2025-02-01T00:00:00.000Z", "api", 2);
    at("2025-02-14T12:00:00.000Z", "api", 0.5);
    at("2025-02-28T23:59:59.999Z", "api", 0.25);
    at("2025-02-10T00:00:00.000Z", "plus-a", 100);
    at("2025-03-01T00:00:00.000Z", "api", 4);
    assert.equal(s.requests.monthSpend("api", Date.parse("2025-02-20T08:00:00Z")), 2.75);
    assert.equal(s.requests.monthSpend("api", Date.parse("2025-01-01T00:00:00Z")), 1);
    assert.equal(s.requests.monthSpend("api", Date.parse("2025-04-01T00:00:00Z")), 0);
    assert.equal(s.requests.monthSpend("nobody", Date.parse("2025-02-20T08:00:00Z")), 0);
  });

  test("prune deletes old rows and the summaries forget them", () => {
    const s = open(freshDir());
    const now = T0 + 100 * DAY;
    s.transaction(() => {
      for (let d = 0; d < 100; d++) s.requests.insert(row({ id: `day-${d}`, createdAt: T0 + d * DAY + 5 * HOUR, apiCostUsd: 1 }));
    });
    const deleted = s.requests.prune(30 * DAY, now);
    assert.equal(deleted, 70, "days 0..69 are older than 30 days before day 100");
    assert.equal(s.requests.count(), 30);
    assert.equal(s.requests.get("day-69"), null);
    assert.ok(s.requests.get("day-70"));
    const sum = s.requests.summary({ since: 0, until: now });
    assert.equal(sum.total.requests, 30);
    assert.equal(sum.total.apiCostUsd, 30);
    assert.equal(s.requests.prune(30 * DAY, now), 0);
  });
});

describe("lane state", () => {
  test("records and rate limits survive close and reopen", () => {
    const dir = freshDir();
    const s = open(dir);
    assert.deepEqual(s.lanes.get("plus-a"), { record: null, rateLimits: null });
    const rec: LaneRecord = { name: "plus-a", state: "cooling", until: T0 + HOUR, reason: "usage limit reached", code: "usage_limit_reached", failures: 0, probe: false, updatedAt: T0 };
    const snap: RateLimitSnapshot = { primary: { usedPercent: 100, windowMinutes: 300, resetsAt: T0 + HOUR }, secondary: null, planType: "plus", observedAt: T0 };
    s.lanes.saveRecord(rec);
    s.lanes.saveRateLimits("plus-a", snap);
    s.lanes.saveRateLimits("api", { ...snap, planType: null });
    s.close();

    const again = open(dir);
    assert.deepEqual(again.lanes.get("plus-a"), { record: rec, rateLimits: snap });
    const all = again.lanes.all();
    assert.deepEqual(all.map((r) => [r.lane, r.record?.state ?? null, r.rateLimits?.planType ?? null]), [
      ["api", null, null],
      ["plus-a", "cooling", "plus"],
    ]);
    assert.ok(all.every((r) => typeof r.updatedAt === "number"));
    // Saving one part keeps the other.
    again.lanes.saveRecord({ ...rec, state: "ready", until: null });
    assert.deepEqual(again.lanes.get("plus-a").rateLimits, snap);
    assert.equal(again.lanes.delete("api"), true);
    assert.equal(again.lanes.delete("api"), false);
  });
});

describe("secrets", () => {
  const key = Buffer.alloc(32, 7);
  const otherKey = Buffer.alloc(32, 9);
  const plaintext = "sk-proj-THIS-IS-THE-PLAINTEXT-1234567890";

  test("stored encrypted: the plaintext is not in the db files, and it decrypts with the right key", () => {
    const dir = freshDir();
    const s = open(dir);
    s.secrets.set("api", plaintext, key);
    assert.equal(s.secrets.get("api", key), plaintext);
    assert.ok(!diskBytes(dir).includes(Buffer.from(plaintext)));
    assert.ok(!diskBytes(dir).includes(Buffer.from(plaintext.slice(0, 16))));
    s.close();
    assert.ok(!diskBytes(dir).includes(Buffer.from(plaintext)));
    const again = open(dir);
    assert.equal(again.secrets.get("api", key), plaintext);
    assert.deepEqual(again.secrets.list(), ["api"]);
    assert.equal(again.secrets.get("other", key), null);
  });

  test("a wrong master key is a SecretDecryptError that says so, with no key material", () => {
    const s = open(freshDir());
    s.secrets.set("api", plaintext, key);
    assert.throws(
      () => s.secrets.get("api", otherKey),
      (e: unknown) => {
        assert.ok(e instanceof SecretDecryptError);
        assert.equal(e.reason, "wrong-key");
        assert.match(e.message, /master key .*does not match the one used to store it/);
        for (const k of [key, otherKey]) {
          assert.ok(!e.message.includes(k.toString("hex")) && !e.message.includes(k.toString("base64")));
        }
        assert.ok(!e.message.includes(plaintext));
        return true;
      },
    );
    assert.throws(() => s.secrets.set("api", plaintext, Buffer.alloc(16)), InvalidMasterKeyError);
    assert.throws(() => s.secrets.get("api", Buffer.alloc(31)), InvalidMasterKeyError);
  });

  test("tampered ciphertext, tag, or a row moved to another lane is rejected", () => {
    const dir = freshDir();
    const s = open(dir);
    s.secrets.set("api", plaintext, key);
    s.secrets.set("api2", "another secret", key);
    const raw = new Database(path.join(dir, "gateway.db"));
    after(() => raw.close());
    const flip = (col: "ciphertext" | "tag" | "iv") => {
      const b = (raw.prepare(`SELECT ${col} AS value FROM secrets WHERE lane = 'api'`).get() as { value: Buffer }).value;
      b[0]! ^= 1;
      raw.prepare(`UPDATE secrets SET ${col} = ? WHERE lane = 'api'`).run(b);
      return () => {
        b[0]! ^= 1;
        raw.prepare(`UPDATE secrets SET ${col} = ? WHERE lane = 'api'`).run(b);
      };
    };
    for (const col of ["ciphertext", "tag", "iv"] as const) {
      const undo = flip(col);
      assert.throws(() => s.secrets.get("api", key), (e: unknown) => e instanceof SecretDecryptError && e.reason === "tampered", col);
      undo();
      assert.equal(s.secrets.get("api", key), plaintext);
    }
    // Copy api's row over api2: the lane name is authenticated data, so it must not decrypt there.
    raw.prepare(`UPDATE secrets SET (iv, tag, ciphertext) = (SELECT iv, tag, ciphertext FROM secrets WHERE lane = 'api') WHERE lane = 'api2'`).run();
    assert.throws(() => s.secrets.get("api2", key), SecretDecryptError);
  });

  test("each write uses a fresh IV; delete and list", () => {
    const dir = freshDir();
    const s = open(dir);
    const raw = new Database(path.join(dir, "gateway.db"), { readonly: true });
    after(() => raw.close());
    const iv = () => (raw.prepare(`SELECT iv FROM secrets WHERE lane = 'api'`).get() as { iv: Buffer }).iv.toString("hex");
    s.secrets.set("api", plaintext, key);
    const first = iv();
    s.secrets.set("api", plaintext, key);
    assert.notEqual(iv(), first);
    assert.equal(Buffer.from(first, "hex").length, 12);
    s.secrets.set("b-lane", "x", key);
    assert.deepEqual(s.secrets.list(), ["api", "b-lane"]);
    assert.equal(s.secrets.delete("api"), true);
    assert.equal(s.secrets.delete("api"), false);
    assert.deepEqual(s.secrets.list(), ["b-lane"]);
  });
});

describe("backup", () => {
  test("produces a consistent, readable copy while another connection keeps writing", async () => {
    const dir = freshDir();
    const s = open(dir);
    s.transaction(() => {
      for (let i = 0; i < 5_000; i++) s.requests.insert(row({ id: `pre-${i}`, requestBody: "x".repeat(500) }));
    });
    s.keys.create("app");
    const writer = openStore(dir); // a second connection, like the CLI while the gateway runs
    after(() => writer.close());
    let written = 0;
    let done = false;
    const writes = (async () => {
      while (!done && written < 20_000) {
        writer.requests.insert(row({ id: `during-${written++}` }));
        await new Promise((r) => setImmediate(r));
      }
    })();
    const file = path.join(root, "backups", `b${dirs}.db`);
    await s.backup(file);
    done = true;
    await writes;
    assert.ok(written > 0, "the writer ran during the backup");

    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    const copy = new Database(file, { readonly: true });
    after(() => copy.close());
    assert.equal(copy.pragma("integrity_check", { simple: true }), "ok");
    const n = (copy.prepare(`SELECT count(*) AS count FROM requests`).get() as { count: number }).count;
    assert.ok(n >= 5_000 && n <= 5_000 + written, `copy has ${n} rows`);
    // The copy's rollups agree with its own rows: the snapshot is transactionally consistent.
    const rolled = (copy.prepare(`SELECT sum(requests) AS count FROM request_hourly`).get() as { count: number }).count;
    assert.equal(rolled, n);
    assert.equal((copy.prepare(`SELECT count(*) AS count FROM api_keys`).get() as { count: number }).count, 1);
  });
});
