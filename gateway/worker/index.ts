// `codex-lanes worker`: serves one ChatGPT account (one CODEX_HOME, one engine) to the gateway.

import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { serve } from "@hono/node-server";
import { LocalCodexLane } from "../codex/local-lane";
import type { Engine } from "../config/types";
import { createWorkerApp } from "./app";

export interface WorkerIO {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

const USAGE = `usage: codex-lanes worker [--name NAME] [--home DIR] [--host HOST] [--port PORT] [--engine app-server|exec] [--turn-timeout-ms MS] [--tool-hold-ms MS] [--keep-thread-ms MS] [-c key=value ...]
The bearer token is read from CODEX_LANES_WORKER_TOKEN (never from the command line).`;

export class WorkerUsageError extends Error {}

export function parseWorkerArgs(argv: string[], env: NodeJS.ProcessEnv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      name: { type: "string", default: env.CODEX_LANES_WORKER_NAME ?? "worker" },
      home: { type: "string", default: env.CODEX_HOME ?? path.join(os.homedir(), ".codex") },
      host: { type: "string", default: "0.0.0.0" },
      port: { type: "string", default: env.CODEX_LANES_WORKER_PORT ?? "8790" },
      engine: { type: "string", default: "app-server" },
      "turn-timeout-ms": { type: "string", default: "300000" },
      "tool-hold-ms": { type: "string" },
      "keep-thread-ms": { type: "string" },
      "data-dir": { type: "string", default: path.join(os.tmpdir(), "codex-lanes-worker") },
      config: { type: "string", short: "c", multiple: true, default: [] },
    },
    strict: true,
  });
  const token = env.CODEX_LANES_WORKER_TOKEN ?? "";
  if (token.length < 16) throw new WorkerUsageError("CODEX_LANES_WORKER_TOKEN must be set to a random token of at least 16 characters; the worker refuses to start without one.");
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new WorkerUsageError(`--port must be a port number (got "${values.port}")`);
  const engine = values.engine;
  if (!isEngine(engine)) throw new WorkerUsageError(`--engine must be app-server or exec (got "${engine}")`);
  const timeout = Number(values["turn-timeout-ms"]);
  if (!Number.isInteger(timeout) || timeout < 1000) throw new WorkerUsageError(`--turn-timeout-ms must be an integer of at least 1000`);
  const hold = optionalMs(values, "tool-hold-ms");
  const keep = optionalMs(values, "keep-thread-ms");
  const config: Record<string, string> = {};
  for (const kv of values.config) {
    const eq = kv.indexOf("=");
    if (eq < 1) throw new WorkerUsageError(`-c takes key=value (got "${kv}")`);
    config[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return { name: values.name, home: path.resolve(values.home), host: values.host, port, engine, turnTimeoutMs: timeout, ...(hold === undefined ? {} : { toolHoldMs: hold }), ...(keep === undefined ? {} : { keepThreadMs: keep }), dataDir: values["data-dir"], config, token };
}

/** A flag of milliseconds that may be left out: 0 up to an hour. */
function optionalMs(values: Partial<Record<string, string | boolean | string[]>>, flag: "tool-hold-ms" | "keep-thread-ms"): number | undefined {
  const raw = values[flag];
  if (raw === undefined) return undefined;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < 0 || ms > 3_600_000) throw new WorkerUsageError(`--${flag} must be an integer from 0 to 3600000 (got "${String(raw)}")`);
  return ms;
}

function isEngine(name: string): name is Engine {
  return name === "app-server" || name === "exec";
}

/** Starts the worker and resolves when it stops (SIGINT/SIGTERM). Returns the exit code. */
export async function runWorker(argv: string[], io: WorkerIO): Promise<number> {
  let opts: ReturnType<typeof parseWorkerArgs>;
  try {
    opts = parseWorkerArgs(argv, io.env);
  } catch (err) {
    io.err.write(`codex-lanes worker: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const log = {
    info: (msg: string, fields?: Record<string, unknown>) => io.out.write(JSON.stringify({ level: "info", msg, lane: opts.name, ...fields }) + "\n"),
    warn: (msg: string, fields?: Record<string, unknown>) => io.err.write(JSON.stringify({ level: "warn", msg, lane: opts.name, ...fields }) + "\n"),
  };
  const lane = new LocalCodexLane(
    { name: opts.name, type: "codex", home: opts.home, worker: null, engine: opts.engine, concurrency: 1, maxUsedPercent: null, config: opts.config, env: {}, models: null, planPriceUsd: null },
    {
      dataDir: opts.dataDir,
      turnTimeoutMs: opts.turnTimeoutMs,
      ...(opts.toolHoldMs === undefined ? {} : { toolHoldMs: opts.toolHoldMs }),
      ...(opts.keepThreadMs === undefined ? {} : { keepThreadMs: opts.keepThreadMs }),
      rateLimitPollMs: 0,
      log,
    },
  );
  const app = createWorkerApp({ lane, token: opts.token });
  const server = serve({ fetch: app.fetch, hostname: opts.host, port: opts.port });
  log.info("worker listening", { host: opts.host, port: opts.port, engine: opts.engine });
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await lane.close();
  return 0;
}
