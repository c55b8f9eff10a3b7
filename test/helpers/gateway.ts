// Starts a real gateway on 127.0.0.1:0 with a temporary data dir, for tests that talk HTTP to it.

import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TestContext } from "node:test";
import type { Config, LaneConfig } from "../../gateway/config/types";
import { createLogger, type Logger } from "../../gateway/log";
import { defaultAdapter, startServer, type RunningServer, type ServerOptions } from "../../gateway/server";
import type { RequestsApi } from "../../gateway/store";
import type { LaneAdapter } from "../../gateway/chat/lane-adapter";
import type { FakeChatGPT } from "../fakes/chatgpt";

export function tempDir(prefix = "codex-lanes-test-"): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function codexLane(name: string, extra: Partial<Extract<LaneConfig, { type: "codex" }>> = {}): LaneConfig {
  return { name, type: "codex", home: null, worker: null, engine: "app-server", concurrency: 4, maxUsedPercent: null, config: {}, env: {}, models: null, planPriceUsd: null, ...extra };
}

export function openaiLane(name: string, baseUrl: string, apiKey: string | null, extra: Partial<Extract<LaneConfig, { type: "openai" }>> = {}): LaneConfig {
  return { name, type: "openai", baseUrl, apiKey, apiKeyEnv: "OPENAI_API_KEY", concurrency: 4, models: "*", monthlySpendCapUsd: null, timeoutMs: 10_000, routes: "*", ...extra };
}

export function testConfig(dataDir: string, lanes: LaneConfig[], over: Partial<Config> = {}): Config {
  return {
    source: "test",
    listen: { host: "127.0.0.1", port: 0 },
    dataDir,
    lanes,
    limits: { maxBodyBytes: 10 * 1024 * 1024, maxUploadBytes: 512 * 1024 * 1024, turnTimeoutMs: 30_000 },
    queue: { maxWaiting: 100, maxWaitMs: 30_000 },
    policy: { defaultCooldownMs: 60_000, maxRetries: 2, circuitThreshold: 3, circuitOpenMs: 30_000 },
    rateLimitPollMs: 60_000,
    log: { bodies: false, retentionDays: 30 },
    prices: {},
    adminKey: null,
    masterKey: null,
    ...over,
  };
}

/** Collects log lines as parsed objects (and their raw text, to check for leaks). */
export function captureLogger(): { log: Logger; lines: () => Record<string, unknown>[]; text: () => string } {
  let buf = "";
  const sink = { write: (s: string) => (buf += s) };
  return {
    log: createLogger({ level: "debug", out: sink, err: sink }),
    lines: () => buf.split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>),
    text: () => buf,
  };
}

export interface TestGateway {
  server: RunningServer;
  url: string;
  /** For the openai client: `${url}/v1`. */
  baseURL: string;
  /** A client key and an admin key. */
  key: string;
  adminKey: string;
  dataDir: string;
  logs: ReturnType<typeof captureLogger>;
  /** What the server printed to stdout (the first-start key notice). */
  stdout: () => string;
  /** The request log, with rows still waiting for their write batch flushed first. */
  requests: () => RequestsApi;
}

export interface TestGatewayOptions {
  lanes?: LaneConfig[];
  /** Adapters by lane name; lanes without one get the real adapter. */
  adapters?: Record<string, LaneAdapter>;
  config?: Partial<Config>;
  server?: ServerOptions;
  dataDir?: string;
}

export async function startTestGateway(t: TestContext | { after(fn: () => unknown): void }, opts: TestGatewayOptions = {}): Promise<TestGateway> {
  const dataDir = opts.dataDir ?? tempDir();
  const lanes = opts.lanes ?? Object.keys(opts.adapters ?? {}).map((n) => codexLane(n));
  const config = testConfig(dataDir, lanes, opts.config);
  const logs = captureLogger();
  let stdout = "";
  const server = await startServer(config, {
    log: logs.log,
    out: { write: (s: string) => (stdout += s) },
    shutdownGraceMs: 2_000,
    dispatch: { random: () => 0 },
    ...opts.server,
    makeAdapter: (lane, deps) => {
      const given = opts.adapters?.[lane.name];
      if (given) return given;
      if (opts.server?.makeAdapter) return opts.server.makeAdapter(lane, deps);
      return defaultAdapter(lane, deps);
    },
  });
  t.after(async () => {
    await server.close();
    if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
  });
  // A restarted gateway on the same data dir gets fresh keys under the same names.
  const fresh = (name: string, admin: boolean) => {
    server.store.keys.revoke(name);
    return server.store.keys.create(name, { admin }).key;
  };
  const key = fresh("test-client", false);
  const adminKey = fresh("test-admin", true);
  const requests = () => {
    server.dispatcher.flush();
    return server.store.requests;
  };
  return { server, url: server.url, baseURL: `${server.url}/v1`, key, adminKey, dataDir, logs, stdout: () => stdout, requests };
}

/**
 * The tools Codex 0.169 offers the model whatever the gateway switches off (README "What the model
 * sees", CODEX_ADDS in /admin/lanes): a tool request on a Codex lane offers the client's tools plus
 * exactly these, and nothing else.
 */
export const CODEX_KEEPS_TOOLS: readonly string[] = ["apply_patch"];

/** A codex lane on `home`, signed in to the fake backend as a new Plus account `acct-<name>`. */
export function signedInLane(
  chatgpt: Pick<FakeChatGPT, "addAccount" | "writeAuth" | "codexConfig" | "codexEnv">,
  name: string,
  home: string,
  extra: Partial<Extract<LaneConfig, { type: "codex" }>> = {},
): Extract<LaneConfig, { type: "codex" }> & { home: string } {
  chatgpt.addAccount({ accountId: `acct-${name}`, email: `${name}@example.com`, plan: "plus" });
  chatgpt.writeAuth(home, `acct-${name}`);
  return codexLane(name, { home, config: chatgpt.codexConfig(), env: chatgpt.codexEnv(), ...extra }) as Extract<LaneConfig, { type: "codex" }> & { home: string };
}
