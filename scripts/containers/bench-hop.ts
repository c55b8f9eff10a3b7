// Benchmark for the README: what the container hop costs. The same chat turn, timed from the host
// client, in two shapes, interleaved:
//
//   containers: client -> 127.0.0.1 published port -> gateway container -> worker container
//               (private network) -> codex app-server -> fake ChatGPT backend container
//   local:      client -> gateway process on the host -> codex app-server child -> fake backend
//               process on the host
//
// Both gateways run the same code with the same defaults; both backends are test/fakes/serve-chatgpt.ts
// in a process of its own. A turn's time is dominated by Codex itself and varies by tens of ms from
// turn to turn (more on a busy host), so the hop is also measured on its own:
//   - GET /healthz on each gateway (no lane involved): what the published port costs;
//   - the worker's HTTP round trip (an unauthenticated GET, answered 401 before any work) from the
//     gateway container over the private network, against the same request on the worker's loopback;
//   - the same worker turn (POST /turn) sent from the gateway container over the private network and
//     from inside the worker container on loopback, in alternating blocks: one app-server, with and
//     without the network hop.
// Prints medians and percentiles, and the host's load average (other work on the host shows up).
//
// CPU fairness: on a cgroup-v1 host (Docker's cgroupfs driver), every container sits in the one
// `docker` cpu cgroup, which weighs as much as a single process of the root cgroup. When anything else
// keeps the host busy (Codex's own threads count), the containers get a fraction of the CPU the local
// processes get, and a turn in containers looked 2-3x slower for reasons that have nothing to do with
// the hop. So, when it can (root, cgroup v1), this script moves the local-mode processes into the
// `docker` cpu cgroup too, as tasks next to the containers' groups: the same scheduling for both
// shapes. They leave it when they exit. --no-cgroup turns that off.
//
//   node --import tsx scripts/containers/bench-hop.ts [--turns 60] [--warmup 5] [--pings 200] [--no-cgroup]

import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { DockerRun, REPO_ROOT, buildProjectImages, exec, imageSize, prepareBaseImages } from "../../test/containers/harness";
import { FakeControl, WORKER_PORT, type System, deadline, startSystem } from "../../test/containers/system";

const { values } = parseArgs({
  options: {
    turns: { type: "string", default: "60" },
    warmup: { type: "string", default: "5" },
    pings: { type: "string", default: "200" },
    "no-cgroup": { type: "boolean", default: false },
  },
});
const TURNS = Number(values.turns);
const WARMUP = Number(values.warmup);
const PINGS = Number(values.pings);
const CLI = path.join(REPO_ROOT, "gateway/bin/codex-lanes.cjs");
const MODEL = "gpt-5.5";

interface Target {
  label: string;
  url: string;
  key: string;
}

// ---------------------------------------------------------------------------------------------------
// Statistics

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

function summary(xs: number[]): string {
  const f = (n: number) => n.toFixed(1);
  return `median ${f(quantile(xs, 0.5))} ms (p10 ${f(quantile(xs, 0.1))}, p90 ${f(quantile(xs, 0.9))}, n=${xs.length})`;
}

// ---------------------------------------------------------------------------------------------------
// Timed calls

async function turn(t: Target, i: number): Promise<number> {
  const text = `bench turn ${i}`;
  const started = performance.now();
  const res = await fetch(`${t.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${t.key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: MODEL, messages: [{ role: "user", content: text }] }),
    signal: deadline(60_000),
  });
  const body = (await res.json()) as { choices?: Array<{ message?: { content?: string } }> };
  const ms = performance.now() - started;
  const answer = body.choices?.[0]?.message?.content;
  if (res.status !== 200 || answer !== `echo: ${text}`) throw new Error(`${t.label}: turn ${i} failed (HTTP ${res.status})`);
  return ms;
}

async function ping(t: Target): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${t.url}/healthz`, { signal: deadline(10_000) });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`${t.label}: /healthz answered ${res.status}`);
  return performance.now() - started;
}

/** Runs `fn` for both targets, alternating which goes first, and collects each one's times. */
async function interleaved(targets: [Target, Target], n: number, fn: (t: Target, i: number) => Promise<number>): Promise<[number[], number[]]> {
  const out: [number[], number[]] = [[], []];
  for (let i = 0; i < n; i++) {
    const order = i % 2 === 0 ? [0, 1] : [1, 0];
    for (const k of order) out[k as 0 | 1].push(await fn(targets[k as 0 | 1], i));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Inside Docker: timed from a container with `docker exec node -e` (the images have Node, no curl)

/** Times `n` requests from inside `container`; the worker token travels by environment name only. */
async function timedFrom(container: string, url: string, n: number, kind: "ping" | "turn", token: string, offset: number): Promise<number[]> {
  const script = `
    const turn = process.env.KIND === "turn";
    (async () => {
      const out = [];
      for (let i = 0; i < Number(process.env.N); i++) {
        const text = "hop " + (Number(process.env.OFFSET) + i);
        const started = performance.now();
        const res = await fetch(process.env.URL, turn
          ? { method: "POST", headers: { authorization: "Bearer " + process.env.TOKEN, "content-type": "application/json" },
              body: JSON.stringify({ model: "${MODEL}", messages: [{ role: "user", content: [{ type: "text", text }] }], stream: false }) }
          : {});
        const body = await res.text();
        out.push(performance.now() - started);
        if (turn ? !body.includes('"usage"') : res.status !== 401) { console.error("unexpected answer: HTTP " + res.status); process.exit(1); }
      }
      process.stdout.write(JSON.stringify(out));
    })();`;
  const r = await exec(container, ["node", "-e", script], { env: { URL: url, N: String(n), KIND: kind, TOKEN: token, OFFSET: String(offset) }, timeoutMs: 300_000 });
  if (r.code !== 0) throw new Error(`timing from ${container} failed: ${r.stderr.trim().slice(-300)}`);
  return JSON.parse(r.stdout) as number[];
}

interface HopTimes {
  pingBridge: number[];
  pingLoop: number[];
  turnBridge: number[];
  turnLoop: number[];
}

/** The worker hop alone: the same requests over the private network and on the worker's loopback. */
async function hopTimes(sys: System, blocks: number, pingsPerBlock: number, turnsPerBlock: number): Promise<HopTimes> {
  const w = sys.workers[0]!;
  const bridge = { container: sys.gateway.name, base: `http://${w.alias}:${WORKER_PORT}` };
  const loop = { container: w.container.name, base: `http://127.0.0.1:${WORKER_PORT}` };
  const t: HopTimes = { pingBridge: [], pingLoop: [], turnBridge: [], turnLoop: [] };
  let offset = 0;
  for (let b = 0; b < blocks; b++) {
    const order = b % 2 === 0 ? [bridge, loop] : [loop, bridge];
    for (const via of order) {
      const pings = await timedFrom(via.container, `${via.base}/health`, pingsPerBlock, "ping", "", 0);
      // The first request of each process opens its connection: not counted.
      (via === bridge ? t.pingBridge : t.pingLoop).push(...pings.slice(1));
      const turns = await timedFrom(via.container, `${via.base}/turn`, turnsPerBlock, "turn", w.token, (offset += turnsPerBlock));
      (via === bridge ? t.turnBridge : t.turnLoop).push(...turns.slice(1));
    }
  }
  return t;
}

// ---------------------------------------------------------------------------------------------------
// The local-mode processes in Docker's cpu cgroup (cgroup v1 only)

interface CpuGroup {
  add(pid: number): void;
}

/** Docker's own cpu cgroup (cgroup v1), when this process may add tasks to it. */
function dockerCpuGroup(): CpuGroup | null {
  const procs = "/sys/fs/cgroup/cpu/docker/cgroup.procs";
  if (values["no-cgroup"] || !fs.existsSync(procs)) return null;
  try {
    fs.accessSync(procs, fs.constants.W_OK);
  } catch {
    return null;
  }
  return { add: (pid) => fs.writeFileSync(procs, String(pid)) };
}

// ---------------------------------------------------------------------------------------------------
// Local mode: the fake backend and the gateway as processes on this host

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env, timeout: 60_000, encoding: "utf8" }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${path.basename(args[0] ?? cmd)} ${args.slice(1, 3).join(" ")} failed: ${stderr.trim().split("\n").slice(-3).join(" / ")}`));
      else resolve(stdout);
    });
  });
}

/** Spawns a process and resolves with it and the first stdout line matching `ready`. */
function spawnUntil(
  cmd: string, args: string[], env: NodeJS.ProcessEnv, ready: RegExp, group: CpuGroup | null,
): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    // Before it starts any child of its own (the gateway's app-server), so those inherit the group.
    if (group && child.pid) group.add(child.pid);
    let buf = "";
    let err = "";
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`${args[args.length - 1]} did not start in 60 s: ${err.slice(-300)}`));
    }, 60_000);
    child.stderr.on("data", (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
    child.stdout.on("data", (d: Buffer) => {
      buf += d.toString();
      const m = ready.exec(buf);
      if (m) {
        clearTimeout(timer);
        child.stdout.removeAllListeners("data");
        child.stdout.resume();
        resolve({ child, match: m });
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${args[args.length - 1]} exited with ${code}: ${err.slice(-300)}`));
    });
  });
}

interface Local {
  target: Target;
  close(): Promise<void>;
}

async function startLocal(group: CpuGroup | null): Promise<Local> {
  const base = path.join(os.homedir(), ".codex-lanes-test");
  fs.mkdirSync(base, { recursive: true });
  // Outside /tmp: Codex warns about CODEX_HOMEs under temporary directories.
  const dir = fs.mkdtempSync(path.join(base, "bench-hop-"));
  const children: ChildProcess[] = [];
  const close = async () => {
    for (const c of children.reverse()) {
      if (c.exitCode !== null) continue;
      const exited = new Promise((r) => c.once("exit", r));
      c.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (c.exitCode === null) c.kill("SIGKILL");
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const controlToken = randomBytes(24).toString("hex");
    const env = { ...process.env };
    for (const k of Object.keys(env)) if (/^(CODEX_LANES_|CODEX_HOME$|CODEX_API_KEY$|OPENAI_API_KEY$)/.test(k)) delete env[k];
    const fake = await spawnUntil(
      process.execPath,
      ["--import", "tsx", path.join(REPO_ROOT, "test/fakes/serve-chatgpt.ts")],
      {
        ...env,
        FAKE_CHATGPT_HOST: "localhost",
        FAKE_CHATGPT_LISTEN: "127.0.0.1",
        FAKE_CHATGPT_PORT: "0",
        FAKE_CHATGPT_CONTROL_PORT: "0",
        FAKE_CHATGPT_CONTROL_TOKEN: controlToken,
        FAKE_CHATGPT_DIR: path.join(dir, "fake"),
      },
      /control on (http:\/\/\S+)/,
      group,
    );
    children.push(fake.child);
    const control = new FakeControl(fake.match[1]!, controlToken);
    await control.addAccount("acct-local", "local@example.test");
    const codex = await control.codex();
    const home = path.join(dir, "home");
    fs.mkdirSync(home, { mode: 0o700 });
    fs.writeFileSync(path.join(home, "auth.json"), await control.authJson("acct-local"), { mode: 0o600 });

    const configPath = path.join(dir, "config.json");
    const config = {
      listen: { host: "127.0.0.1", port: 0 },
      dataDir: path.join(dir, "data"),
      lanes: [{ name: "local-a", type: "codex", home, engine: "app-server", config: codex.config, env: codex.env }],
    };
    fs.writeFileSync(configPath, JSON.stringify(config, null, 2), { mode: 0o600 });
    const key = (await run(process.execPath, [CLI, "keys", "create", "bench", "--config", configPath], env)).trim().split("\n").at(-1)!;
    const gw = await spawnUntil(process.execPath, [CLI, "serve", "--config", configPath], env, /"msg":"codex-lanes listening","url":"(http:\/\/[^"]+)"/, group);
    children.push(gw.child);
    return { target: { label: "local", url: gw.match[1]!, key }, close };
  } catch (err) {
    await close();
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const bases = await prepareBaseImages();
  const images = await buildProjectImages(bases);
  console.log(`base: ${bases.baseImage} (build stage: ${bases.buildImage})`);
  for (const tag of [bases.baseImage, images.gateway, images.worker, images.fake]) {
    console.log(`size ${tag}: ${((await imageSize(tag)) / 1e6).toFixed(0)} MB`);
  }

  const dockerRun = new DockerRun();
  let local: Local | null = null;
  const group = dockerCpuGroup();
  console.log(group ? "local-mode processes: in Docker's cpu cgroup, next to the containers" : "local-mode processes: in the host's own cpu cgroup (containers may get less CPU)");
  const load = () => `load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")} on ${os.cpus().length} CPUs`;
  console.log(`host before: ${load()}`);
  try {
    const startedAt = performance.now();
    const sys = await startSystem(dockerRun, images, { lanes: ["plus-a"] });
    console.log(`containers up (fake, worker signed in and healthy, gateway healthy): ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
    local = await startLocal(group);
    const targets: [Target, Target] = [local.target, { label: "containers", url: sys.gatewayUrl, key: sys.clientKey }];

    // The first turns start each app-server and fill caches; they are not counted.
    await interleaved(targets, WARMUP, (t, i) => turn(t, -1 - i));
    const [localTurns, containerTurns] = await interleaved(targets, TURNS, turn);
    const [localPings, containerPings] = await interleaved(targets, PINGS, (t) => ping(t));

    const hop = await hopTimes(sys, 6, Math.ceil(PINGS / 6) + 1, Math.ceil(TURNS / 6) + 1);

    const med = (xs: number[]) => quantile(xs, 0.5);
    console.log("");
    console.log(`host after: ${load()}`);
    console.log(`turn, local gateway + local app-server lane:      ${summary(localTurns)}`);
    console.log(`turn, gateway container -> worker container:      ${summary(containerTurns)}`);
    console.log(`  difference of medians:                          ${(med(containerTurns) - med(localTurns)).toFixed(1)} ms`);
    console.log(`GET /healthz, local gateway:                      ${summary(localPings)}`);
    console.log(`GET /healthz, gateway container (published port): ${summary(containerPings)}`);
    console.log(`  difference of medians (published port + container): ${(med(containerPings) - med(localPings)).toFixed(2)} ms`);
    console.log(`worker round trip (401), gateway container -> worker over the private network: ${summary(hop.pingBridge)}`);
    console.log(`worker round trip (401), inside the worker on loopback:                       ${summary(hop.pingLoop)}`);
    console.log(`  difference of medians (the network hop):                                    ${(med(hop.pingBridge) - med(hop.pingLoop)).toFixed(2)} ms`);
    console.log(`worker turn, from the gateway container over the private network: ${summary(hop.turnBridge)}`);
    console.log(`worker turn, inside the worker container on loopback:             ${summary(hop.turnLoop)}`);
    console.log(`  difference of medians:                                          ${(med(hop.turnBridge) - med(hop.turnLoop)).toFixed(1)} ms`);
  } finally {
    await local?.close();
    await dockerRun.cleanup();
  }
}

main().catch((err: Error) => {
  console.error(`bench-hop: ${err.message}`);
  process.exitCode = 1;
});
