// Issue 14 item 4: what a durable request-log row costs in the store alone, by way of writing it.
// Each way commits one row per transaction (as the gateway does at concurrency 1) into its own
// WAL database in a temp dir, in interleaved rounds; moving the inbox is timed apart, in batches of
// the row writer's size. Prints CPU ms per row (this process's user + system time).
//
//   node --import tsx scripts/bench/row-inbox.ts [--rows 2000] [--rounds 5] [--batch 128]

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openStore, type NewRequestRow, type Store } from "../../gateway/store";
import { loadLine, machineLine, median, table, intFlags } from "./lib/stats";

const flags = intFlags({ rows: 2000, rounds: 5, batch: 128 });

let seq = 0;
const row = (): NewRequestRow => ({
  id: `chatcmpl-${(++seq).toString(36).padStart(8, "0")}${Math.random().toString(36).slice(2, 10)}`,
  createdAt: Date.now(),
  keyName: "bench",
  model: "gpt-4o-mini",
  stream: seq % 2 === 0,
  lane: "api",
  attempts: [{ lane: "api", outcome: "ok", code: null, ms: 1 }],
  status: "ok",
  httpStatus: 200,
  queueMs: 0,
  latencyMs: 2,
  firstByteMs: 1,
  inputTokens: 20,
  outputTokens: 9,
  apiCostUsd: 0.0000084,
  endpoint: "chat.completions",
});

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

interface Way {
  label: string;
  store: Store;
  write: (rows: NewRequestRow[]) => void;
  cpu: number[];
}

function way(dir: string, label: string, write: (s: Store, rows: NewRequestRow[]) => void): Way {
  const store = openStore(path.join(dir, label.replace(/\W+/g, "-")));
  store.transaction(() => store.requests.insertMany(Array.from({ length: 1000 }, row))); // a log that is not empty
  return { label, store, write: (rows) => write(store, rows), cpu: [] };
}

function main(): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "codex-lanes-row-inbox-"));
  console.log(`# One durable request-log row, by way of writing it\n\n${machineLine()}\n${loadLine("at start")}\nFlags: ${JSON.stringify(flags)}\n`);
  const direct = way(dir, "indexed row (requests)", (s, rows) => s.transaction(() => s.requests.insertMany(rows)));
  const inbox = way(dir, "inbox row", (s, rows) => s.transaction(() => s.requests.enqueue(rows)));
  const move: number[] = [];
  try {
    for (let r = 0; r < flags.rounds; r++) {
      for (const w of r % 2 === 0 ? [direct, inbox] : [inbox, direct]) {
        w.store.requests.moveInbox();
        let c = 0;
        let mc = 0;
        for (let i = 0; i < flags.rows; i++) {
          const c0 = cpu();
          w.write([row()]);
          c += cpu() - c0;
          if (w === inbox && (i + 1) % flags.batch === 0) {
            const m0 = cpu();
            w.store.requests.moveInbox();
            mc += cpu() - m0;
          }
        }
        w.cpu.push(c / flags.rows);
        if (w === inbox) move.push(mc / (Math.floor(flags.rows / flags.batch) * flags.batch));
      }
    }
    const fmt = (v: number[]) => median(v).toFixed(3);
    const rows = [direct, inbox].map((w) => [w.label, fmt(w.cpu)]);
    rows.push([`moving the inbox into requests, per row, ${flags.batch} at a time`, fmt(move)]);
    rows.push(["inbox row + its share of the move", (median(inbox.cpu) + median(move)).toFixed(3)]);
    console.log(table(["way (one row per transaction)", "CPU ms per row (median of rounds)"], rows));
    console.log(`\n${loadLine("at end")}`);
  } finally {
    direct.store.close();
    inbox.store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main();
