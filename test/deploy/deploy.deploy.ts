// The local end-to-end deploy test (`npm run test:deploy`): the real Pulumi program, its mocks acting
// for real (cloud.ts), then checks through HTTPS as a user would make them, then the lifecycle.
// See scripts/deploy-test/README.md for what it proves and what it cannot.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { startFakeChatGPT, type FakeChatGPT } from "../fakes/chatgpt";
import { Cloud, type CloudOptions } from "./cloud";
import { remoteRun, type Connection } from "./ssh";
import type { UpRequest } from "./up";

const execFileP = promisify(execFile);
const REPO = path.resolve(__dirname, "..", "..");
const RUN = randomBytes(3).toString("hex");
const PREFIX = `10.213.${1 + (parseInt(RUN.slice(0, 2), 16) % 250)}`;
const NETWORK = `codex-lanes-deploy-${RUN}`;
const DOMAIN = "gateway.codex-lanes.test";
const ACME_IP = `${PREFIX}.5`;
const LABEL = `codex-lanes-deploy=${RUN}`;
const IMAGES = {
  vps: process.env.CODEX_LANES_DEPLOY_VPS_IMAGE ?? "codex-lanes-test-vps:bookworm",
  caddy: process.env.CODEX_LANES_DEPLOY_CADDY_IMAGE ?? "codex-lanes-test-caddy:local",
  node: process.env.CODEX_LANES_DEPLOY_NODE_IMAGE ?? "codex-lanes-test-node:local",
};
/** The Codex CLI pin the upgrade step moves to: the patch release after the project's pin. */
const UPGRADED_CODEX = "0.169.1";
const work = fs.mkdtempSync(path.join(os.tmpdir(), "codex-lanes-deploy-"));
const stateFile = path.join(work, "state.json");
const pulumiHome = path.join(work, "pulumi-home");
const timings: Record<string, number> = {};
const benchmark: Record<string, unknown> = {};

let fake: FakeChatGPT;
/** The stack's `gateway` setting, from the step that sets it on. */
let gatewaySettings: Record<string, unknown> | undefined;
let acmeRoot = "";
let sshPrivateKey = "";
let sshPublicKey = "";
let outputs: Record<string, any> = {};

function docker(...args: string[]): string {
  return execFileSync("docker", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(1_000);
  }
}

function cloudOptions(replace: string[] = []): CloudOptions {
  return {
    runId: RUN,
    network: NETWORK,
    subnetPrefix: PREFIX,
    vpsImage: IMAGES.vps,
    domain: DOMAIN,
    preloadImages: [IMAGES.node, IMAGES.caddy],
    workDir: path.join(work, "cloud"),
    stateFile,
    replace,
    rootCacheVolume: process.env.CODEX_LANES_DEPLOY_COLD === "1" ? undefined : "codex-lanes-deploy-vps-cache",
    fake: {
      ip: `${PREFIX}.1`,
      host: "fake-chatgpt",
      env: fake.codexEnv(),
      config: fake.codexConfig(),
      caPem: fs.readFileSync(fake.caPath, "utf8"),
    },
  };
}

function stackConfig(accounts: string[], repoDir = REPO): Record<string, unknown> {
  return {
    sshPublicKey,
    sshPrivateKey,
    adminCidrs: [`${PREFIX}.0/24`],
    domain: DOMAIN,
    acmeCa: `https://${ACME_IP}/acme/local/directory`,
    acmeCaRoot: acmeRoot,
    accounts: accounts.map((name) => ({ name, plan: "plus" })),
    nodeImage: IMAGES.node,
    caddyImage: IMAGES.caddy,
    repoDir,
    ...(gatewaySettings ? { gateway: gatewaySettings } : {}),
  };
}

/** One `pulumi up` in its own process (Pulumi's runtime is global per process). */
async function pulumiUp(accounts: string[], replace: string[] = [], repoDir = REPO): Promise<Record<string, any>> {
  const req: UpRequest = {
    cloud: cloudOptions(replace),
    config: stackConfig(accounts, repoDir),
    secretKeys: ["sshPrivateKey"],
    project: "codex-lanes",
    stack: "deploy-test",
    pulumiHome,
  };
  const started = Date.now();
  const child = spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "up.ts"), JSON.stringify(req)], { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
    if (process.env.CODEX_LANES_DEPLOY_VERBOSE) process.stderr.write(d);
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), 25 * 60_000);
  const code = await new Promise<number>((resolve) => child.on("close", (c) => resolve(c ?? -1)));
  clearTimeout(timer);
  const last = stdout.trim().split("\n").at(-1) ?? "";
  const parsed = (() => {
    try {
      return JSON.parse(last) as { outputs?: Record<string, any>; error?: string };
    } catch {
      return { error: `no result (exit ${code})` };
    }
  })();
  timings[`up ${accounts.length} accounts${replace.length ? ` replace ${replace.join(",")}` : ""}${gatewaySettings ? " with gateway settings" : ""}${repoDir === REPO ? "" : " new CLI pin"}`] = Date.now() - started;
  if (!parsed.outputs) assert.fail(`pulumi up failed: ${parsed.error}\n--- last log lines ---\n${stderr.split("\n").slice(-40).join("\n")}`);
  return parsed.outputs;
}

function connection(): Connection {
  const hostKey = fs.readFileSync(path.join(pulumiHome, "codex-lanes", "codex-lanes-deploy-test", "known_hosts"), "utf8").trim().split(" ").slice(1).join(" ");
  return { host: outputs.serverIp, user: "root", privateKey: sshPrivateKey, hostKey };
}

async function onServer(command: string): Promise<string> {
  const r = await remoteRun(connection(), path.join(work, "ssh-test"), command);
  if (r.code !== 0) throw new Error(`${command}: exit ${r.code}: ${r.stderr}`);
  return r.stdout.trim();
}

/** Container name -> id on the server: a new id is a replaced container. */
async function containerIds(): Promise<Record<string, string>> {
  return Object.fromEntries((await onServer("docker ps --format '{{.Names}} {{.ID}}'")).split("\n").map((l) => l.split(" ")));
}

/** The official openai client through Caddy, in a process that trusts the local CA and resolves the domain. */
async function client(key: string): Promise<{ content: string; finish: string; chunks: string[]; hsts: string | null; error?: string }> {
  const caFile = path.join(work, "acme-root.pem");
  const { stdout } = await execFileP(
    process.execPath,
    ["--require", path.join(__dirname, "pin-host.cjs"), "--import", "tsx", path.join(__dirname, "client.ts"), `${outputs.gatewayUrl}/v1`, key],
    { cwd: REPO, env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile, PIN_HOST: DOMAIN, PIN_IP: outputs.serverIp }, timeout: 180_000 },
  ).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? "" }));
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}");
}

/** `codex-lanes login <account> --gateway <url>`: the device flow, approved at the fake as the user would. */
async function login(account: string): Promise<{ code: number; out: string }> {
  fake.addAccount({ accountId: `acct-${account}`, email: `${account}@example.test`, plan: "plus" });
  fake.setDeviceAutoApprove({ accountId: `acct-${account}`, afterPolls: 1 });
  const caFile = path.join(work, "acme-root.pem");
  const r = await execFileP(
    process.execPath,
    ["--require", path.join(__dirname, "pin-host.cjs"), "gateway/bin/codex-lanes.cjs", "login", account, "--gateway", outputs.gatewayUrl],
    {
      cwd: REPO,
      env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile, PIN_HOST: DOMAIN, PIN_IP: outputs.serverIp, CODEX_LANES_ADMIN_KEY: outputs.adminKey },
      timeout: 180_000,
    },
  ).then(
    (x) => ({ code: 0, out: x.stdout + x.stderr }),
    (err: { code?: number; stdout?: string; stderr?: string }) => ({ code: typeof err.code === "number" ? err.code : 1, out: `${err.stdout ?? ""}${err.stderr ?? ""}` }),
  );
  fake.setDeviceAutoApprove(undefined);
  return r;
}

/**
 * This checkout with the Codex CLI pin moved to `version` in package.json and package-lock.json, as
 * `git pull` of a new pin brings it: the lock is resolved by npm from the registry, nothing installed.
 */
async function checkoutWithCodexPin(version: string): Promise<string> {
  const dir = path.join(work, `repo-codex-${version}`);
  const skip = new Set(["node_modules", ".git"]);
  fs.cpSync(REPO, dir, { recursive: true, filter: (src) => !skip.has(path.basename(src)) });
  await execFileP("npm", ["install", "--package-lock-only", "--ignore-scripts", "--save-exact", "--no-audit", "--no-fund", `@openai/codex@${version}`], {
    cwd: dir,
    timeout: 180_000,
  });
  return dir;
}

function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port, timeout: 3_000 });
    s.on("connect", () => (s.destroy(), resolve(true)));
    s.on("error", () => resolve(false));
    s.on("timeout", () => (s.destroy(), resolve(false)));
  });
}

let clientKey = "";

before(async () => {
  docker("network", "create", "--subnet", `${PREFIX}.0/24`, "--label", LABEL, NETWORK);
  fake = await startFakeChatGPT({ host: `${PREFIX}.1`, publicHost: "fake-chatgpt", dir: path.join(work, "fake") });
  // The local ACME CA standing in for Let's Encrypt: Caddy's own acme_server, on the test network.
  const acmeDir = path.join(work, "acme");
  fs.mkdirSync(acmeDir, { recursive: true });
  fs.writeFileSync(path.join(acmeDir, "Caddyfile"), `https://${ACME_IP} {\n\ttls internal\n\tacme_server\n}\n`);
  docker("run", "-d", "--name", `codex-lanes-deploy-${RUN}-acme`, "--label", LABEL, "--network", NETWORK, "--ip", ACME_IP, "-v", `${acmeDir}:/etc/caddy:ro`, IMAGES.caddy);
  acmeRoot = await waitFor("the local ACME CA's root", 60_000, () => {
    try {
      return docker("exec", `codex-lanes-deploy-${RUN}-acme`, "cat", "/data/caddy/pki/authorities/local/root.crt") || undefined;
    } catch {
      return undefined;
    }
  });
  fs.writeFileSync(path.join(work, "acme-root.pem"), acmeRoot);
  const keyFile = path.join(work, "user-key");
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "deploy-test", "-f", keyFile]);
  sshPrivateKey = fs.readFileSync(keyFile, "utf8");
  sshPublicKey = fs.readFileSync(`${keyFile}.pub`, "utf8").trim();
});

after(async () => {
  if (process.env.CODEX_LANES_DEPLOY_KEEP) return;
  Cloud.cleanup(RUN, stateFile, path.join(work, "cloud"));
  await fake?.close();
  fs.rmSync(work, { recursive: true, force: true });
  process.stderr.write(`benchmark: deploy timings (ms): ${JSON.stringify(timings)}\n`);
});

describe("pulumi up on a local VPS", { concurrency: false }, () => {
  test("the first pulumi up deploys the gateway, two workers and Caddy", async () => {
    benchmark.firstUpStarted = Date.now();
    outputs = await pulumiUp(["plus-a", "plus-b"]);
    assert.equal(outputs.gatewayUrl, `https://${DOMAIN}`);
    assert.match(outputs.serverIp, new RegExp(`^${PREFIX.replace(/\./g, "\\.")}\\.\\d+$`));
    const names = (await onServer("docker ps --format '{{.Names}}'")).split("\n").sort();
    assert.deepEqual(names, ["codex-lanes-caddy", "codex-lanes-gateway", "codex-lanes-worker-plus-a", "codex-lanes-worker-plus-b"]);
    // Docker's volumes are on the data volume, as cloud-init set up.
    assert.match(await onServer("findmnt -n -o SOURCE /var/lib/docker/volumes"), /loop\d+/);
  });

  test("codex-lanes login <account> --gateway completes the device flow through HTTPS", async () => {
    for (const account of ["plus-a", "plus-b"]) {
      const r = await login(account);
      assert.equal(r.code, 0, r.out);
      assert.match(r.out, new RegExp(`${account}@example\\.test`));
    }
  });

  test("a client key, then the gateway answers from a worker backed by the fake, streaming through Caddy", async () => {
    clientKey = (await onServer("docker exec codex-lanes-gateway node gateway/bin/codex-lanes.cjs keys create deploy-test")).split("\n").at(-1) ?? "";
    assert.ok(clientKey.length > 20);
    const before = fake.requests.length;
    const r = await client(clientKey);
    const firstAnswerAfterMs = Date.now() - (benchmark.firstUpStarted as number);
    benchmark.firstAnswerAfterMs = firstAnswerAfterMs;
    process.stderr.write(`benchmark: first answered request ${firstAnswerAfterMs} ms after the first pulumi up started\n`);
    assert.equal(r.error, undefined);
    assert.ok(r.content.length > 0);
    assert.equal(r.finish, "stop");
    assert.ok(fake.requests.length > before, "the fake backend served the turn");
    assert.ok(r.chunks.filter((c) => c.length > 0).length >= 2, `expected the answer in several chunks, got ${JSON.stringify(r.chunks)}`);
    assert.equal(r.hsts, "max-age=31536000");
  });

  test("benchmark: memory of a worker (idle and during a turn) and of the gateway, in the deployed containers", async () => {
    // Reported, not asserted: the README turns these into how many accounts a cx23 holds.
    const rssKb = (text: string) => text.split("\n").reduce((sum, line) => sum + (Number(/^VmRSS:\s+(\d+)/.exec(line)?.[1]) || 0), 0);
    const sample = (container: string) => `docker exec ${container} sh -c "cat /proc/[0-9]*/status 2>/dev/null | grep ^VmRSS"`;
    const idle = rssKb(await onServer(sample("codex-lanes-worker-plus-a")));
    const gateway = rssKb(await onServer(sample("codex-lanes-gateway")));
    const loop = `for i in $(seq 1 60); do ${sample("codex-lanes-worker-plus-a")}; echo --; sleep 0.2; done`;
    const [samples] = await Promise.all([onServer(loop), client(clientKey)]);
    const peak = Math.max(...samples.split("--").map(rssKb));
    const stats = await onServer("docker stats --no-stream --format '{{.Name}} {{.MemUsage}}'");
    benchmark.memory = { workerIdleMb: Math.round(idle / 1024), workerTurnPeakMb: Math.round(peak / 1024), gatewayMb: Math.round(gateway / 1024), dockerStats: stats };
    process.stderr.write(`benchmark: ${JSON.stringify(benchmark.memory)}\n`);
    assert.ok(idle > 0 && peak >= idle);
  });

  test("no worker or gateway port is reachable from outside the private network", async () => {
    assert.equal(await portOpen(outputs.serverIp, 443), true);
    for (const port of [8787, 8790, 2375, 2376]) assert.equal(await portOpen(outputs.serverIp, port), false, `port ${port} is open`);
  });
});

describe("lifecycle", { concurrency: false }, () => {
  test("reboot: Docker waits for the volume, and everything comes back", async () => {
    const cloud = new Cloud(cloudOptions());
    cloud.reboot(cloud.serverId());
    await waitFor("the gateway after the reboot", 300_000, async () => {
      const r = await remoteRun({ ...connection(), dialErrorLimit: 1 }, path.join(work, "ssh-test"), "docker inspect -f '{{.State.Health.Status}}' codex-lanes-gateway codex-lanes-worker-plus-a codex-lanes-worker-plus-b").catch(() => null);
      return r && r.code === 0 && r.stdout.trim().split("\n").every((s) => s === "healthy") ? true : undefined;
    });
    assert.match(await onServer("systemctl show -p ActiveState --value codex-lanes-data.service"), /^active$/);
    assert.match(await onServer("findmnt -n -o SOURCE /var/lib/docker/volumes"), /loop\d+/);
    const r = await client(clientKey);
    assert.equal(r.error, undefined);
    assert.ok(r.content.length > 0);
  });

  test("replacing the server keeps sign-ins, gateway.db and certificates", async () => {
    const certBefore = await onServer("docker exec codex-lanes-caddy sh -c 'find /data/caddy/certificates -name \"*.crt\" | sort | xargs cat | sha256sum'");
    outputs = await pulumiUp(["plus-a", "plus-b"], ["host-server"]);
    // The client key lives in gateway.db: it still works, and the workers are still signed in.
    const r = await client(clientKey);
    assert.equal(r.error, undefined);
    assert.ok(r.content.length > 0);
    const certAfter = await onServer("docker exec codex-lanes-caddy sh -c 'find /data/caddy/certificates -name \"*.crt\" | sort | xargs cat | sha256sum'");
    assert.equal(certAfter, certBefore);
  });

  test("adding a third account changes only its worker and the gateway's config", async () => {
    const before = await containerIds();
    outputs = await pulumiUp(["plus-a", "plus-b", "plus-c"]);
    const afterIds = await containerIds();
    assert.equal(afterIds["codex-lanes-worker-plus-a"], before["codex-lanes-worker-plus-a"]);
    assert.equal(afterIds["codex-lanes-worker-plus-b"], before["codex-lanes-worker-plus-b"]);
    assert.equal(afterIds["codex-lanes-caddy"], before["codex-lanes-caddy"]);
    assert.notEqual(afterIds["codex-lanes-gateway"], before["codex-lanes-gateway"]);
    assert.ok(afterIds["codex-lanes-worker-plus-c"]);
    const config = JSON.parse(await onServer("docker exec codex-lanes-gateway cat /etc/codex-lanes/config.json"));
    assert.deepEqual(config.lanes.map((l: { name: string }) => l.name), ["plus-a", "plus-b", "plus-c"]);
  });

  test("gateway settings reach the gateway's config and every worker's command; those containers are replaced", async () => {
    const workers = ["plus-a", "plus-b", "plus-c"].map((a) => `codex-lanes-worker-${a}`);
    const before = await containerIds();
    gatewaySettings = { limits: { turnTimeoutMs: 900000, keepThreadMs: 0 }, log: { retentionDays: 30 } };
    outputs = await pulumiUp(["plus-a", "plus-b", "plus-c"]);
    const afterIds = await containerIds();
    assert.equal(afterIds["codex-lanes-caddy"], before["codex-lanes-caddy"]);
    for (const c of ["codex-lanes-gateway", ...workers]) assert.ok(afterIds[c] && afterIds[c] !== before[c], `${c} was replaced`);
    const config = JSON.parse(await onServer("docker exec codex-lanes-gateway cat /etc/codex-lanes/config.json"));
    assert.deepEqual([config.limits, config.log], [{ turnTimeoutMs: 900000, keepThreadMs: 0 }, { retentionDays: 30 }]);
    for (const w of workers) {
      const cmd = JSON.parse(await onServer(`docker inspect -f '{{json .Config.Cmd}}' ${w}`)) as string[];
      assert.deepEqual(cmd.slice(0, 7), ["node", "gateway/bin/codex-lanes.cjs", "worker", "--turn-timeout-ms", "900000", "--keep-thread-ms", "0"], w);
    }
    // The gateway took its config (it is healthy, or pulumi up would have failed) and still answers through a worker.
    const r = await client(clientKey);
    assert.equal(r.error, undefined);
    assert.ok(r.content.length > 0);
  });

  test("upgrading the Codex CLI pin rebuilds the workers, and sign-ins survive", async () => {
    const workers = ["plus-a", "plus-b", "plus-c"].map((a) => `codex-lanes-worker-${a}`);
    const before = await containerIds();
    const pinned = await onServer(`docker exec ${workers[0]} codex --version`);
    assert.ok(!pinned.endsWith(UPGRADED_CODEX), `the workers already run ${pinned}`);
    outputs = await pulumiUp(["plus-a", "plus-b", "plus-c"], [], await checkoutWithCodexPin(UPGRADED_CODEX));
    const afterIds = await containerIds();
    for (const w of workers) {
      assert.ok(afterIds[w] && afterIds[w] !== before[w], `${w} was replaced`);
      assert.match(await onServer(`docker exec ${w} codex --version`), new RegExp(`${UPGRADED_CODEX.replace(/\./g, "\\.")}$`), w);
    }
    // The sign-ins on the accounts' volumes survive: the new Codex reads them as they are...
    for (const w of workers.slice(0, 2)) assert.match(await onServer(`docker exec ${w} codex login status 2>&1`), /Logged in using ChatGPT/, w);
    // ...and the client's next request is served by the new CLI on the first account, with no new sign-in.
    const seen = fake.requests.length;
    const r = await client(clientKey);
    assert.equal(r.error, undefined);
    assert.ok(r.content.length > 0);
    const served = fake.requests.slice(seen).filter((q) => q.accountId === "acct-plus-a");
    assert.ok(served.length > 0, "plus-a served the turn");
    assert.ok(served.every((q) => q.headers.version === UPGRADED_CODEX), JSON.stringify(served.map((q) => q.headers.version)));
  });
});
