// Fills a request log with 1,000,000 rows (90 days up to now, 5 lanes), starts a real gateway on
// it and times what an operator waits for: the dashboard's first page (signed in, real HTTP), the
// live refresh, a filtered page, and `codex-lanes stats` (in-process, and as a fresh process).
// Run: node --import tsx scripts/bench-dashboard.ts [rows]. The data goes to a temp dir, removed
// afterwards. Target: under 200 ms for the first page and for stats.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable, Readable } from "node:stream";
import { savingsLedger } from "../gateway/calc";
import { statsCommand } from "../gateway/cli/stats";
import type { Config, LaneConfig } from "../gateway/config/types";
import { silentLogger } from "../gateway/log";
import { buildOverview } from "../gateway/metrics";
import { startServer } from "../gateway/server";
import { openStore } from "../gateway/store";
import { syntheticRow } from "./lib/synthetic-rows";
import type { LaneAdapter } from "../gateway/chat/lane-adapter";
import { codexLane, openaiLane, testConfig } from "../test/helpers/gateway";

const ROWS = Number(process.argv[2] ?? 1_000_000);
const DAYS = 90;
const DAY = 86_400_000;
const RUNS = 15;

function row(i: number, end: number) {
  return syntheticRow(i, end, ROWS, DAYS);
}

function idleAdapter(lane: LaneConfig): LaneAdapter {
  return {
    name: lane.name,
    kind: lane.type,
    async *turn() {
      yield { type: "error", class: "transient", code: "bench", message: "bench lane" };
    },
    models: async () => ["gpt-5.5"],
    status: async () => ({ signedIn: true, email: `${lane.name}@example.test`, plan: "plus", engine: "bench", cliVersion: null, rateLimits: null, authUpdatedAt: null, error: null }),
    close: async () => {},
  };
}

async function time(label: string, fn: () => unknown, runs = RUNS): Promise<void> {
  await fn(); // warm-up: prepared statements, JIT
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  const med = ms[Math.floor(runs / 2)]!;
  console.log(`${label.padEnd(52)} median ${med.toFixed(1).padStart(7)} ms   p90 ${ms[Math.floor(runs * 0.9)]!.toFixed(1).padStart(7)} ms   max ${ms[runs - 1]!.toFixed(1).padStart(7)} ms`);
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "codex-lanes-bench-dash-"));
  const dataDir = path.join(dir, "data");
  try {
    const end = Date.now();
    const store = openStore(dataDir);
    console.log(`filling ${ROWS.toLocaleString("en")} rows over ${DAYS} days into ${dataDir}`);
    const t = performance.now();
    for (let i = 0; i < ROWS; i += 10_000) {
      store.transaction(() => {
        for (let j = i; j < Math.min(ROWS, i + 10_000); j++) store.requests.insert(row(j, end));
      });
    }
    const adminKey = store.keys.create("bench-admin", { admin: true }).key;
    store.keys.create("default");
    store.close();
    console.log(`fill: ${((performance.now() - t) / 1000).toFixed(1)} s`);

    const lanes: LaneConfig[] = [
      ...["plus-a", "plus-b", "pro"].map((name) => codexLane(name, { concurrency: 2, planPriceUsd: name === "pro" ? 200 : 20 })),
      openaiLane("api", "http://127.0.0.1:9/v1", "sk-bench-0123456789", { concurrency: 8 }),
    ];
    // Retention long enough that the start-up prune keeps every row.
    const config: Config = testConfig(dataDir, lanes, { source: "bench", log: { bodies: false, retentionDays: 365 } });
    const server = await startServer(config, { log: silentLogger, out: { write: () => true }, makeAdapter: (lane) => idleAdapter(lane) });
    try {
      const form = await fetch(`${server.url}/dashboard`);
      const signin = form.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
      const csrf = /name="csrf" value="([^"]+)"/.exec(await form.text())![1]!;
      const res = await fetch(`${server.url}/dashboard/signin`, {
        method: "POST",
        redirect: "manual",
        headers: { cookie: signin, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ key: adminKey, csrf }),
      });
      const cookie = res.headers.getSetCookie().find((c) => c.startsWith("cl_session="))!.split(";")[0]!;
      const get = async (p: string) => {
        const r = await fetch(server.url + p, { headers: { cookie } });
        if (r.status !== 200) throw new Error(`${p}: HTTP ${r.status}`);
        return r.text();
      };
      const page = await get("/dashboard");
      console.log(`dashboard page: ${(page.length / 1024).toFixed(0)} KiB, ${(page.match(/<details data-id=/g) ?? []).length} log rows`);
      await time("GET /dashboard (first page, signed in)", () => get("/dashboard"));
      await time("GET /dashboard/live (the 5 s refresh)", () => get("/dashboard/live"));
      await time("GET /dashboard?lane=api&status=error&model=gpt-5.4", () => get("/dashboard?lane=api&status=error&model=gpt-5.4"));
      await time("GET /dashboard, 3rd page via cursor", async () => {
        let href = "/dashboard";
        for (let i = 0; i < 2; i++) href = /<a href="([^"]+)" rel="next">/.exec(await get(href))![1]!.replace(/&amp;/g, "&");
        return get(href);
      }, 5);
      await time("GET /metrics", () => fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${adminKey}` } }).then((r) => r.text()));
    } finally {
      await server.close();
    }

    // Where a page's time goes: the store reads behind the overview.
    const reader = openStore(dataDir);
    try {
      const now = Date.now();
      await time("  of which: summary, last 24 h", () => reader.requests.summary({ since: now - DAY, until: now }));
      await time("  of which: summary, last 7 d", () => reader.requests.summary({ since: now - 7 * DAY, until: now }));
      await time("  of which: timeline 24 h, 1-hour buckets", () => reader.requests.timeline({ since: now - DAY, until: now, bucketMs: DAY / 24 }));
      await time("  of which: timeline 7 d, 6-hour buckets", () => reader.requests.timeline({ since: now - 7 * DAY, until: now, bucketMs: DAY / 4 }));
      await time("  of which: savings ledger (monthSpend per lane)", () => savingsLedger(config, reader.requests, now));
      await time("  of which: request log, first page (50)", () => reader.requests.list({ limit: 50 }));
      await time("  whole overview (buildOverview)", () => buildOverview({ config, requests: reader.requests, lanes: [], now }));
    } finally {
      reader.close();
    }

    const sink = new Writable({ write: (_c, _e, cb) => cb() });
    const io = { out: sink, err: sink, stdin: Readable.from([]), env: {}, cwd: dir, signal: new AbortController().signal };
    await time("stats (in-process: open store, summary, render)", () => statsCommand(config, {}, io));
    await time("stats --json (in-process)", () => statsCommand(config, { json: true }, io));
    fs.writeFileSync(path.join(dir, "codex-lanes.json"), JSON.stringify({ dataDir: "./data", lanes: [{ name: "plus-a", type: "codex" }, { name: "plus-b", type: "codex" }, { name: "pro", type: "codex" }, { name: "api", type: "openai" }] }));
    const bin = path.join(__dirname, "..", "gateway", "bin", "codex-lanes.cjs");
    await time("codex-lanes stats (a new process, incl. Node start-up)", () => execFileSync(process.execPath, [bin, "stats"], { cwd: dir, env: { PATH: process.env.PATH, HOME: dir } }), 5);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
