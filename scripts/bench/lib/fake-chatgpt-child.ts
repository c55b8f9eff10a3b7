// The fake ChatGPT backend in a process of its own: in production the backend is far away, and in
// the benchmark process its work would compete with the gateway's event loop and be counted as
// gateway time. Driven over IPC by remote-fake.ts; stops on SIGTERM.

import { startFakeChatGPT, type Scenario, type ScenarioName } from "../../../test/fakes/chatgpt";

interface Call {
  id: number;
  op: "info" | "addAccount" | "writeAuth" | "setScenario" | "count";
  args: any[];
}

async function main(): Promise<void> {
  const fake = await startFakeChatGPT();
  const ops: Record<Call["op"], (...a: any[]) => unknown> = {
    info: () => ({ config: fake.codexConfig(), env: fake.codexEnv() }),
    addAccount: (accountId: string, email: string) => void fake.addAccount({ accountId, email, plan: "plus" }),
    writeAuth: (home: string, accountId: string) => fake.writeAuth(home, accountId),
    setScenario: (accountId: string, s: ScenarioName | Scenario) => fake.setScenario(accountId, s),
    count: (accountId: string) => fake.requestsFor(accountId).length,
  };
  process.on("message", (m: Call) => {
    try {
      process.send!({ id: m.id, result: ops[m.op](...m.args) ?? null });
    } catch (err) {
      process.send!({ id: m.id, error: (err as Error).message });
    }
  });
  process.once("SIGTERM", () => void fake.close().then(() => process.exit(0)));
  process.send!({ ready: true });
}

void main();
