// A process that commits request-log rows to the store's inbox and is then killed (test/request-inbox.test.ts):
// opens the store in GATEWAY_DATA_DIR, enqueues INBOX_ROWS rows in one transaction, as the gateway's
// row writer does before a response's last byte, and says "queued" over IPC. It never moves them.

import { openStore, type NewRequestRow } from "../../gateway/store";

const store = openStore(process.env.GATEWAY_DATA_DIR!);
const n = Number(process.env.INBOX_ROWS);
const rows: NewRequestRow[] = Array.from({ length: n }, (_, i) => ({
  id: `crash-${i}`,
  createdAt: Date.parse("2026-12-08T10:00:00Z") + i,
  keyName: "app",
  model: "gpt-5.5",
  stream: i % 2 === 1,
  lane: "api",
  attempts: [{ lane: "api", outcome: "ok", code: null, ms: 10 }],
  status: "ok",
  httpStatus: 200,
  queueMs: 0,
  latencyMs: 10 + i,
  apiCostUsd: 0.25,
}));
const failed = store.transaction(() => store.requests.enqueue(rows));
process.send!({ queued: n - failed.length });
setInterval(() => {}, 60_000); // wait for the kill
