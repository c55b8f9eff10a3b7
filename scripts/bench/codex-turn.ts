// Issue 14: Codex's own time per turn, the part of a continued conversation's first token that no
// change in the gateway can reach. One app-server per lane below, each signed in to the fake ChatGPT
// backend (in this process, loopback, no delay), each with one thread started as the engine starts
// its spare (ephemeral, no base prompt, no tools); every turn continues that thread, as a kept thread
// carries a conversation. Lanes take turns, so they share the machine's load. Per lane: the app-server
// process's CPU per turn (from /proc, every thread of it, the turn's whole life), `turn/start` → the
// model request at the fake (the fake's clock is in whole milliseconds) and `turn/start` → the first
// text delta, plus the CPU per turn over the first and the second half of the turns (does it grow
// with the conversation?).
// Lanes: `pinned` always; `pinned + EXTRA_CONFIG` when EXTRA_CONFIG holds a JSON object of `-c`
// overrides (e.g. '{"project_doc_max_bytes":0}'); `COMPARE_BIN` when it names another Codex binary
// (a newer release, to check before a pin moves).

import { execFileSync } from "node:child_process";
import { codexBinary } from "../../gateway/codex/binary";
import { childEnv, configArgs } from "../../gateway/codex/hardening";
import { RpcClient } from "../../gateway/codex/rpc";
import { startFakeChatGPT, type FakeChatGPT } from "../../test/fakes/chatgpt";
import { makeHome, type TestHome } from "../../test/fakes/codex-run";
import { cpuMs } from "./lib/procs";
import { intFlags, loadLine, machineLine, median, ms, quantile, table } from "./lib/stats";

const flags = intFlags({ turns: 40, warmup: 3 });

interface LaneSpec {
  name: string;
  bin: string;
  config: Record<string, string | number | boolean>;
}

interface Lane extends LaneSpec {
  client: RpcClient;
  threadId: string;
  account: string;
  homes: TestHome[];
  firstText: Map<string, (at: number) => void>;
  completed: Map<string, () => void>;
  toRequest: number[];
  toFirstText: number[];
  cpuPerTurn: number[];
}

function specs(): LaneSpec[] {
  const lanes: LaneSpec[] = [{ name: "pinned", bin: codexBinary(), config: {} }];
  if (process.env.EXTRA_CONFIG) lanes.push({ name: `pinned + ${process.env.EXTRA_CONFIG}`, bin: codexBinary(), config: JSON.parse(process.env.EXTRA_CONFIG) as LaneSpec["config"] });
  if (process.env.COMPARE_BIN) lanes.push({ name: "COMPARE_BIN", bin: process.env.COMPARE_BIN, config: {} });
  return lanes;
}

async function startLane(fake: FakeChatGPT, spec: LaneSpec, index: number): Promise<Lane> {
  const home = makeHome("bench-turn-");
  const cwd = makeHome("bench-turn-cwd-");
  const account = `acct-turn-${index}`;
  fake.addAccount({ accountId: account, email: `turn-${index}@example.com`, plan: "plus" });
  fake.writeAuth(home.dir, account);
  const config = { ...fake.codexConfig(), ...spec.config };
  const client = new RpcClient({ bin: spec.bin, args: ["app-server", ...configArgs(config)], env: childEnv({ home: home.dir, config, env: fake.codexEnv() }), cwd: cwd.dir });
  const lane: Lane = { ...spec, client, threadId: "", account, homes: [home, cwd], firstText: new Map(), completed: new Map(), toRequest: [], toFirstText: [], cpuPerTurn: [] };
  client.on("notification", (note: { method: string; params: { turnId?: string; turn?: { id: string } } }) => {
    const at = performance.now();
    if (note.method === "item/agentMessage/delta") take(lane.firstText, note.params.turnId)?.(at);
    if (note.method === "turn/completed") take(lane.completed, note.params.turn?.id)?.();
  });
  await client.request("initialize", { clientInfo: { name: "codex_lanes_bench", title: "bench", version: "0" }, capabilities: { experimentalApi: true, requestAttestation: false } });
  client.notify("initialized");
  const started = await client.request("thread/start", { cwd: cwd.dir, approvalPolicy: "never", sandbox: "read-only", ephemeral: true, baseInstructions: "" });
  lane.threadId = started.thread.id;
  return lane;
}

function take<T>(map: Map<string, T>, key: string | undefined): T | undefined {
  if (key === undefined) return undefined;
  const value = map.get(key);
  map.delete(key);
  return value;
}

/** One turn on the lane's thread; records its times once past the warm-up turns. */
async function turn(fake: FakeChatGPT, lane: Lane, i: number): Promise<void> {
  const pid = lane.client.pid!;
  const cpu0 = cpuMs(pid);
  const t0 = performance.now();
  const wall0 = Date.now();
  const started = await lane.client.request("turn/start", { threadId: lane.threadId, input: [{ type: "text", text: `turn ${i}`, text_elements: [] }] });
  const id = started.turn.id;
  const firstText = new Promise<number>((resolve) => lane.firstText.set(id, resolve));
  const completed = new Promise<void>((resolve) => lane.completed.set(id, resolve));
  const [first] = await Promise.all([firstText, completed]);
  if (i < flags.warmup) return;
  lane.toFirstText.push(first - t0);
  lane.toRequest.push(fake.requestsFor(lane.account).at(-1)!.at - wall0);
  lane.cpuPerTurn.push(cpuMs(pid) - cpu0);
}

function version(bin: string): string {
  return execFileSync(bin, ["--version"], { encoding: "utf8" }).trim();
}

function row(lane: Lane): string[] {
  const half = Math.floor(lane.cpuPerTurn.length / 2);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return [
    lane.name,
    version(lane.bin),
    ms(mean(lane.cpuPerTurn)),
    `${ms(mean(lane.cpuPerTurn.slice(0, half)))} / ${ms(mean(lane.cpuPerTurn.slice(half)))}`,
    ms(median(lane.toRequest), 0),
    ms(median(lane.toFirstText)),
    ms(quantile(lane.toFirstText, 0.9)),
  ];
}

async function main(): Promise<void> {
  console.log(machineLine());
  console.log(loadLine("at start"));
  const fake = await startFakeChatGPT();
  const lanes: Lane[] = [];
  try {
    for (const [i, spec] of specs().entries()) lanes.push(await startLane(fake, spec, i));
    for (let i = 0; i < flags.warmup + flags.turns; i++) for (const lane of lanes) await turn(fake, lane, i);
    console.log(loadLine("at end"));
    console.log(`\n${flags.turns} turns per lane on one thread each, after ${flags.warmup} not counted:\n`);
    console.log(table(["lane", "binary", "Codex CPU ms / turn", "first half / second half", "turn/start → model request p50 ms", "turn/start → first text p50 ms", "p90 ms"], lanes.map(row)));
  } finally {
    for (const lane of lanes) {
      await lane.client.kill();
      for (const h of lane.homes) h.cleanup();
    }
    await fake.close();
  }
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
