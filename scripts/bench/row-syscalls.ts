// Issue 14 item 4: system calls per request of the gateway on the API-key lane, before and after a
// change: `strace -f -c` attached to each gateway (BEFORE_TREE's and this tree's, each in its own
// process) for a burst of non-streamed chat completions at concurrency 1, after a warm-up. Prints
// the calls per request that differ most. Needs strace and ptrace permission.
//
//   BEFORE_TREE=<checkout with node_modules> node --import tsx scripts/bench/row-syscalls.ts [--requests 2000]

import { spawn } from "node:child_process";
import path from "node:path";
import { burst, target } from "./lib/http-load";
import { forkTs, stop } from "./lib/procs";
import { intFlags, loadLine, machineLine, table } from "./lib/stats";

const flags = intFlags({ requests: 2000 });
const CHAT = Buffer.from(JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Say hello in one short sentence." }] }));

/** Calls by name during the burst, from strace's summary table. */
async function traced(pid: number, run: () => Promise<unknown>): Promise<Map<string, number>> {
  const st = spawn("strace", ["-f", "-c", "-p", String(pid)], { stdio: ["ignore", "ignore", "pipe"] });
  let out = "";
  st.stderr.on("data", (c: Buffer) => (out += String(c)));
  await new Promise((r) => setTimeout(r, 500)); // attached to every thread
  await run();
  const done = new Promise((r) => st.once("exit", r));
  st.kill("SIGINT");
  await done;
  const calls = new Map<string, number>();
  for (const line of out.split("\n")) {
    const m = /^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)\s*$/.exec(line);
    if (m && m[2] !== "total") calls.set(m[2]!, Number(m[1]));
  }
  return calls;
}

async function main(): Promise<void> {
  console.log(`# System calls per request (non-streamed, concurrency 1)\n\n${machineLine()}\n${loadLine("at start")}\nFlags: ${JSON.stringify(flags)}\n`);
  const fake = await forkTs<{ baseUrl: string }>(path.join(__dirname, "lib/fake-openai-child.ts"), {});
  const env = { BENCH_UPSTREAM: fake.info.baseUrl };
  const trees = [
    { label: "before", file: path.join(process.env.BEFORE_TREE ?? "", "scripts/bench/lib/gateway-child.ts") },
    { label: "after", file: path.join(__dirname, "lib/gateway-child.ts") },
  ];
  const counts = new Map<string, Map<string, number>>();
  for (const tree of trees) {
    const gw = await forkTs<{ url: string; key: string }>(tree.file, env);
    const t = target(tree.label, `${gw.info.url}/v1/chat/completions`, { authorization: `Bearer ${gw.info.key}` });
    await burst(t, 300, 1, CHAT, false, "echo: ");
    counts.set(tree.label, await traced(gw.child.pid!, () => burst(t, flags.requests, 1, CHAT, false, "echo: ")));
    await stop(gw.child);
  }
  await stop(fake.child);
  const names = new Set([...counts.values()].flatMap((m) => [...m.keys()]));
  const per = (label: string, name: string) => (counts.get(label)!.get(name) ?? 0) / flags.requests;
  const rows = [...names]
    .map((n) => [n, per("before", n), per("after", n)] as const)
    .filter(([, b, a]) => b >= 0.05 || a >= 0.05)
    .sort((x, y) => y[1] + y[2] - (x[1] + x[2]));
  const total = (label: string) => [...names].reduce((s, n) => s + per(label, n), 0);
  rows.push(["all calls", total("before"), total("after")]);
  console.log(table(["call", "per request before", "after"], rows.map(([n, b, a]) => [n, b.toFixed(2), a.toFixed(2)])));
  console.log(`\n${loadLine("at end")}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
