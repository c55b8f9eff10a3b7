// Runs the Pulumi program (pulumi/index.ts) under pulumi.runtime.setMocks: no CLI, no cloud.
// Records every resource registration as the engine would receive it (inputs, which inputs are
// secret, dependsOn, ignoreChanges, retainOnDelete), then returns them with the stack outputs.
//
// Pulumi's runtime is global per process, so one process runs the program once: test files use
// runProgram() once each, or spawn this file (`node --import tsx test/pulumi-harness.ts <json>`)
// to get a second run's registrations as JSON on stdout.

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";

export const PROJECT = "codex-lanes";
export const STACK = "test";
export const MOCK_IP = "203.0.113.10";
export const MOCK_HOST_KEY = "AAAAC3NzaC1lZDI1NTE5AAAAIMOCKHOSTKEY";

const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export interface Registration {
  urn: string;
  type: string;
  name: string;
  parent: string;
  custom: boolean;
  provider: string;
  inputs: Record<string, any>;
  /** Top-level inputs the engine receives as secrets. */
  secretInputs: string[];
  dependencies: string[];
  ignoreChanges: string[];
  retainOnDelete: boolean;
  deleteBeforeReplace: boolean;
  protect: boolean;
}

export interface RunResult {
  registrations: Registration[];
  outputs: Record<string, pulumi.Output<unknown>>;
}

export interface RunOptions {
  /** Config keys without the project prefix; non-strings are JSON-encoded as the CLI does. */
  config: Record<string, unknown>;
  /** Keys (without prefix) to mark secret. */
  secretKeys?: string[];
  /** The program's local directory goes under here (PULUMI_HOME for the run). */
  tmpDir: string;
  /** What the mocked Hetzner API reports (server types, SSH keys, volumes); default: defaultHetzner(). */
  hetzner?: HetznerFixture;
}

export interface HetznerFixture {
  serverTypes: Array<{ name: string; architecture: string; locations: Array<{ name: string; available: boolean; isDeprecated: boolean }> }>;
  sshKeys: Array<{ id: number; name: string; publicKey: string; fingerprint: string; labels: Record<string, string> }>;
  volumes: Array<{ id: number; name: string; location: string; serverId?: number; linuxDevice: string; size: number }>;
}

const EU = ["fsn1", "nbg1", "hel1"];
const EVERYWHERE = [...EU, "ash", "hil", "sin"];
const at = (names: string[]) => names.map((name) => ({ name, available: true, isDeprecated: false }));

/** A Hetzner project as the API describes it: cx/cax only in the EU, cpx everywhere, no keys or volumes. */
export function defaultHetzner(): HetznerFixture {
  return {
    serverTypes: [
      { name: "cx23", architecture: "x86", locations: at(EU) },
      { name: "cx33", architecture: "x86", locations: at(EU) },
      { name: "cax11", architecture: "arm", locations: at(EU) },
      { name: "cpx22", architecture: "x86", locations: at(EVERYWHERE) },
      { name: "cpx32", architecture: "x86", locations: at(EVERYWHERE) },
    ],
    sshKeys: [],
    volumes: [],
  };
}

/** The program's local directory for the test stack under a run's tmpDir. */
export function stackDir(tmpDir: string): string {
  return path.join(tmpDir, "codex-lanes", `${PROJECT}-${STACK}`);
}

function digest(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Deterministic numeric ids: hcloud ids are numbers and must match across two runs. */
export function mockId(type: string, name: string): string {
  return String(1000 + (parseInt(digest(`${type}/${name}`).slice(0, 8), 16) % 900000));
}

function mockState(type: string, name: string, id: string, inputs: Record<string, any>): Record<string, any> {
  const state: Record<string, any> = { ...inputs };
  switch (type) {
    case "hcloud:index/primaryIp:PrimaryIp":
      state.ipAddress = MOCK_IP;
      break;
    case "hcloud:index/server:Server":
      state.ipv4Address = MOCK_IP;
      break;
    case "hcloud:index/volume:Volume":
      state.linuxDevice = `/dev/disk/by-id/scsi-0HC_Volume_${id}`;
      break;
    case "random:index/randomPassword:RandomPassword":
      state.result = `mock-${digest(name).slice(0, 40)}`;
      break;
    case "random:index/randomBytes:RandomBytes":
      state.base64 = Buffer.from(digest(name), "hex").toString("base64");
      break;
    case "docker:index/remoteImage:RemoteImage":
      state.imageId = `sha256:${digest(`${name}/${inputs.name}`)}`;
      break;
    case "command:remote:Command":
      // The image builds print the image id; the Docker check prints the server's version.
      state.stdout = name.endsWith("-image") ? `sha256:${digest(`${name}/${inputs.create}`)}\n` : "27.3.1";
      break;
    case "tls:index/privateKey:PrivateKey":
      state.privateKeyOpenssh = `-----BEGIN OPENSSH PRIVATE KEY-----\nbW9jay1ob3N0LWtleQ==\n-----END OPENSSH PRIVATE KEY-----\n`;
      state.publicKeyOpenssh = `ssh-ed25519 ${MOCK_HOST_KEY}\n`;
      break;
  }
  return state;
}

function unwrapSecrets(inputs: Record<string, any>): { inputs: Record<string, any>; secret: string[] } {
  const out: Record<string, any> = {};
  const secret: string[] = [];
  for (const [k, v] of Object.entries(inputs)) {
    if (v && typeof v === "object" && v[SECRET_SIG_KEY] === SECRET_SIG) {
      secret.push(k);
      out[k] = v.value;
    } else {
      out[k] = v;
    }
  }
  return { inputs: out, secret };
}

function urnOf(parent: string, type: string, name: string): string {
  const qualified = parent ? `${parent.split("::")[2]!.split("$").pop()}$${type}` : type;
  return `urn:pulumi:${STACK}::${PROJECT}::${qualified}::${name}`;
}

/** The program threw while it was loaded (e.g. a config error). */
export class ProgramError extends Error {
  constructor(
    readonly reason: unknown,
    /** Resources registered before it threw. */
    readonly registered: number,
  ) {
    super(reason instanceof Error ? reason.message : String(reason));
    this.name = "ProgramError";
  }
}

function setConfig(config: Record<string, unknown>, secretKeys: string[] = []): void {
  const all: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) {
    all[`${PROJECT}:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
  }
  pulumi.runtime.setAllConfig(all, secretKeys.map((k) => `${PROJECT}:${k}`));
}

/** Installs the mocks and a recorder on the mock monitor; returns the live list of registrations. */
function invoke(token: string, inputs: Record<string, any>, hetzner: HetznerFixture): Record<string, any> {
  switch (token) {
    case "hcloud:index/getServerTypes:getServerTypes":
      return { id: "server-types", serverTypes: hetzner.serverTypes };
    case "hcloud:index/getSshKeys:getSshKeys":
      return { id: "ssh-keys", sshKeys: hetzner.sshKeys };
    case "hcloud:index/getVolumes:getVolumes":
      return { id: "volumes", volumes: hetzner.volumes };
    default:
      return inputs;
  }
}

/** Invokes made by the program, in order (token only). */
export const invokes: string[] = [];
let hetznerFixture: HetznerFixture = defaultHetzner();

async function installMocks(): Promise<Registration[]> {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        const id = args.id && args.id !== "" ? args.id : mockId(args.type, args.name);
        return { id, state: mockState(args.type, args.name, id, args.inputs) };
      },
      call: (args) => {
        invokes.push(args.token);
        return invoke(args.token, args.inputs, hetznerFixture);
      },
    },
    PROJECT,
    STACK,
    false,
  );
  const registrations: Registration[] = [];
  const monitor = pulumi.runtime.getMonitor() as any;
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: any) => {
    const { inputs, secret } = unwrapSecrets(pulumi.runtime.deserializeProperties(req.getObject()));
    registrations.push({
      urn: urnOf(req.getParent(), req.getType(), req.getName()),
      type: req.getType(),
      name: req.getName(),
      parent: req.getParent(),
      custom: req.getCustom(),
      provider: req.getProvider(),
      inputs,
      secretInputs: secret,
      dependencies: req.getDependenciesList(),
      ignoreChanges: req.getIgnorechangesList(),
      retainOnDelete: req.getRetainondelete() === true,
      deleteBeforeReplace: req.getDeletebeforereplace(),
      protect: req.getProtect() === true,
    });
    return original(req, callback);
  };
  return registrations;
}

/** Sets config and mocks, imports the program, waits until every registration is in. Once per process. */
/** The program's entry exports one async function (Pulumi awaits it; its result is the outputs). */
function loadProgram(): () => Promise<Record<string, pulumi.Output<unknown>>> {
  // Loaded only now, after config and mocks (a static import would read config too early).
  return require("../pulumi/index") as () => Promise<Record<string, pulumi.Output<unknown>>>;
}

export async function runProgram(opts: RunOptions): Promise<RunResult> {
  // The program keeps its SSH files and build context under PULUMI_HOME: the test's own directory.
  process.env.PULUMI_HOME = opts.tmpDir;
  hetznerFixture = opts.hetzner ?? defaultHetzner();
  setConfig(opts.config, opts.secretKeys);
  const registrations = await installMocks();
  let outputs: Record<string, pulumi.Output<unknown>>;
  try {
    outputs = await loadProgram()();
  } catch (err) {
    await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
    throw new ProgramError(err, registrations.length);
  }
  // Every registration is an RPC; disconnect() waits until the queue is empty.
  await pulumi.runtime.disconnect();
  return { registrations, outputs };
}

/**
 * For config errors: runs the program once per call with new config (and Hetzner facts).
 * Fails the caller if the program runs through (it would then have registered resources).
 */
export async function programConfigError(
  config: Record<string, unknown>,
  secretKeys: string[] = SECRET_KEYS,
  hetzner: HetznerFixture = defaultHetzner(),
): Promise<{ message: string; registered: number; isRunError: boolean }> {
  registrationsForErrors ??= await installMocks();
  hetznerFixture = hetzner;
  const before = registrationsForErrors.length;
  setConfig(config, secretKeys);
  try {
    await loadProgram()();
  } catch (err) {
    // Let any registration the program started before throwing reach the monitor, then count.
    await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
    return {
      message: err instanceof Error ? err.message : String(err),
      registered: registrationsForErrors.length - before,
      isRunError: pulumi.RunError.isInstance(err),
    };
  }
  throw new Error("the program ran; expected a config error");
}
let registrationsForErrors: Registration[] | undefined;

export function valueOf<T>(output: pulumi.Input<T>): Promise<T> {
  return new Promise((resolve) => pulumi.output(output).apply((v) => resolve(v as T)));
}

/** A minimal checkout: the files the program checks for and hashes. */
export function makeRepoFixture(dir: string): string {
  const repo = path.join(dir, "repo");
  fs.mkdirSync(path.join(repo, "gateway"), { recursive: true });
  fs.writeFileSync(path.join(repo, "package.json"), '{"name":"codex-lanes"}\n');
  fs.writeFileSync(path.join(repo, "package-lock.json"), "{}\n");
  fs.writeFileSync(path.join(repo, "Dockerfile"), "FROM scratch AS worker\nFROM scratch AS gateway\n");
  fs.writeFileSync(path.join(repo, "gateway", "server.ts"), "export {};\n");
  fs.writeFileSync(path.join(repo, ".dockerignore"), "**/node_modules\n**/*.db\n**/.env\n");
  return repo;
}

export const FAKE_PRIVATE_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nbm90IGEga2V5\n-----END OPENSSH PRIVATE KEY-----";

/** A complete, valid config for two accounts; tests override single keys. */
export function baseConfig(repoDir: string): Record<string, unknown> {
  return {
    sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITEST test@example",
    sshPrivateKey: FAKE_PRIVATE_KEY,
    adminCidrs: ["198.51.100.7/32", "2001:db8::/48"],
    acmeEmail: "ops@example.com",
    accounts: [{ name: "plus-a", plan: "plus", concurrency: 2 }, { name: "pro-b", plan: "pro-5x" }],
    repoDir,
  };
}

export const SECRET_KEYS = ["sshPrivateKey", "openaiApiKey"];

export function makeTmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "codex-lanes-pulumi-"));
}

// CLI mode: one mocked run in this process, registrations as JSON on stdout; a config error as
// {"error": message}. Used to compare two runs with different configs.
if (require.main === module) {
  const opts = JSON.parse(process.argv[2] ?? "{}") as RunOptions;
  runProgram(opts).then(
    ({ registrations }) => process.stdout.write(JSON.stringify({ registrations })),
    (err: unknown) =>
      process.stdout.write(
        JSON.stringify({ error: err instanceof Error ? err.message : String(err), registered: err instanceof ProgramError ? err.registered : -1 }),
      ),
  );
}
