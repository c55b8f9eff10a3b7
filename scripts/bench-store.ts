// Fills a request log with 1,000,000 rows (90 days, 5 lanes) and times the queries the dashboard,
// the logs page and the dispatcher make. Run: node --import tsx scripts/bench-store.ts [rows]
// The database goes to a temp dir that is removed afterwards.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openStore } from "../gateway/store";
import { syntheticRow } from "./lib/synthetic-rows";

const ROWS = Number(process.argv[2] ?? 1_000_000);
const DAYS = 90;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function time<T>(label: string, fn: () => T, runs = 5): T {
  let result!: T;
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    result = fn();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  console.log(`${label.padEnd(58)} median ${ms[Math.floor(runs / 2)]!.toFixed(1).padStart(7)} ms   max ${ms[runs - 1]!.toFixed(1).padStart(7)} ms`);
  return result;
}

function row(i: number, end: number) {
  return syntheticRow(i, end, ROWS, DAYS);
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "codex-lanes-bench-"));
  try {
    const store = openStore(dir);
    const end = Date.parse("2025-06-30T18:27:13.000Z");
    console.log(`filling ${ROWS.toLocaleString("en")} rows over ${DAYS} days into ${dir}`);
    let t = performance.now();
    const BATCH = 10_000;
    // The API inserts one row per call, as the gateway does; batching transactions only speeds the fill.
    for (let i = 0; i < ROWS; i += BATCH) {
      store.transaction(() => {
        for (let j = i; j < Math.min(ROWS, i + BATCH); j++) store.requests.insert(row(j, end));
      });
    }
    console.log(`fill: ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const size = fs.statSync(path.join(dir, "gateway.db")).size + fs.statSync(path.join(dir, "gateway.db-wal")).size;
    console.log(`db size: ${(size / 1e6).toFixed(0)} MB`);

    t = performance.now();
    for (let i = 0; i < 1000; i++) store.requests.insert({ ...row(ROWS + i, end), createdAt: end + i });
    console.log(`single-row insert (autocommit, WAL, synchronous=NORMAL): ${((performance.now() - t) / 1000).toFixed(3)} ms each`);

    const q = (label: string, since: number, until = end + DAY) => {
      time(`summary ${label}`, () => store.requests.summary({ since, until }));
    };
    q("last 24h (unaligned)", end - DAY);
    q("last 7 days (unaligned)", end - 7 * DAY);
    q("all 90 days (unaligned)", end - 91 * DAY);
    q("all 90 days, hour-aligned edges", Date.parse("2025-04-01T00:00:00Z"), Date.parse("2025-07-01T00:00:00Z"));
    time("timeline 90 days, 1-day buckets", () => store.requests.timeline({ since: end - 91 * DAY, until: end + DAY, bucketMs: DAY }));
    time("timeline 24h, 5-min buckets (raw rows)", () => store.requests.timeline({ since: end - DAY, until: end, bucketMs: 300_000 }));
    time("timeline 7 days, 1-hour buckets", () => store.requests.timeline({ since: end - 7 * DAY, until: end, bucketMs: HOUR }));
    time("monthSpend(api)", () => store.requests.monthSpend("api", end));
    const first = time("list first page (50)", () => store.requests.list({}));
    time("list page 2 via cursor", () => store.requests.list({ before: first.nextCursor! }));
    time("list lane=api status=error (50)", () => store.requests.list({ lane: "api", status: "error" }));
    time("list key=key-3 model=gpt-5.4 (50)", () => store.requests.list({ key: "key-3", model: "gpt-5.4" }));
    time("list since 30 days ago, 500 rows", () => store.requests.list({ since: end - 30 * DAY, limit: 500 }));
    time("count status=error (all time)", () => store.requests.count({ status: "error" }));
    time("count last 24h", () => store.requests.count({ since: end - DAY }));
    time("get by id", () => store.requests.get("req_00000abc"));
    const k = store.keys.create("bench");
    time("keys.verify", () => store.keys.verify(k.key), 1000);

    // Exactness of the histogram percentiles on the full range, against a raw sort.
    const s = store.requests.summary({ since: end - 91 * DAY, until: end + DAY });
    const { default: Database } = await import("better-sqlite3");
    const exact = new Database(path.join(dir, "gateway.db"), { readonly: true });
    const lat = (exact.prepare(`SELECT latency_ms FROM requests ORDER BY latency_ms`).pluck().all() as number[]);
    exact.close();
    const nr = (p: number) => lat[Math.ceil((p / 100) * lat.length) - 1]!;
    console.log(`total p50 ${s.total.p50LatencyMs} ms (exact ${nr(50)}), p95 ${s.total.p95LatencyMs} ms (exact ${nr(95)})`);

    t = performance.now();
    const pruned = store.requests.prune(60 * DAY, end);
    console.log(`prune older than 60 days: ${pruned.toLocaleString("en")} rows in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    store.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
