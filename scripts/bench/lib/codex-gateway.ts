// A gateway with real codex lanes (the pinned Codex CLI) against the fake ChatGPT backend, in this
// process, as test/http-codex.test.ts configures one, but with a quiet logger (the test helper logs
// at debug level into memory, which would be counted as gateway time) and with the lane adapters
// kept, so a benchmark can also call a lane's turn directly, without HTTP.

import { rmSync } from "node:fs";
import type { ChatRequest, TurnEvent } from "../../../gateway/chat/types";
import type { CodexLaneConfig, Config, LaneConfig } from "../../../gateway/config/types";
import { createLogger } from "../../../gateway/log";
import { defaultAdapter, startServer, type RunningServer, type ServerOptions } from "../../../gateway/server";
import type { RequestRow } from "../../../gateway/store";
import type { LaneAdapter, TurnOptions } from "../../../gateway/chat/lane-adapter";
import { makeHome, type TestHome } from "../../../test/fakes/codex-run";
import { codexLane, tempDir, testConfig } from "../../../test/helpers/gateway";
import type { RemoteFake } from "./remote-fake";

export interface TurnTimes {
  start: number;
  firstDelta: number;
  end: number;
}

export interface BenchGateway {
  server: RunningServer;
  url: string;
  key: string;
  dataDir: string;
  /** The adapters the gateway made, by lane name: the very objects its dispatcher calls. */
  adapters: Map<string, LaneAdapter>;
  /**
   * When the last turn the dispatcher ran on this lane started, gave its first text and ended
   * (performance.now() ms; firstDelta NaN when it gave none).
   */
  lastTurn(lane: string): TurnTimes;
  row(id: string): RequestRow | null;
  close(): Promise<void>;
}

export async function startBenchGateway(lanes: LaneConfig[], opts: { config?: Partial<Config>; dispatch?: ServerOptions["dispatch"] } = {}): Promise<BenchGateway> {
  const dataDir = tempDir("codex-lanes-bench-");
  const adapters = new Map<string, LaneAdapter>();
  const turns = new Map<string, TurnTimes>();
  const server = await startServer(testConfig(dataDir, lanes, opts.config), {
    log: createLogger({ level: "warn" }),
    out: { write: () => true },
    shutdownGraceMs: 2_000,
    dispatch: { random: () => 0, ...opts.dispatch },
    makeAdapter: (lane, deps) => {
      const a = defaultAdapter(lane, deps);
      adapters.set(lane.name, a);
      return timed(a, (times) => turns.set(lane.name, times));
    },
  });
  const key = server.store.keys.create("bench").key;
  return {
    server,
    url: server.url,
    key,
    dataDir,
    adapters,
    lastTurn: (lane) => turns.get(lane) ?? { start: NaN, firstDelta: NaN, end: NaN },
    row: (id) => {
      server.dispatcher.flush();
      return server.store.requests.get(id);
    },
    close: async () => {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The adapter as it is, except that each turn's start, first text and end are reported: the
 * gateway's own time on a request is then the client's wall time minus the turn's.
 */
function timed(a: LaneAdapter, report: (times: TurnTimes) => void): LaneAdapter {
  async function* turn(req: ChatRequest, opts: TurnOptions): AsyncIterable<TurnEvent> {
    const start = performance.now();
    let firstDelta = NaN;
    try {
      for await (const ev of a.turn(req, opts)) {
        if (Number.isNaN(firstDelta) && ev.type === "delta" && ev.text !== "") firstDelta = performance.now();
        yield ev;
      }
    } finally {
      report({ start, firstDelta, end: performance.now() });
    }
  }
  return new Proxy(a, {
    get(target, prop) {
      if (prop === "turn") return turn;
      const v = Reflect.get(target, prop, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

/** A codex lane signed in to a fresh account of the fake, with its own CODEX_HOME. */
export async function fakeAccountLane(fake: RemoteFake, name: string, engine: "app-server" | "exec", homes: TestHome[]): Promise<CodexLaneConfig & { home: string }> {
  const home = makeHome(`bench-${name}-`);
  homes.push(home);
  await fake.addAccount(`acct-${name}`, `${name}@example.com`);
  await fake.writeAuth(home.dir, `acct-${name}`);
  const { config, env } = await fake.info();
  return codexLane(name, { home: home.dir, engine, concurrency: 2, config, env, models: null }) as CodexLaneConfig & { home: string };
}

export function userRequest(model: string, text: string): ChatRequest {
  return { model, messages: [{ role: "user", content: [{ type: "text", text }] }], stream: false, includeUsage: false };
}

/** Runs one turn on an adapter, as the dispatcher would, and returns the answer text or throws. */
export async function directTurn(adapter: LaneAdapter, req: ChatRequest): Promise<string> {
  const ac = new AbortController();
  let text: string | null = null;
  for await (const ev of adapter.turn(req, { signal: ac.signal })) {
    if (ev.type === "message") text = ev.text;
    if (ev.type === "error") throw new Error(`${adapter.name}: ${ev.class} ${ev.code}: ${ev.message}`);
  }
  if (text === null) throw new Error(`${adapter.name}: the turn ended without a message`);
  return text;
}
