// The fake ChatGPT backend in a process of its own: in production the backend is far away, and in
// the benchmark process its work would compete with the gateway's event loop and be counted as
// gateway time. Driven over IPC by remote-fake.ts; stops on SIGTERM.
// With BENCH_DELAY_PROXY=1 a delay proxy (delay-proxy.ts) sits in front of it, in this process too,
// and the fake hands Codex the proxy's port, so every byte Codex exchanges with it is delayed.

import { startFakeChatGPT, type Scenario, type ScenarioName } from "../../../test/fakes/chatgpt";
import { startDelayProxy, type DelayProxy } from "../../../test/fakes/delay-proxy";

interface Call {
  id: number;
  op: "info" | "addAccount" | "writeAuth" | "setScenario" | "count" | "counts" | "setOneWayMs";
  args: any[];
}

async function main(): Promise<void> {
  let fakePort = 0;
  const proxy: DelayProxy | null =
    process.env.BENCH_DELAY_PROXY === "1" ? await startDelayProxy({ target: () => ({ host: "127.0.0.1", port: fakePort }), oneWayMs: 0 }) : null;
  const fake = await startFakeChatGPT(proxy ? { publicPort: proxy.port } : {});
  fakePort = fake.port;
  const ops: Record<Call["op"], (...a: any[]) => unknown> = {
    info: () => ({ config: fake.codexConfig(), env: fake.codexEnv() }),
    addAccount: (accountId: string, email: string) => void fake.addAccount({ accountId, email, plan: "plus" }),
    writeAuth: (home: string, accountId: string) => fake.writeAuth(home, accountId),
    setScenario: (accountId: string, s: ScenarioName | Scenario) => fake.setScenario(accountId, s),
    count: (accountId: string) => fake.requestsFor(accountId).length,
    counts: () => ({ requests: fake.requests.length, ...fake.counters(), connections: proxy?.counts().connections ?? NaN }),
    setOneWayMs: (ms: number) => proxy?.setOneWayMs(ms),
  };
  process.on("message", (m: Call) => {
    try {
      process.send!({ id: m.id, result: ops[m.op](...m.args) ?? null });
    } catch (err) {
      process.send!({ id: m.id, error: (err as Error).message });
    }
  });
  process.once("SIGTERM", () => void Promise.all([fake.close(), proxy?.close()]).then(() => process.exit(0)));
  process.send!({ ready: true });
}

void main();
