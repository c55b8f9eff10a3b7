// Starts the gateway: store, lane adapters, dispatcher, HTTP app, listener, housekeeping timers,
// and a graceful stop. The only module that listens on a socket.

import { mkdirSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { createAdaptorServer } from "@hono/node-server";
import { GATEWAY_KEEP_ALIVE_MS } from "./config/rules";
import type { Config, LaneConfig } from "./config/types";
import { createDispatcher, type Dispatcher, type DispatcherDeps } from "./dispatch/dispatcher";
import { createApp } from "./http/app";
import { createLogger, registerSecret, type Logger } from "./log";
import { RequestMetrics } from "./metrics/collector";
import { openStore, type Store } from "./store";
import { createCodexAdapter } from "./upstreams/codex";
import { createOpenAIAdapter } from "./upstreams/openai";
import type { LaneAdapter } from "./chat/lane-adapter";
import { VERSION } from "./version";

const DAY_MS = 86_400_000;
const STATUS_REFRESH_MS = 60_000;
/** After the dispatcher has stopped, how long responses already produced get to reach their clients. */
const RESPONSE_DRAIN_MS = 2_000;

export interface AdapterDeps {
  dataDir: string;
  turnTimeoutMs: number;
  toolHoldMs?: number;
  keepThreadMs?: number;
  rateLimitPollMs: number;
  log: Logger;
}

export interface ServerOptions {
  log?: Logger;
  /** Where the one-time notice of a generated key goes (default stdout). */
  out?: { write(s: string): unknown };
  /** Builds a lane's adapter; tests pass doubles. */
  makeAdapter?: (lane: LaneConfig, deps: AdapterDeps) => LaneAdapter;
  /** Clock, sleep and jitter for the failover loop (tests). */
  dispatch?: Pick<DispatcherDeps, "now" | "sleep" | "random">;
  /** How long a stop waits for requests in progress before cancelling them. Default 30 s. */
  shutdownGraceMs?: number;
  /** Stop on SIGINT/SIGTERM (the `serve` command). Default false. */
  handleSignals?: boolean;
}

export interface RunningServer {
  url: string;
  port: number;
  store: Store;
  dispatcher: Dispatcher;
  /** Resolves once the server has stopped, whoever stopped it. */
  closed: Promise<void>;
  close(): Promise<void>;
}

export function defaultAdapter(lane: LaneConfig, deps: AdapterDeps): LaneAdapter {
  return lane.type === "codex" ? createCodexAdapter(lane, deps) : createOpenAIAdapter(lane);
}

export async function startServer(config: Config, opts: ServerOptions = {}): Promise<RunningServer> {
  const log = opts.log ?? createLogger();
  const out = opts.out ?? process.stdout;
  mkdirSync(config.dataDir, { recursive: true });
  const store = openStore(config.dataDir);
  const adapters = new Map<string, LaneAdapter>();
  let stopTimers = () => {};
  try {
    const lanes = withStoredKeys(config, store, log);
    for (const lane of lanes) {
      if (lane.type === "openai") registerSecret(lane.apiKey);
      else registerSecret(lane.worker?.token);
    }
    const make = opts.makeAdapter ?? defaultAdapter;
    const { toolHoldMs: hold, keepThreadMs: keep } = config.limits;
    const adapterDeps: AdapterDeps = {
      dataDir: config.dataDir,
      turnTimeoutMs: config.limits.turnTimeoutMs,
      ...(hold === undefined ? {} : { toolHoldMs: hold }),
      ...(keep === undefined ? {} : { keepThreadMs: keep }),
      rateLimitPollMs: config.rateLimitPollMs,
      log,
    };
    for (const lane of lanes) adapters.set(lane.name, make(lane, adapterDeps));
    const cfg: Config = { ...config, lanes };
    const metrics = new RequestMetrics();
    const dispatcher = createDispatcher({ config: cfg, store, adapters, log, onRow: metrics.observe, ...opts.dispatch });
    createFirstKey(store, out, config.adminKey !== null);
    const app = createApp({ config: cfg, store, dispatcher, log, version: VERSION, now: opts.dispatch?.now, adapters, metrics });
    stopTimers = startHousekeeping(cfg, store, dispatcher, log);
    const server = createAdaptorServer({ fetch: app.fetch, hostname: config.listen.host });
    if (server instanceof http.Server) {
      server.keepAliveTimeout = GATEWAY_KEEP_ALIVE_MS;
      // Above the keep-alive time, so an idle connection is closed by the latter, not taken for a slow request.
      server.headersTimeout = GATEWAY_KEEP_ALIVE_MS + 1_000;
    }
    const port = await listen(server, config.listen.host, config.listen.port);
    const host = config.listen.host.includes(":") ? `[${config.listen.host}]` : config.listen.host;
    const url = `http://${host}:${port}`;
    log.info("codex-lanes listening", { url, version: VERSION, lanes: lanes.map((l) => l.name), config: config.source });

    let stopping: Promise<void> | null = null;
    let resolveClosed!: () => void;
    const closed = new Promise<void>((r) => (resolveClosed = r));
    const close = () => {
      stopping ??= (async () => {
        stopTimers();
        let isStopped = false;
        const stopped = new Promise<void>((r) => server.close(() => r())).then(() => {
          isStopped = true;
        });
        const http = server as { closeIdleConnections?: () => void; closeAllConnections?: () => void };
        http.closeIdleConnections?.();
        await dispatcher.shutdown(opts.shutdownGraceMs ?? 30_000);
        // Answers of finished requests may still be on their way out: close connections as they
        // go idle, and cut whatever is left after a short bound.
        const cutAt = Date.now() + RESPONSE_DRAIN_MS;
        while (!isStopped && Date.now() < cutAt) {
          http.closeIdleConnections?.();
          await Promise.race([stopped, delay(25)]);
        }
        http.closeAllConnections?.();
        await stopped;
        await closeAdapters(adapters, log);
        store.close();
        log.info("codex-lanes stopped");
        resolveClosed();
      })();
      return stopping;
    };
    if (opts.handleSignals) {
      const onSignal = (sig: string) => {
        log.info("stopping", { signal: sig });
        void close();
      };
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      void closed.then(() => {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      });
    }
    return { url, port, store, dispatcher, closed, close };
  } catch (err) {
    stopTimers();
    await closeAdapters(adapters, log);
    store.close();
    throw err;
  }
}

/** An openai lane without a key in the environment takes the one stored with `secrets set`. */
export function withStoredKeys(config: Config, store: Store, log: Logger): LaneConfig[] {
  return config.lanes.map((lane) => {
    if (lane.type !== "openai" || lane.apiKey || !config.masterKey) return lane;
    try {
      const apiKey = store.secrets.get(lane.name, config.masterKey);
      return apiKey ? { ...lane, apiKey } : lane;
    } catch (err) {
      log.error("cannot read the stored API key; the lane stays without one", { lane: lane.name, error: (err as Error).message });
      return lane;
    }
  });
}

/** The first start creates a client key so a fresh install can be used at once; it is shown only here. */
function createFirstKey(store: Store, out: { write(s: string): unknown }, deployed: boolean): void {
  if (store.keys.list().some((k) => !k.admin)) return;
  if (deployed) {
    // A deployment's stdout ends up in `docker logs`: no key is printed there.
    out.write("codex-lanes: no client key yet; create one with `codex-lanes keys create <name>` (inside the gateway container).\n");
    return;
  }
  const created = store.keys.create("default");
  out.write(
    `codex-lanes: created gateway key "default". It is shown only this once (only its hash is stored); ` +
      `use it as the API key of your OpenAI client:\n${created.key}\n`,
  );
}

function startHousekeeping(config: Config, store: Store, dispatcher: Dispatcher, log: Logger): () => void {
  const prune = () => {
    try {
      const n = store.requests.prune(config.log.retentionDays * DAY_MS, Date.now());
      const r = store.responses.prune(config.log.retentionDays * DAY_MS, Date.now());
      if (n + r > 0) log.info("pruned old request-log rows", { rows: n, responses: r, retentionDays: config.log.retentionDays });
    } catch (err) {
      log.error("pruning the request log failed", { err });
    }
  };
  prune();
  const daily = setInterval(prune, DAY_MS);
  const status = setInterval(() => void dispatcher.refresh().catch(() => {}), STATUS_REFRESH_MS);
  daily.unref();
  status.unref();
  return () => {
    clearInterval(daily);
    clearInterval(status);
  };
}

function listen(server: ReturnType<typeof createAdaptorServer>, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(
        err.code === "EADDRINUSE"
          ? new Error(`cannot listen on ${host}:${port}: the port is in use (set listen.port in the config)`)
          : new Error(`cannot listen on ${host}:${port}: ${err.message}`),
      );
    };
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

async function closeAdapters(adapters: Map<string, LaneAdapter>, log: Logger): Promise<void> {
  await Promise.all(
    [...adapters.values()].map((a) => a.close().catch((err: unknown) => log.warn("closing a lane failed", { lane: a.name, error: (err as Error).message }))),
  );
}
