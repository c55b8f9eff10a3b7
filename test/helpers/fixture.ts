// What a describe block starts in `before` and must stop in `after`: fake backends, Codex homes,
// workers and gateways. One Teardown collects their stops and runs them newest first, so a gateway
// stops before the worker it calls, and a home is removed only after everything that used it.

import type { LaneConfig } from "../../gateway/config/types";
import type { FakeChatGPT } from "../fakes/chatgpt";
import { makeHome } from "../fakes/codex-run";
import { codexLane, signedInLane } from "./gateway";
import { startTestWorker } from "./worker";

export class Teardown {
  private readonly stops: (() => unknown)[] = [];

  /** Shaped like node:test's context, so `startTestGateway(teardown, …)` registers its own stop. */
  readonly after = (stop: () => unknown): void => {
    this.stops.push(stop);
  };

  /** Starts something and registers its `close()`. */
  async start<T extends { close(): unknown }>(started: Promise<T>): Promise<T> {
    const it = await started;
    this.after(() => it.close());
    return it;
  }

  /** A fresh directory under the test home, removed at teardown. */
  home(prefix: string): string {
    const h = makeHome(prefix);
    this.after(() => h.cleanup());
    return h.dir;
  }

  async run(): Promise<void> {
    for (const stop of this.stops.splice(0).reverse()) await stop();
  }
}

export type AccountMode = "local" | "worker";

/**
 * A Plus account `acct-<name>` signed in to the fake backend, as the gateway sees it: a codex lane it
 * runs itself ("local"), or one it reaches through the account's own worker ("worker").
 */
export async function accountLane(
  td: Teardown,
  chatgpt: FakeChatGPT,
  name: string,
  mode: AccountMode,
  opts: { lane?: Partial<Extract<LaneConfig, { type: "codex" }>>; toolHoldMs?: number } = {},
): Promise<LaneConfig> {
  const lane = signedInLane(chatgpt, name, td.home(`${name}-`), opts.lane);
  if (mode === "local") return lane;
  const hold = opts.toolHoldMs === undefined ? {} : { toolHoldMs: opts.toolHoldMs };
  const worker = await td.start(startTestWorker(lane, { dataDir: td.home(`${name}-worker-`), ...hold }));
  const concurrency = opts.lane?.concurrency === undefined ? {} : { concurrency: opts.lane.concurrency };
  return codexLane(name, { ...concurrency, worker: { url: worker.url, token: worker.token } });
}
