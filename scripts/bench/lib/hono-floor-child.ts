// The Hono floor: the Node floor's proxy (floor-proxy-child.ts), served by Hono on @hono/node-server,
// the stack the gateway is built on. With BENCH_ROW=1 it also inserts one request-log-sized row per
// request into a SQLite file (WAL, as the gateway opens its own). With BENCH_ROW=gateway it writes
// the gateway's own row instead: the gateway's store (its schema, indexes and rollup triggers) and
// its RowWriter, committed before the answer goes out, as the gateway does. The gap between these
// paths and codex-lanes is the gateway's own logic: auth, validation, lanes, the log line.
// Sends {url} over IPC; stops on SIGTERM.

import { mkdtempSync, rmSync } from "node:fs";
import * as http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { serve } from "@hono/node-server";
import Database from "better-sqlite3";
import { Hono } from "hono";
import { RowWriter } from "../../../gateway/dispatch/row-writer";
import { silentLogger } from "../../../gateway/log";
import { openStore } from "../../../gateway/store";

const ROW = "x".repeat(400);

function openRows(dir: string): (id: string) => void {
  const db = new Database(path.join(dir, "rows.db"));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.exec("CREATE TABLE rows (id TEXT PRIMARY KEY, ts INTEGER NOT NULL, body TEXT NOT NULL)");
  const insert = db.prepare("INSERT INTO rows (id, ts, body) VALUES (?, ?, ?)");
  return (id) => void insert.run(id, Date.now(), ROW);
}

/** The gateway's own request-log row for a served chat completion, through its store and RowWriter. */
function gatewayRows(dir: string): (id: string, receivedAt: number) => Promise<void> {
  const writer = new RowWriter({ store: openStore(dir), log: silentLogger, random: Math.random });
  return (id, receivedAt) =>
    writer.write({
      id,
      createdAt: receivedAt,
      keyName: "bench",
      model: "gpt-4o-mini",
      stream: false,
      endpoint: "chat.completions",
      lane: "api",
      attempts: [{ lane: "api", outcome: "ok", code: null, ms: Date.now() - receivedAt }],
      status: "ok",
      httpStatus: 200,
      queueMs: 0,
      latencyMs: Date.now() - receivedAt,
      firstByteMs: Date.now() - receivedAt,
      inputTokens: 12,
      outputTokens: 9,
      apiCostUsd: 0.0000072,
      toolCalls: 0,
    });
}

async function main(): Promise<void> {
  const base = process.env.BENCH_UPSTREAM;
  const dir = mkdtempSync(path.join(tmpdir(), "hono-floor-"));
  const row = process.env.BENCH_ROW === "1" ? openRows(dir) : null;
  const gatewayRow = process.env.BENCH_ROW === "gateway" ? gatewayRows(dir) : null;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  let n = 0;
  const app = new Hono();
  app.post("/v1/*", async (c) => {
    const receivedAt = Date.now();
    const body = Buffer.from(await c.req.arrayBuffer());
    const up = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.request(`${base}${c.req.path.replace(/^\/v1/, "")}`, {
        method: "POST",
        agent,
        headers: { authorization: "Bearer sk-bench-floor-0123456789", "content-type": "application/json", "content-length": String(body.length) },
      }, resolve);
      req.on("error", reject);
      req.end(body);
    });
    row?.(`r${n++}`);
    const type = String(up.headers["content-type"] ?? "application/json");
    const init = { status: up.statusCode ?? 502, headers: { "content-type": type } };
    // Streams pass through as they come; a JSON answer is read whole first, as the gateway does.
    if (type.startsWith("text/event-stream")) {
      if (!gatewayRow) return new Response(Readable.toWeb(up) as ReadableStream, init);
      // The row is committed before the stream's last byte, as the gateway's is.
      const id = `r${n++}`;
      const body = Readable.toWeb(up) as ReadableStream<Uint8Array>;
      const reader = body.getReader();
      const out = new ReadableStream<Uint8Array>({
        async pull(ctl) {
          const r = await reader.read();
          if (r.done) {
            await gatewayRow(id, receivedAt);
            ctl.close();
          } else ctl.enqueue(r.value);
        },
      });
      return new Response(out, init);
    }
    const chunks: Buffer[] = [];
    for await (const chunk of up) chunks.push(chunk as Buffer);
    await gatewayRow?.(`r${n++}`, receivedAt);
    return new Response(Buffer.concat(chunks), init);
  });
  const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => process.send!({ url: `http://127.0.0.1:${info.port}` }));
  process.once("SIGTERM", () => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
}

void main();
