// The deployed shape on a real Docker engine, for the system suite and the container benchmark: the
// fake ChatGPT backend in its own container, one worker container per account (its own volume at
// /codex-home, its own token, no published port), and the gateway (its own /data volume, worker
// tokens and the admin key by environment, 8787 published on 127.0.0.1 only). Accounts and workers
// live on an `--internal` network; the gateway and the fake also join a plain bridge network, only
// because Docker publishes no port of a container that sits on internal networks alone.

import { randomBytes } from "node:crypto";
import {
  type Container,
  type DockerRun,
  exec,
  hostPort,
  registerSecret,
  rm,
  waitExit,
  waitHealthy,
} from "./harness";

export const FAKE_ALIAS = "fake-chatgpt";
export const FAKE_PORT = 8443;
export const FAKE_CONTROL_PORT = 8444;
export const WORKER_PORT = 8790;
export const GATEWAY_PORT = 8787;
export const APP_UID = "10001";
/** Where each worker finds the fake's test CA (not a secret; copied in before start). */
const WORKER_CA_PATH = "/tmp/fake-chatgpt-ca.pem";

/**
 * An abort signal after `ms`, on a timer that keeps the process alive. AbortSignal.timeout()'s timer
 * does not: a connection that docker-proxy accepted for a container not listening yet stalls with
 * no other handle, and the process would exit with the request still pending.
 */
export function deadline(ms: number): AbortSignal {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(new Error(`timed out after ${ms} ms`)), ms);
  ctl.signal.addEventListener("abort", () => clearTimeout(timer));
  return ctl.signal;
}

export function secretToken(bytes = 24): string {
  const t = randomBytes(bytes).toString("hex");
  registerSecret(t);
  return t;
}

export function tokenEnvName(lane: string): string {
  return `WORKER_TOKEN_${lane.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

// ---------------------------------------------------------------------------------------------------
// The fake backend's control API (test/fakes/serve-chatgpt.ts), through its published port

export interface FakeRequestSummary {
  accountId: string;
  transport: string;
  lastUserText: string;
  scenario: string;
  at: number;
}

export class FakeControl {
  constructor(
    readonly url: string,
    private readonly token: string,
  ) {}

  async call<T>(method: "GET" | "POST", route: string, body?: unknown, timeoutMs = 10_000): Promise<T> {
    const res = await fetch(`${this.url}/__control/${route}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: deadline(timeoutMs),
    });
    const text = await res.text();
    // Never echo a body here: /auth answers with tokens.
    if (!res.ok) throw new Error(`fake control ${method} ${route}: HTTP ${res.status}`);
    return (res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text) as T;
  }

  ca(): Promise<string> {
    return this.call("GET", "ca");
  }
  codex(): Promise<{ config: Record<string, string>; env: Record<string, string> }> {
    return this.call("GET", "codex");
  }
  addAccount(accountId: string, email: string, plan = "plus"): Promise<unknown> {
    return this.call("POST", "account", { accountId, email, plan });
  }
  setScenario(accountId: string, scenario: string | Record<string, unknown>): Promise<unknown> {
    return this.call("POST", "scenario", { accountId, scenario });
  }
  async authJson(accountId: string): Promise<string> {
    return (await this.call<{ authJson: string }>("POST", "auth", { accountId })).authJson;
  }
  pendingDeviceCodes(): Promise<{ pending: string[] }> {
    return this.call("GET", "device-codes");
  }
  approve(userCode: string, accountId: string): Promise<unknown> {
    return this.call("POST", "approve", { userCode, accountId });
  }
  requests(): Promise<FakeRequestSummary[]> {
    return this.call("GET", "requests");
  }
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${what}: not ready after ${timeoutMs} ms${last ? ` (${(last as Error).message})` : ""}`);
}

// ---------------------------------------------------------------------------------------------------
// Starting the system

export interface Images {
  gateway: string;
  worker: string;
  fake: string;
}

export interface Worker {
  lane: string;
  accountId: string;
  email: string;
  /** Its network alias, e.g. worker-plus-a. */
  alias: string;
  container: Container;
  volume: string;
  token: string;
}

export interface System {
  privateNet: string;
  frontNet: string;
  fake: Container;
  control: FakeControl;
  workers: Worker[];
  gateway: Container;
  gatewayUrl: string;
  adminKey: string;
  /** A client key made with `codex-lanes keys create ci` inside the gateway container. */
  clientKey: string;
}

export interface SystemOptions {
  /** Lane names, in fallback order; each gets its own worker and fake account. */
  lanes: string[];
  /** Health-probe interval of the containers (the images probe every 15 s). */
  healthIntervalMs?: number;
  /** Lanes whose worker starts signed out, to be signed in through the gateway. */
  signedOut?: string[];
}

export async function startFake(run: DockerRun, images: Images, nets: { privateNet: string; frontNet: string }): Promise<{ fake: Container; control: FakeControl }> {
  const controlToken = secretToken();
  const fake = await run.run({
    name: "fake-chatgpt",
    image: images.fake,
    networks: [{ network: nets.frontNet }, { network: nets.privateNet, aliases: [FAKE_ALIAS] }],
    env: { FAKE_CHATGPT_HOST: FAKE_ALIAS, FAKE_CHATGPT_PORT: String(FAKE_PORT), FAKE_CHATGPT_CONTROL_PORT: String(FAKE_CONTROL_PORT) },
    secretEnv: { FAKE_CHATGPT_CONTROL_TOKEN: controlToken },
    publish: [FAKE_CONTROL_PORT],
  });
  const control = new FakeControl(`http://127.0.0.1:${await hostPort(fake.name, FAKE_CONTROL_PORT)}`, controlToken);
  await waitFor("fake ChatGPT backend", 30_000, async () => ((await control.call<{ origin: string }>("GET", "health", undefined, 1_000)).origin ? true : undefined));
  return { fake, control };
}

/** The worker's command line: `codex-lanes worker` plus the -c overrides that point Codex at the fake. */
function workerCommand(lane: string, config: Record<string, string>): string[] {
  return ["node", "gateway/bin/codex-lanes.cjs", "worker", "--name", lane, ...Object.entries(config).flatMap(([k, v]) => ["-c", `${k}=${v}`])];
}

/**
 * Writes an account's auth.json into its (fresh) volume, owned by the image's user, mode 0600, before
 * its worker ever starts: a one-shot container of the worker image gets the file by `docker cp` and
 * fixes owner and mode as root. (`docker cp --archive` would keep the owner, but Docker 20.10 cannot
 * resolve the container's user in a container that is not running.)
 */
export async function seedAuth(run: DockerRun, image: string, volume: string, lane: string, authJson: string): Promise<void> {
  const path = "/codex-home/auth.json";
  const seed = await run.run({
    name: `seed-${lane}`,
    image,
    user: "0:0",
    volumes: [{ source: volume, target: "/codex-home" }],
    files: [{ path, content: authJson, mode: 0o600 }],
    command: ["sh", "-c", `chown ${APP_UID}:${APP_UID} ${path} && chmod 0600 ${path}`],
  });
  const code = await waitExit(seed.name, 30_000);
  await rm(seed.name);
  if (code !== 0) throw new Error(`seeding auth.json into ${volume} failed (exit ${code})`);
}

/**
 * Creates a worker container for one account, signed in beforehand (unless signIn is false) with
 * fake tokens from the control API written into its own volume.
 */
export async function startWorker(
  run: DockerRun,
  images: Images,
  privateNet: string,
  control: FakeControl,
  lane: string,
  opts: { healthIntervalMs?: number; signIn?: boolean; extraArgs?: string[] } = {},
): Promise<Worker> {
  const accountId = `acct-${lane}`;
  const email = `${lane}@example.test`;
  await control.addAccount(accountId, email);
  const [ca, codex] = await Promise.all([control.ca(), control.codex()]);
  const volume = await run.createVolume(`home-${lane}`);
  const token = secretToken();
  const alias = `worker-${lane}`;
  if (opts.signIn !== false) {
    const auth = await control.authJson(accountId);
    const tokens = (JSON.parse(auth) as { tokens: Record<string, string> }).tokens;
    for (const [k, v] of Object.entries(tokens)) if (k !== "account_id" && typeof v === "string") registerSecret(v);
    await seedAuth(run, images.worker, volume, lane, auth);
  }
  const container = await run.run({
    name: alias,
    image: images.worker,
    networks: [{ network: privateNet, aliases: [alias] }],
    env: { ...codex.env, CODEX_CA_CERTIFICATE: WORKER_CA_PATH },
    secretEnv: { CODEX_LANES_WORKER_TOKEN: token },
    volumes: [{ source: volume, target: "/codex-home" }],
    files: [{ path: WORKER_CA_PATH, content: ca, mode: 0o644 }],
    healthIntervalMs: opts.healthIntervalMs ?? 250,
    command: workerCommand(lane, codex.config),
    extraArgs: opts.extraArgs,
  });
  return { lane, accountId, email, alias, container, volume, token };
}

export function gatewayConfig(workers: Worker[]): string {
  return JSON.stringify(
    {
      listen: { host: "0.0.0.0", port: GATEWAY_PORT },
      dataDir: "/data",
      lanes: workers.map((w) => ({ name: w.lane, type: "codex", worker: { url: `http://${w.alias}:${WORKER_PORT}`, tokenEnv: tokenEnvName(w.lane) } })),
    },
    null,
    2,
  );
}

export async function startGateway(
  run: DockerRun,
  images: Images,
  nets: { privateNet: string; frontNet: string },
  workers: Worker[],
  opts: { healthIntervalMs?: number } = {},
): Promise<{ gateway: Container; gatewayUrl: string; adminKey: string; clientKey: string }> {
  const adminKey = secretToken(32);
  const data = await run.createVolume("gateway-data");
  const gateway = await run.run({
    name: "gateway",
    image: images.gateway,
    networks: [{ network: nets.frontNet }, { network: nets.privateNet }],
    secretEnv: { CODEX_LANES_ADMIN_KEY: adminKey, ...Object.fromEntries(workers.map((w) => [tokenEnvName(w.lane), w.token])) },
    volumes: [{ source: data, target: "/data" }],
    files: [{ path: "/etc/codex-lanes/config.json", content: gatewayConfig(workers), mode: 0o644 }],
    publish: [GATEWAY_PORT],
    healthIntervalMs: opts.healthIntervalMs ?? 250,
  });
  await waitHealthy(gateway.name, { timeoutMs: 90_000 });
  const gatewayUrl = `http://127.0.0.1:${await hostPort(gateway.name, GATEWAY_PORT)}`;
  const created = await exec(gateway.name, ["node", "gateway/bin/codex-lanes.cjs", "keys", "create", "ci"]);
  if (created.code !== 0) throw new Error(`keys create ci failed (exit ${created.code}): ${created.stderr.trim().split("\n").slice(-5).join("\n")}`);
  const clientKey = created.stdout.trim().split("\n").at(-1) ?? "";
  registerSecret(clientKey);
  if (clientKey.length < 20) throw new Error("keys create ci printed no key on its last line");
  return { gateway, gatewayUrl, adminKey, clientKey };
}

/** Starts the fake, one worker per lane and the gateway; every resource belongs to `run`. */
export async function startSystem(run: DockerRun, images: Images, opts: SystemOptions): Promise<System> {
  const privateNet = await run.createNetwork("private", { internal: true });
  const frontNet = await run.createNetwork("front");
  const nets = { privateNet, frontNet };
  const { fake, control } = await startFake(run, images, nets);
  const workers: Worker[] = [];
  for (const lane of opts.lanes) {
    workers.push(await startWorker(run, images, privateNet, control, lane, { healthIntervalMs: opts.healthIntervalMs, signIn: !opts.signedOut?.includes(lane) }));
  }
  await Promise.all(workers.map((w) => waitHealthy(w.container.name, { timeoutMs: 90_000 })));
  const gw = await startGateway(run, images, nets, workers, { healthIntervalMs: opts.healthIntervalMs });
  return { privateNet, frontNet, fake, control, workers, ...gw };
}

/** GET an admin route of the gateway with the admin key. */
export async function admin<T>(sys: Pick<System, "gatewayUrl" | "adminKey">, route: string): Promise<T> {
  const res = await fetch(`${sys.gatewayUrl}/admin/${route}`, { headers: { authorization: `Bearer ${sys.adminKey}` }, signal: deadline(20_000) });
  if (!res.ok) throw new Error(`GET /admin/${route}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

/**
 * Calls a worker's /health from inside another container over the private network, with a token
 * passed by name (never on an argv). Resolves with the HTTP status and the body.
 */
export async function healthFrom(container: string, url: string, token: string | null): Promise<{ status: number; body: string }> {
  const script =
    "const t=process.env.PROBE_TOKEN;" +
    "fetch(process.env.PROBE_URL,{headers:t?{authorization:'Bearer '+t}:{},signal:AbortSignal.timeout(8000)})" +
    ".then(async r=>{process.stdout.write(JSON.stringify({status:r.status,body:await r.text()}))})" +
    ".catch(e=>{process.stdout.write(JSON.stringify({status:0,body:String(e&&e.cause&&e.cause.code||e)}))})";
  const env: Record<string, string> = { PROBE_URL: url };
  if (token) env.PROBE_TOKEN = token;
  const r = await exec(container, ["node", "-e", script], { env, timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`probe in ${container} failed (exit ${r.code}): ${r.stderr.trim().slice(-300)}`);
  return JSON.parse(r.stdout) as { status: number; body: string };
}
