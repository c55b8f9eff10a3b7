// Helpers over the `docker` CLI for the container tests. Every container, network and volume a test
// creates carries the label codex-lanes-test=<runId>, so cleanupRun(runId) can remove all of them, also
// after a failure. Secrets never go on an argv: environment values reach `docker create` / `docker exec`
// as `-e NAME` with the value in the docker CLI's own environment, and files go in through `docker cp`.

import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { maskTokens } from "../../gateway/lanes";

export const TEST_LABEL = "codex-lanes-test";
export const REPO_ROOT = path.resolve(__dirname, "..", "..");

const DEFAULT_TIMEOUT_MS = 60_000;
const BUILD_TIMEOUT_MS = 30 * 60_000;
const MAX_BUFFER = 64 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------------
// Errors and redaction

export class DockerCommandError extends Error {
  constructor(
    readonly argv: string[],
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(redact(`docker ${argv.slice(0, 3).join(" ")}… failed (exit ${exitCode ?? "killed"}): ${lastLines(stderr, 15)}`));
    this.name = "DockerCommandError";
  }
}

export class ContainerNotHealthyError extends Error {
  constructor(message: string) {
    super(redact(message));
    this.name = "ContainerNotHealthyError";
  }
}

export class CleanupError extends Error {
  constructor(readonly failures: string[]) {
    super(redact(`cleanup left resources behind:\n${failures.join("\n")}`));
    this.name = "CleanupError";
  }
}

const secretValues = new Set<string>();

/** Registers a value that must never appear in an error message this module builds. */
export function registerSecret(value: string): void {
  if (value.length >= 6) secretValues.add(value);
}

/** Removes registered secrets, then anything shaped like a key or token (the gateway's one list), from text meant for humans. */
export function redact(text: string): string {
  let out = text;
  for (const s of secretValues) out = out.split(s).join("[redacted]");
  return maskTokens(out);
}

function lastLines(text: string, n: number): string {
  return text.trimEnd().split("\n").slice(-n).join("\n");
}

// ---------------------------------------------------------------------------------------------------
// Running the docker CLI

export interface DockerResult {
  code: number;
  stdout: string;
  stderr: string;
}

interface DockerCallOptions {
  /** Extra environment for the docker CLI process (how `-e NAME` values travel). */
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Resolve with the exit code instead of throwing on a non-zero exit. */
  allowFail?: boolean;
  bin?: string;
}

type CommandListener = (bin: string, argv: readonly string[]) => void;
const listeners = new Set<CommandListener>();

/** Observes every argv this module hands to docker (tests use it to prove no secret is on one). */
export function onDockerCommand(listener: CommandListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function dockerBin(): string {
  return process.env.CODEX_LANES_DOCKER || "docker";
}

export function docker(argv: string[], opts: DockerCallOptions = {}): Promise<DockerResult> {
  const bin = opts.bin ?? dockerBin();
  for (const l of listeners) l(bin, argv);
  return new Promise((resolve, reject) => {
    execFile(
      bin,
      argv,
      { env: { ...process.env, ...opts.env }, timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, maxBuffer: MAX_BUFFER, encoding: "utf8" },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : null) : 0;
        if (err && (code === null || !opts.allowFail)) {
          const why = code === null ? `${stderr}\n${(err as NodeJS.ErrnoException).code ?? err.message}` : stderr;
          reject(new DockerCommandError(argv, code, why));
          return;
        }
        resolve({ code: code ?? 0, stdout, stderr });
      },
    );
  });
}

/** `-e NAME` arguments for env; the values go into the CLI's environment, never onto the argv. */
function envArgs(env: Record<string, string> | undefined): { argv: string[]; env: Record<string, string> } {
  const argv: string[] = [];
  for (const [name, value] of Object.entries(env ?? {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`not an environment variable name: ${JSON.stringify(name)}`);
    // These would change what the docker CLI itself does.
    if (/^DOCKER_/.test(name) || name === "PATH" || name === "HOME") throw new Error(`${name} cannot be passed through the docker CLI's environment`);
    if (typeof value !== "string") throw new Error(`environment variable ${name}: value must be a string`);
    argv.push("-e", name);
  }
  return { argv, env: { ...env } };
}

export function newRunId(): string {
  return `clt-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
}

// ---------------------------------------------------------------------------------------------------
// Images

export interface BaseImages {
  baseImage: string;
  buildImage: string;
}

/**
 * Runs scripts/containers/prepare.sh: starts an engine when none answers and picks (or builds) the base
 * images. BASE_IMAGE / BUILD_IMAGE in the environment are used as they are.
 */
export function prepareBaseImages(): Promise<BaseImages> {
  return new Promise((resolve, reject) => {
    execFile(
      "bash",
      [path.join(REPO_ROOT, "scripts/containers/prepare.sh")],
      { env: process.env, timeout: BUILD_TIMEOUT_MS, maxBuffer: MAX_BUFFER, encoding: "utf8" },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(redact(`scripts/containers/prepare.sh failed: ${lastLines(stderr, 20)}`)));
        const vars = Object.fromEntries(
          stdout.split("\n").filter((l) => l.includes("=")).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
        );
        if (!vars.BASE_IMAGE || !vars.BUILD_IMAGE) return reject(new Error(`prepare.sh printed no BASE_IMAGE/BUILD_IMAGE: ${stdout}`));
        resolve({ baseImage: vars.BASE_IMAGE, buildImage: vars.BUILD_IMAGE });
      },
    );
  });
}

interface BuildClient {
  bin: string;
  env: Record<string, string>;
}

let buildClient: Promise<BuildClient> | null = null;

/**
 * A docker client that builds with BuildKit (the Dockerfiles use `RUN --mount`): one with the buildx
 * plugin, else one whose built-in BuildKit works with DOCKER_BUILDKIT=1 (Debian's docker.io 20.10).
 * Same choice as docker_buildkit_client in scripts/containers/lib.sh.
 */
export function buildkitClient(): Promise<BuildClient> {
  buildClient ??= (async (): Promise<BuildClient> => {
    const forced = process.env.CODEX_LANES_DOCKER_BUILD_CLIENT;
    if (forced) return { bin: forced, env: { DOCKER_BUILDKIT: "1" } };
    for (const bin of [dockerBin(), "/usr/bin/docker"]) {
      const buildx = await docker(["buildx", "version"], { bin, allowFail: true }).catch(() => null);
      if (buildx?.code === 0) return { bin, env: {} };
      const env = { DOCKER_BUILDKIT: "1" };
      const legacy = await docker(["build", "--help"], { bin, env, allowFail: true }).catch(() => null);
      if (legacy?.code === 0) return { bin, env };
    }
    throw new Error("no docker client can build with BuildKit: install the buildx plugin, or Debian's docker.io");
  })();
  return buildClient;
}

/** The CA bundle handed to `npm ci` inside builds as the `npm_ca` secret (TLS-intercepting proxies). */
export function defaultNpmCa(): string | null {
  const f = process.env.CODEX_LANES_NPM_CA || process.env.NODE_EXTRA_CA_CERTS;
  return f && fs.existsSync(f) && fs.statSync(f).size > 0 ? f : null;
}

export interface BuildOptions {
  /** Build context; the repository root by default. */
  context?: string;
  /** The Dockerfile's stage to build (`--target`); the last one by default. */
  target?: string;
  /** BuildKit secrets, id -> host file. Default: npm_ca from defaultNpmCa(). */
  secrets?: Record<string, string>;
  timeoutMs?: number;
}

/**
 * Builds an image with BuildKit. Build args are recorded in image metadata: never pass a secret as
 * one (use `secrets`). Resolves with the build's wall time in ms.
 */
export async function build(tag: string, dockerfile: string, buildArgs: Record<string, string> = {}, opts: BuildOptions = {}): Promise<number> {
  const client = await buildkitClient();
  const ca = defaultNpmCa();
  const secrets = opts.secrets ?? (ca ? { npm_ca: ca } : {});
  const argv = ["build", "--progress=plain", "-f", path.resolve(REPO_ROOT, dockerfile), "-t", tag];
  if (opts.target) argv.push("--target", opts.target);
  for (const [k, v] of Object.entries(buildArgs)) argv.push("--build-arg", `${k}=${v}`);
  for (const [id, src] of Object.entries(secrets)) argv.push("--secret", `id=${id},src=${src}`);
  argv.push(opts.context ?? REPO_ROOT);
  const started = Date.now();
  await docker(argv, { bin: client.bin, env: client.env, timeoutMs: opts.timeoutMs ?? BUILD_TIMEOUT_MS });
  return Date.now() - started;
}

export const PROJECT_IMAGES = {
  gateway: { tag: "codex-lanes-gateway:test", dockerfile: "Dockerfile", target: "gateway" },
  worker: { tag: "codex-lanes-worker:test", dockerfile: "Dockerfile", target: "worker" },
  fake: { tag: "codex-lanes-fake-chatgpt:test", dockerfile: "test/containers/Dockerfile.fake", target: undefined },
} as const;

export type ProjectImage = keyof typeof PROJECT_IMAGES;

/** Builds the project's images on the given bases (layer caches make an unchanged rebuild quick). */
export async function buildProjectImages(bases: BaseImages, which: ProjectImage[] = ["worker", "gateway", "fake"]): Promise<Record<ProjectImage, string>> {
  const args = { BASE_IMAGE: bases.baseImage, BUILD_IMAGE: bases.buildImage };
  const out = {} as Record<ProjectImage, string>;
  for (const name of which) {
    const { tag, dockerfile, target } = PROJECT_IMAGES[name];
    await build(tag, dockerfile, args, { target });
    out[name] = tag;
  }
  return out;
}

/** Image size in bytes, as `docker images` reports it. */
export async function imageSize(tag: string): Promise<number> {
  const { stdout } = await docker(["image", "inspect", "--format", "{{.Size}}", tag]);
  return Number(stdout.trim());
}

// ---------------------------------------------------------------------------------------------------
// Resources of one test run

export interface NetworkAttachment {
  network: string;
  aliases?: string[];
}

export interface VolumeMount {
  /** A volume name (from createVolume) or an absolute host path (bind mount). */
  source: string;
  target: string;
  readOnly?: boolean;
}

export interface FileToCopy {
  /** Absolute path inside the container. */
  path: string;
  content: string | Buffer;
  /** Default 0644. */
  mode?: number;
  /** Numeric "uid:gid"; default root. */
  owner?: string;
}

export interface RunSpec {
  /** Short name; the container is called `<runId>-<name>`. */
  name: string;
  image: string;
  /** First entry at creation, the others connected before start. */
  networks?: NetworkAttachment[];
  /** Plain environment. */
  env?: Record<string, string>;
  /** Secret environment: registered for redaction; like env, passed by name only. */
  secretEnv?: Record<string, string>;
  volumes?: VolumeMount[];
  /** Container ports to publish on 127.0.0.1 (random host port; see hostPort()). */
  publish?: number[];
  user?: string;
  /** Overrides the image's health-check interval (the images use 15 s), e.g. 500 for quick tests. */
  healthIntervalMs?: number;
  /** Written into the container between create and start. */
  files?: FileToCopy[];
  /** Replaces the image's CMD. */
  command?: string[];
  /** Further `docker create` flags (e.g. ["--read-only"]); never put a secret here. */
  extraArgs?: string[];
}

export interface Container {
  name: string;
  id: string;
}

/** Creates labelled resources for one run; cleanup() removes everything with its label. */
export class DockerRun {
  readonly label: string;

  constructor(readonly runId: string = newRunId()) {
    this.label = `${TEST_LABEL}=${runId}`;
  }

  fullName(name: string): string {
    return `${this.runId}-${name}`;
  }

  async createNetwork(name: string, opts: { internal?: boolean } = {}): Promise<string> {
    const full = this.fullName(name);
    await docker(["network", "create", "--label", this.label, ...(opts.internal ? ["--internal"] : []), full]);
    return full;
  }

  async createVolume(name: string): Promise<string> {
    const full = this.fullName(name);
    await docker(["volume", "create", "--label", this.label, full]);
    return full;
  }

  async run(spec: RunSpec): Promise<Container> {
    const name = this.fullName(spec.name);
    for (const v of Object.values(spec.secretEnv ?? {})) registerSecret(v);
    const env = envArgs({ ...spec.env, ...spec.secretEnv });
    const [first, ...more] = spec.networks ?? [];
    const argv = ["create", "--name", name, "--label", this.label, ...env.argv];
    if (first) argv.push("--network", first.network, ...(first.aliases ?? []).flatMap((a) => ["--network-alias", a]));
    for (const v of spec.volumes ?? []) argv.push("--mount", mountArg(v));
    for (const p of spec.publish ?? []) argv.push("-p", `127.0.0.1::${p}`);
    if (spec.user) argv.push("--user", spec.user);
    if (spec.healthIntervalMs) argv.push("--health-interval", `${spec.healthIntervalMs}ms`);
    argv.push(...(spec.extraArgs ?? []), spec.image, ...(spec.command ?? []));
    const id = (await docker(argv, { env: env.env })).stdout.trim();
    for (const n of more) {
      await docker(["network", "connect", ...(n.aliases ?? []).flatMap((a) => ["--alias", a]), n.network, name]);
    }
    for (const f of spec.files ?? []) await copyContentTo(name, f);
    await docker(["start", name]);
    return { name, id };
  }

  cleanup(): Promise<CleanupReport> {
    return cleanupRun(this.runId);
  }
}

function mountArg(v: VolumeMount): string {
  if (v.source.includes(",") || v.target.includes(",")) throw new Error(`mount paths cannot contain commas: ${v.source} -> ${v.target}`);
  const type = path.isAbsolute(v.source) ? "bind" : "volume";
  return `type=${type},source=${v.source},target=${v.target}${v.readOnly ? ",readonly" : ""}`;
}

async function copyContentTo(container: string, f: FileToCopy): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "codex-lanes-cp-"));
  try {
    const local = path.join(dir, path.basename(f.path));
    fs.writeFileSync(local, f.content, { mode: 0o600 });
    fs.chmodSync(local, f.mode ?? 0o644);
    const archive = f.owner !== undefined;
    if (archive) {
      const [uid = NaN, gid = NaN] = f.owner!.split(":").map(Number);
      if (!Number.isInteger(uid) || !Number.isInteger(gid)) throw new Error(`owner must be numeric "uid:gid" (got ${f.owner})`);
      fs.chownSync(local, uid, gid);
    }
    // Without --archive docker cp makes the file root-owned; with it, the local uid/gid are kept.
    await docker(["cp", ...(archive ? ["--archive"] : []), local, `${container}:${f.path}`]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------
// Operating on containers

export interface ExecOptions {
  user?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

/** Runs a command in a running container. Never throws on a non-zero exit: check `code`. */
export async function exec(container: string, cmd: string[], opts: ExecOptions = {}): Promise<DockerResult> {
  const env = envArgs(opts.env);
  const argv = ["exec", ...(opts.user ? ["--user", opts.user] : []), ...env.argv, container, ...cmd];
  return docker(argv, { env: env.env, allowFail: true, timeoutMs: opts.timeoutMs });
}

export interface HealthState {
  /** created | running | restarting | exited | paused | dead */
  status: string;
  exitCode: number;
  /** starting | healthy | unhealthy, or null without a health check. */
  health: string | null;
  /** Output of the last health probe. */
  lastProbe: string | null;
}

export async function inspectHealth(container: string): Promise<HealthState> {
  const { stdout } = await docker(["inspect", "--format", "{{json .State}}", container]);
  const s = JSON.parse(stdout) as {
    Status: string;
    ExitCode: number;
    Health?: { Status: string; Log?: { Output: string }[] | null };
  };
  const log = s.Health?.Log ?? [];
  return { status: s.Status, exitCode: s.ExitCode, health: s.Health?.Status ?? null, lastProbe: log.length ? log[log.length - 1]!.Output.trim() : null };
}

/**
 * Waits until Docker reports the container healthy. Fails at once when it exits, and after timeoutMs
 * otherwise; the error carries the state, the last probe and the end of the logs (redacted).
 */
export async function waitHealthy(container: string, opts: { timeoutMs?: number; intervalMs?: number } = {}): Promise<number> {
  const started = Date.now();
  const deadline = started + (opts.timeoutMs ?? 90_000);
  for (;;) {
    const s = await inspectHealth(container);
    if (s.health === "healthy") return Date.now() - started;
    if (s.health === null) throw new ContainerNotHealthyError(`${container} has no health check`);
    if (s.status === "exited" || s.status === "dead") {
      throw new ContainerNotHealthyError(`${container} ${s.status} with code ${s.exitCode} before it was healthy; logs:\n${await logsTail(container)}`);
    }
    if (Date.now() >= deadline) {
      throw new ContainerNotHealthyError(
        `${container} not healthy after ${Date.now() - started} ms (state ${s.status}/${s.health}, last probe: ${s.lastProbe ?? "none"}); logs:\n${await logsTail(container)}`,
      );
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 200));
  }
}

export async function logs(container: string, opts: { tail?: number } = {}): Promise<{ stdout: string; stderr: string }> {
  const { stdout, stderr } = await docker(["logs", ...(opts.tail ? ["--tail", String(opts.tail)] : []), container], { allowFail: true });
  return { stdout, stderr };
}

async function logsTail(container: string): Promise<string> {
  const l = await logs(container, { tail: 30 }).catch(() => ({ stdout: "", stderr: "(logs unavailable)" }));
  return redact(`${l.stdout}${l.stderr}`.trimEnd());
}

/** Host port that a published container port landed on (publish binds 127.0.0.1). */
export async function hostPort(container: string, containerPort: number): Promise<number> {
  const { stdout } = await docker(["port", container, `${containerPort}/tcp`]);
  const m = /:(\d+)\s*$/m.exec(stdout.split("\n")[0] ?? "");
  if (!m) throw new Error(`${container}: port ${containerPort} is not published`);
  return Number(m[1]);
}

export async function stop(container: string, graceSeconds = 10): Promise<void> {
  await docker(["stop", "--time", String(graceSeconds), container], { timeoutMs: (graceSeconds + 30) * 1000 });
}

export async function start(container: string): Promise<void> {
  await docker(["start", container]);
}

export async function restart(container: string, graceSeconds = 10): Promise<void> {
  await docker(["restart", "--time", String(graceSeconds), container], { timeoutMs: (graceSeconds + 30) * 1000 });
}

/** Waits (bounded) until the container stops; resolves with its exit code. */
export async function waitExit(container: string, timeoutMs = 60_000): Promise<number> {
  const { stdout } = await docker(["wait", container], { timeoutMs });
  return Number(stdout.trim());
}

/** SIGKILL (or another signal) straight to the container's PID 1. */
export async function kill(container: string, signal = "KILL"): Promise<void> {
  await docker(["kill", "--signal", signal, container]);
}

/** Removes a container and its anonymous volumes; a missing container is not an error. */
export async function rm(container: string): Promise<void> {
  const r = await docker(["rm", "--force", "--volumes", container], { allowFail: true });
  if (r.code !== 0 && !/No such container/i.test(r.stderr)) throw new DockerCommandError(["rm", container], r.code, r.stderr);
}

/** Copies a file or directory out of a container (running or not) to a host path. */
export async function copyFrom(container: string, containerPath: string, hostPath: string): Promise<void> {
  await docker(["cp", `${container}:${containerPath}`, hostPath]);
}

/** Copies a host file or directory into a container (running or not). */
export async function copyTo(container: string, hostPath: string, containerPath: string): Promise<void> {
  await docker(["cp", hostPath, `${container}:${containerPath}`]);
}

// ---------------------------------------------------------------------------------------------------
// Cleanup

export interface CleanupReport {
  containers: number;
  networks: number;
  volumes: number;
}

async function labelled(kind: "container" | "network" | "volume", filter: string): Promise<string[]> {
  const argv =
    kind === "container" ? ["ps", "--all", "--quiet", "--filter", `label=${filter}`] : [kind, "ls", "--quiet", "--filter", `label=${filter}`];
  const { stdout } = await docker(argv);
  return stdout.split("\n").map((s) => s.trim()).filter(Boolean);
}

async function removeLabelled(filter: string): Promise<CleanupReport> {
  const failures: string[] = [];
  const attempt = async (what: string, argv: string[]) => {
    const r = await docker(argv, { allowFail: true, timeoutMs: 120_000 }).catch((e: Error) => ({ code: -1, stdout: "", stderr: e.message }));
    if (r.code !== 0) failures.push(`${what}: ${lastLines(r.stderr, 5)}`);
  };
  // Containers first (with their anonymous volumes): networks and volumes in use cannot be removed.
  const containers = await labelled("container", filter);
  if (containers.length) await attempt("containers", ["rm", "--force", "--volumes", ...containers]);
  const networks = await labelled("network", filter);
  if (networks.length) await attempt("networks", ["network", "rm", ...networks]);
  const volumes = await labelled("volume", filter);
  if (volumes.length) await attempt("volumes", ["volume", "rm", "--force", ...volumes]);
  if (failures.length) throw new CleanupError(failures);
  return { containers: containers.length, networks: networks.length, volumes: volumes.length };
}

/** Removes every container (with its anonymous volumes), network and volume of one run. */
export function cleanupRun(runId: string): Promise<CleanupReport> {
  if (!/^[A-Za-z0-9_.-]+$/.test(runId)) throw new Error(`bad run id: ${runId}`);
  return removeLabelled(`${TEST_LABEL}=${runId}`);
}

/** Removes what earlier, killed runs left behind (any value of the label). Not for parallel runs. */
export function cleanupAllRuns(): Promise<CleanupReport> {
  return removeLabelled(TEST_LABEL);
}
