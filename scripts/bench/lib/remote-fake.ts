// The parent's side of fake-chatgpt-child.ts: the few calls the benchmarks make on the fake.

import type { ChildProcess } from "node:child_process";
import path from "node:path";
import type { Scenario, ScenarioName } from "../../../test/fakes/chatgpt";
import { forkTs, stop } from "./procs";

export class RemoteFake {
  private next = 1;
  private readonly waiting = new Map<number, { resolve(v: any): void; reject(e: Error): void }>();

  private constructor(private readonly child: ChildProcess) {
    child.on("message", (m: { id?: number; result?: unknown; error?: string }) => {
      const w = m.id === undefined ? undefined : this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id!);
      if (m.error !== undefined) w.reject(new Error(m.error));
      else w.resolve(m.result);
    });
  }

  /** `delayProxy`: put a latency proxy (initially 0 ms) between Codex and the fake. */
  static async start(opts: { delayProxy?: boolean } = {}): Promise<RemoteFake> {
    const { child } = await forkTs(path.join(__dirname, "fake-chatgpt-child.ts"), opts.delayProxy ? { BENCH_DELAY_PROXY: "1" } : {});
    return new RemoteFake(child);
  }

  private call<T>(op: string, ...args: unknown[]): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.child.send({ id, op, args });
    });
  }

  info = () => this.call<{ config: Record<string, string>; env: Record<string, string> }>("info");
  addAccount = (accountId: string, email: string) => this.call<void>("addAccount", accountId, email);
  writeAuth = (home: string, accountId: string) => this.call<void>("writeAuth", home, accountId);
  setScenario = (accountId: string, s: ScenarioName | Scenario) => this.call<void>("setScenario", accountId, s);
  /** Generating model requests the fake has seen for this account. */
  count = (accountId: string) => this.call<number>("count", accountId);
  /** Counts since start: generating model requests, warm-ups, WebSockets, proxy connections (NaN without a proxy). */
  counts = () => this.call<FakeCounts>("counts");
  /** One-way delay of the proxy, for connections opened from now on. */
  setOneWayMs = (ms: number) => this.call<void>("setOneWayMs", ms);
  close = () => stop(this.child);
}

export interface FakeCounts {
  requests: number;
  warmups: number;
  webSockets: number;
  connections: number;
}
