// Codex engines (issue 2): wall time of one non-streaming chat completion against the fake ChatGPT
// backend, in one run, interleaved rounds:
//
//   gateway app-server   official openai client -> gateway (HTTP) -> codex lane, app-server engine
//   gateway exec         the same with the exec engine (one `codex exec` per request)
//   bare codex exec      the native pinned binary spawned with exactly the exec engine's args
//                        (taken from ExecEngine itself), the prompt on stdin; spawn to exit
//   direct app-server    the gateway's own app-server lane adapter called in this process (no HTTP)
//   direct exec          the same for the exec lane
//   raw HTTP app-server  the app-server path again with a raw node:http keep-alive client
//
// The gateway's own added time is (through HTTP) minus (direct), at the median; the raw-HTTP line
// leaves out what the openai client itself costs. Because two medians of ~70 ms turns are noisy, it is
// also measured per request: the client's wall time minus the lane's turn inside the gateway (the
// gateway's adapters are wrapped to time each turn), split into before and after the turn. The fake backend runs in a child process of its
// own (as a real backend is elsewhere); the gateways, the clients and the direct calls run here.
//
//   node --import tsx scripts/bench/codex-engines.ts [--rounds 40] [--warmup 3]

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import * as http from "node:http";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import OpenAI from "openai";
import { codexBinary, codexVersion } from "../../gateway/codex/binary";
import { ExecEngine } from "../../gateway/codex/exec-engine";
import { childEnv } from "../../gateway/codex/hardening";
import type { TurnFiles } from "../../gateway/codex/images";
import { execPrompt, planTurn } from "../../gateway/codex/mapping";
import { createLogger } from "../../gateway/log";
import { codexBin, type TestHome } from "../../test/fakes/codex-run";
import { RemoteFake } from "./lib/remote-fake";
import { directTurn, fakeAccountLane, startBenchGateway, userRequest } from "./lib/codex-gateway";
import { intFlags, loadLine, machineLine, median, ms, plus, quantile, table } from "./lib/stats";

const flags = intFlags({ rounds: 40, warmup: 3 });
const MODEL = "gpt-5.5";
const PROMPT = "hello bench";
const EXPECT = `echo: ${PROMPT}`;

type Run = () => Promise<void>;
/** The gateway's own time per request: before the lane's turn starts, after it ends, and both. */
type Own = { total: number[]; before: number[]; after: number[] };

async function main(): Promise<void> {
  const homes: TestHome[] = [];
  const cleanups: (() => unknown)[] = [];
  try {
    const fake = await RemoteFake.start();
    cleanups.push(() => fake.close());
    const asLane = await fakeAccountLane(fake, "as", "app-server", homes);
    const exLane = await fakeAccountLane(fake, "ex", "exec", homes);
    const bareLane = await fakeAccountLane(fake, "bare", "exec", homes);
    // One gateway per engine: each serves its lane first, as a user's gateway would.
    const gwAs = await startBenchGateway([asLane]);
    cleanups.unshift(() => gwAs.close());
    const gwEx = await startBenchGateway([exLane]);
    cleanups.unshift(() => gwEx.close());
    const bare = bareExec(bareLane, cleanups);

    const clientAs = new OpenAI({ baseURL: `${gwAs.url}/v1`, apiKey: gwAs.key, maxRetries: 0 });
    const clientEx = new OpenAI({ baseURL: `${gwEx.url}/v1`, apiKey: gwEx.key, maxRetries: 0 });
    const viaClient = (client: OpenAI, lane: string): Run => async () => {
      const { data, response } = await client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: PROMPT }] }).withResponse();
      if (data.choices[0]?.message.content !== EXPECT || response.headers.get("x-codex-lanes-lane") !== lane) throw new Error(`unexpected answer from ${lane}: ${JSON.stringify(data)}`);
    };
    const direct = (gw: typeof gwAs, lane: string): Run => async () => {
      const text = await directTurn(gw.adapters.get(lane)!, userRequest(MODEL, PROMPT));
      if (text !== EXPECT) throw new Error(`unexpected direct answer: ${text}`);
    };
    const agent = new http.Agent({ keepAlive: true });
    const raw: Run = () => rawPost(gwAs.url, gwAs.key, agent);

    // The third element reads how long the lane's turn took inside the gateway for that request.
    const series: [string, Run, (() => { start: number; end: number })?][] = [
      ["gateway app-server (openai client)", viaClient(clientAs, "as"), () => gwAs.lastTurn("as")],
      ["gateway exec (openai client)", viaClient(clientEx, "ex"), () => gwEx.lastTurn("ex")],
      ["bare codex exec (same flags)", bare.run],
      ["direct app-server (lane adapter, no HTTP)", direct(gwAs, "as")],
      ["direct exec (lane adapter, no HTTP)", direct(gwEx, "ex")],
      ["gateway app-server (raw node:http)", raw, () => gwAs.lastTurn("as")],
    ];
    console.log(`# Codex engines\n\n${machineLine()}`);
    console.log(`Codex ${codexVersion()} (${codexBinary()}); bare exec: args from ExecEngine.args(), binary is ${bare.sameArgs}`);
    console.log(`${loadLine("at start")}\nFlags: ${JSON.stringify(flags)}\n`);

    const times = new Map<string, number[]>(series.map(([n]) => [n, []]));
    const own = new Map<string, Own>(series.filter((s) => s[2]).map(([n]) => [n, { total: [], before: [], after: [] }]));
    for (let r = 0; r < flags.warmup + flags.rounds; r++) {
      for (let i = 0; i < series.length; i++) {
        const [name, run, inner] = series[(i + r) % series.length]!;
        const t0 = performance.now();
        await run();
        const t1 = performance.now();
        if (r < flags.warmup) continue;
        times.get(name)!.push(t1 - t0);
        if (!inner) continue;
        const turn = inner();
        const o = own.get(name)!;
        o.before.push(turn.start - t0);
        o.after.push(t1 - turn.end);
        o.total.push(t1 - t0 - (turn.end - turn.start));
      }
    }
    report(times, own);
    console.log(loadLine("at end"));
  } finally {
    for (const c of cleanups) await c();
    for (const h of homes) h.cleanup();
  }
}

/**
 * `codex exec` as the exec engine starts it, without the engine: the args come from ExecEngine's
 * own (private) args(), so a change of flags there changes this benchmark too.
 */
function bareExec(lane: Awaited<ReturnType<typeof fakeAccountLane>>, cleanups: (() => unknown)[]): { run: Run; sameArgs: string } {
  const workDir = mkdtempSync(path.join(os.tmpdir(), "codex-lanes-bench-bare-"));
  cleanups.push(() => rmSync(workDir, { recursive: true, force: true }));
  const engine = new ExecEngine({
    lane: lane.name,
    engine: "exec",
    home: lane.home,
    workDir,
    config: lane.config,
    env: lane.env,
    turnTimeoutMs: 30_000,
    rateLimitPollMs: 0,
    log: createLogger({ level: "warn" }),
  });
  cleanups.push(() => engine.close());
  const plan = planTurn(userRequest(MODEL, PROMPT));
  const files: TurnFiles = { dir: workDir, images: [], cleanup: () => {} };
  const args = (engine as unknown as { args(p: typeof plan, f: TurnFiles): string[] }).args(plan, files);
  const cwd = args[args.indexOf("-C") + 1]!;
  const env = childEnv({ home: lane.home, config: lane.config, env: lane.env });
  const sameArgs = codexBinary() === codexBin() ? "the native binary codexBin() names" : `a different binary from codexBin() (${codexBin()})`;
  const run: Run = () =>
    new Promise((resolve, reject) => {
      const child = spawn(codexBinary(), args, { cwd, env, stdio: ["pipe", "pipe", "pipe"] });
      let text: string | null = null;
      let stderr = "";
      child.stderr.on("data", (c: Buffer) => (stderr = (stderr + c.toString()).slice(-2000)));
      createInterface({ input: child.stdout }).on("line", (l) => {
        try {
          const ev = JSON.parse(l);
          if (ev.type === "item.completed" && ev.item?.type === "agent_message") text = ev.item.text;
        } catch {
          // not an event line
        }
      });
      child.on("error", reject);
      child.on("close", (code) => (code === 0 && text === EXPECT ? resolve() : reject(new Error(`bare exec: code ${code}, text ${text}, ${stderr}`))));
      child.stdin.end(execPrompt(plan));
    });
  return { run, sameArgs };
}

function rawPost(url: string, key: string, agent: http.Agent): Promise<void> {
  const body = Buffer.from(JSON.stringify({ model: MODEL, messages: [{ role: "user", content: PROMPT }] }));
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${url}/v1/chat/completions`,
      { method: "POST", agent, headers: { authorization: `Bearer ${key}`, "content-type": "application/json", "content-length": String(body.length) } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () => (res.statusCode === 200 && text.includes(EXPECT) ? resolve() : reject(new Error(`raw: ${res.statusCode} ${text}`))));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

function report(times: Map<string, number[]>, own: Map<string, Own>): void {
  const rows = [...times].map(([name, t]) => [name, ms(median(t), 1), ms(quantile(t, 0.95), 1), ms(Math.min(...t), 1), ms(Math.max(...t), 1)]);
  console.log(`## Wall time of one non-streaming chat completion, ${flags.rounds} interleaved rounds\n`);
  console.log(table(["path", "median ms", "p95 ms", "min ms", "max ms"], rows) + "\n");
  const m = (name: string) => median(times.get(name)!);
  const asHttp = m("gateway app-server (openai client)");
  const exHttp = m("gateway exec (openai client)");
  const bare = m("bare codex exec (same flags)");
  const asDirect = m("direct app-server (lane adapter, no HTTP)");
  const exDirect = m("direct exec (lane adapter, no HTTP)");
  const asRaw = m("gateway app-server (raw node:http)");
  console.log("## Differences at the median\n");
  console.log(
    table(
      ["what", "ms"],
      [
        ["gateway app-server minus bare codex exec (target: below 0)", plus(asHttp - bare, 1)],
        ["gateway exec minus bare codex exec", plus(exHttp - bare, 1)],
        ["gateway added time, app-server: raw node:http minus direct (target: under 5)", plus(asRaw - asDirect, 2)],
        ["gateway + openai client added time, app-server: openai client minus direct", plus(asHttp - asDirect, 2)],
        ["gateway + openai client added time, exec: openai client minus direct", plus(exHttp - exDirect, 2)],
        ["exec engine's own cost: direct exec minus bare codex exec", plus(exDirect - bare, 1)],
      ],
    ) + "\n",
  );
  console.log("## The gateway's own time, per request: client wall time minus the lane's turn inside the gateway\n");
  const ownRows = [...own].map(([name, o]) => [name, ms(median(o.total), 2), ms(quantile(o.total, 0.95), 2), ms(median(o.before), 2), ms(median(o.after), 2)]);
  console.log(table(["path", "median ms", "p95 ms", "before the turn, median ms", "after the turn, median ms"], ownRows) + "\n");
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
