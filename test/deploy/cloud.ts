// The mocks of the local deploy test, acting for real: every resource the program registers is
// carried out on this machine, the way Hetzner and the providers would carry it out.
//
//   hcloud Server         a "VPS" container (systemd, sshd, cloud-init, Docker) on the test network at
//                         the primary IP, its NoCloud seed holding the program's user data and keys
//   hcloud Volume         a loop-device file formatted ext4; the attachment makes it appear at the
//                         Hetzner by-id path inside the VPS a few seconds later
//   command.remote.*      real SSH with the program's key, checking the pinned host key
//   docker:*              the Docker Engine API through `ssh <the provider's sshOpts> docker system
//                         dial-stdio`, as Docker's SSH connection helper does, with the registered inputs
//   random, tls           real random values and a real ed25519 key
// Firewall, SSH key and primary IP are only recorded (Hetzner's API is what this test mocks).
//
// Like Pulumi's state, a JSON file keeps every resource's inputs and outputs between runs: a
// resource whose inputs did not change is left alone, unless it no longer exists on the engine
// (which is what `pulumi refresh` would find after a server replacement).
//
// The one deviation from the program's specs: worker containers also get what points Codex at the
// fake ChatGPT backend (its CA, four environment variables, two -c overrides, its host name).

import { execFileSync, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as tar from "tar";
import { connectionOpts, DialStdioEngine, remoteRun, type Connection } from "./ssh";

export interface CloudOptions {
  runId: string;
  /** The test network (the "internet") and its first three octets, e.g. 10.213.7 */
  network: string;
  subnetPrefix: string;
  vpsImage: string;
  /** Host name the VPS answers to on the test network (the stack's domain). */
  domain: string;
  /** Images handed to a fresh VPS engine once Docker answers (no registry: the stand-in for pulls). */
  preloadImages: string[];
  workDir: string;
  stateFile: string;
  /** Resource names to replace on this run (pulumi up --replace). */
  replace: string[];
  /**
   * A Docker volume kept between test runs as every server's /var/lib/docker, for its build cache:
   * when a server is created, everything else on it (containers, networks, the program's images)
   * is removed, so the server starts empty but the image builds hit a warm cache. Unset: each
   * server gets an empty root disk.
   */
  rootCacheVolume?: string;
  fake: { ip: string; host: string; env: Record<string, string>; config: Record<string, string>; caPem: string };
}

interface Stored {
  id: string;
  key: string;
  state: Record<string, any>;
}

interface CloudState {
  resources: Record<string, Stored>;
  nextIp: number;
  loops: Record<string, string>;
}

const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";

/** Plain values: secrets unwrapped, assets reduced to their path. */
async function plain(v: any): Promise<any> {
  if (v === null || typeof v !== "object") return v;
  if (v[SECRET_SIG_KEY] !== undefined && "value" in v) return plain(v.value);
  if (typeof v.path === "object" && typeof v.path?.then === "function") return { path: await v.path };
  if (Array.isArray(v)) return Promise.all(v.map(plain));
  const out: Record<string, any> = {};
  for (const [k, x] of Object.entries(v)) out[k] = await plain(x);
  return out;
}

function sh(cmd: string, args: string[], input?: string): string {
  return execFileSync(cmd, args, { encoding: "utf8", input, stdio: ["pipe", "pipe", "pipe"], maxBuffer: 64 * MiB });
}

function duration(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const m = /^(\d+)(ms|s|m)$/.exec(text);
  if (!m) throw new Error(`unexpected duration ${text}`);
  return Number(m[1]) * ({ ms: 1e6, s: 1e9, m: 60e9 } as const)[m[2] as "ms" | "s" | "m"];
}

export class Cloud {
  private state: CloudState;
  private readonly providers = new Map<string, { host: string; sshOpts: string[] }>();
  /** Filled by the test's registration recorder before each newResource call. */
  readonly ignoreChanges = new Map<string, string[]>();
  readonly log: string[] = [];

  constructor(private readonly options: CloudOptions) {
    this.state = fs.existsSync(options.stateFile) ? JSON.parse(fs.readFileSync(options.stateFile, "utf8")) : { resources: {}, nextIp: 20, loops: {} };
    fs.mkdirSync(options.workDir, { recursive: true });
  }

  save(): void {
    fs.writeFileSync(this.options.stateFile, JSON.stringify(this.state, null, 1), { mode: 0o600 });
  }

  private byType(type: string): Stored[] {
    return Object.entries(this.state.resources)
      .filter(([k]) => k.startsWith(`${type}::`))
      .map(([, v]) => v);
  }

  private say(msg: string): void {
    this.log.push(msg);
    process.stderr.write(`cloud: ${msg}\n`);
  }

  async newResource(args: { type: string; name: string; inputs: any; provider?: string; id?: string; custom?: boolean }): Promise<{ id: string; state: Record<string, any> }> {
    // Component resources (codex-lanes:index:*) only group their children.
    if (args.custom === false) return { id: "", state: {} };
    const inputs = await plain(args.inputs);
    const key = `${args.type}::${args.name}`;
    if (args.id) return this.read(args.type, args.id);
    if (args.type.startsWith("pulumi:providers:")) {
      const id = `provider-${args.name}`;
      if (args.type === "pulumi:providers:docker") {
        this.providers.set(id, { host: inputs.host, sshOpts: JSON.parse(inputs.sshOpts) });
      }
      return { id, state: inputs };
    }
    const ignored = new Set(this.ignoreChanges.get(args.name) ?? []);
    const compared = Object.fromEntries(Object.entries(inputs).filter(([k]) => !ignored.has(k)));
    const hash = createHash("sha256").update(JSON.stringify(compared)).digest("hex");
    const prev = this.state.resources[key];
    const replace = this.options.replace.includes(args.name);
    if (prev && prev.key === hash && !replace && !(await this.missing(args.type, prev, args.provider))) {
      return { id: prev.id, state: prev.state };
    }
    const result = await this.apply(args.type, args.name, inputs, prev, args.provider);
    this.state.resources[key] = { id: result.id, key: hash, state: result.state };
    this.save();
    return result;
  }

  private read(type: string, id: string): { id: string; state: Record<string, any> } {
    const found = this.byType(type).find((r) => r.id === id);
    if (!found) throw new Error(`${type} ${id} does not exist`);
    return { id, state: found.state };
  }

  private engine(provider: string | undefined): DialStdioEngine {
    const id = provider?.split("::").pop() ?? "";
    const p = this.providers.get(id);
    if (!p) throw new Error(`no docker provider ${provider}`);
    return new DialStdioEngine(p.host.replace(/^ssh:\/\//, ""), p.sshOpts);
  }

  /** What `pulumi refresh` would notice: a Docker object gone with the server that held it. */
  private async missing(type: string, prev: Stored, provider?: string): Promise<boolean> {
    const route = { "docker:index/container:Container": "containers", "docker:index/network:Network": "networks", "docker:index/volume:Volume": "volumes" }[type];
    if (route) return (await this.engine(provider).request("GET", `/${route}/${encodeURIComponent(prev.state.name)}${route === "containers" ? "/json" : ""}`)).status === 404;
    if (type === "docker:index/remoteImage:RemoteImage") return (await this.engine(provider).request("GET", `/images/${encodeURIComponent(prev.state.name)}/json`)).status === 404;
    return false;
  }

  private async apply(type: string, name: string, inputs: any, prev: Stored | undefined, provider?: string): Promise<{ id: string; state: Record<string, any> }> {
    const id = prev?.id ?? String(1000 + Object.keys(this.state.resources).length * 7 + Math.floor(Math.random() * 5));
    switch (type) {
      case "random:index/randomPassword:RandomPassword": {
        const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        const result = Array.from(randomBytes(inputs.length), (b) => alphabet[b % alphabet.length]).join("");
        return { id, state: { ...inputs, result } };
      }
      case "random:index/randomBytes:RandomBytes": {
        const bytes = randomBytes(inputs.length);
        return { id, state: { ...inputs, base64: bytes.toString("base64"), hex: bytes.toString("hex") } };
      }
      case "tls:index/privateKey:PrivateKey": {
        const file = path.join(this.options.workDir, `tls-${name}`);
        fs.rmSync(file, { force: true });
        fs.rmSync(`${file}.pub`, { force: true });
        sh("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "", "-f", file]);
        return { id, state: { ...inputs, privateKeyOpenssh: fs.readFileSync(file, "utf8"), publicKeyOpenssh: fs.readFileSync(`${file}.pub`, "utf8") } };
      }
      case "hcloud:index/sshKey:SshKey":
      case "hcloud:index/firewall:Firewall":
        return { id, state: inputs };
      case "hcloud:index/primaryIp:PrimaryIp":
        return { id, state: { ...inputs, ipAddress: prev?.state.ipAddress ?? `${this.options.subnetPrefix}.${this.state.nextIp++}` } };
      case "hcloud:index/volume:Volume":
        return { id, state: { ...inputs, linuxDevice: `/dev/disk/by-id/scsi-0HC_Volume_${id}`, ...this.makeVolume(id, inputs.size) } };
      case "hcloud:index/server:Server":
        return this.makeServer(id, name, inputs, prev);
      case "hcloud:index/volumeAttachment:VolumeAttachment":
        this.attach(String(inputs.volumeId), String(inputs.serverId));
        return { id, state: inputs };
      case "command:remote:Command":
        return { id, state: { ...inputs, ...(await this.remoteCommand(name, inputs)) } };
      case "command:remote:CopyToRemote":
        await this.copyToRemote(inputs);
        return { id, state: inputs };
      case "docker:index/network:Network":
        await this.engine(provider).json("POST", "/networks/create", { Name: inputs.name, CheckDuplicate: true }, [201, 409]);
        return { id, state: inputs };
      case "docker:index/volume:Volume": {
        const labels = Object.fromEntries((inputs.labels ?? []).map((l: { label: string; value: string }) => [l.label, l.value]));
        await this.engine(provider).json("POST", "/volumes/create", { Name: inputs.name, Labels: labels });
        return { id, state: inputs };
      }
      case "docker:index/remoteImage:RemoteImage": {
        const image = await this.engine(provider).json<{ Id: string }>("GET", `/images/${encodeURIComponent(inputs.name)}/json`);
        return { id, state: { ...inputs, imageId: image.Id, repoDigest: image.Id } };
      }
      case "docker:index/container:Container":
        return { id, state: { ...inputs, ...(await this.container(this.engine(provider), inputs)) } };
      default:
        throw new Error(`the deploy test cannot act out ${type} (${name})`);
    }
  }

  // --- Hetzner ------------------------------------------------------------------------------------

  private makeVolume(id: string, sizeGb: number): { file: string } {
    const file = path.join(this.options.workDir, `volume-${id}.img`);
    // Sparse: a 10 GB volume costs only what is written. Hetzner's `format: ext4` formats it.
    sh("truncate", ["-s", `${sizeGb}G`, file]);
    sh("mkfs.ext4", ["-q", "-F", "-L", `vol${id}`, file]);
    this.state.loops[id] = sh("losetup", ["-f", "--show", file]).trim();
    this.say(`volume ${id}: ${file} on ${this.state.loops[id]}`);
    return { file };
  }

  vpsName(serverId: string): string {
    return `codex-lanes-deploy-${this.options.runId}-vps-${serverId}`;
  }

  private makeServer(id: string, name: string, inputs: any, prev: Stored | undefined): { id: string; state: Record<string, any> } {
    if (prev) {
      // deleteBeforeReplace: the old server goes first; its root disk with it.
      this.say(`deleting server ${prev.id}`);
      sh("docker", ["rm", "-f", "-v", this.vpsName(prev.id)]);
      if (!this.options.rootCacheVolume) sh("docker", ["volume", "rm", "-f", `${this.vpsName(prev.id)}-root`]);
    }
    const serverId = prev ? String(Number(prev.id) + 1) : id;
    const ipId = String(inputs.publicNets[0].ipv4);
    const ip = this.byType("hcloud:index/primaryIp:PrimaryIp").find((r) => r.id === ipId)?.state.ipAddress;
    if (!ip) throw new Error(`primary IP ${ipId} does not exist`);
    const keys = (inputs.sshKeys as string[]).map((k) => this.byType("hcloud:index/sshKey:SshKey").find((r) => r.id === String(k))?.state.publicKey ?? "");
    const seed = path.join(this.options.workDir, `seed-${serverId}`);
    fs.mkdirSync(seed, { recursive: true });
    fs.writeFileSync(path.join(seed, "user-data"), inputs.userData, { mode: 0o600 });
    fs.writeFileSync(
      path.join(seed, "meta-data"),
      `instance-id: hcloud-${serverId}\nlocal-hostname: ${name}\npublic-keys:\n${keys.map((k) => `  - ${JSON.stringify(k)}`).join("\n")}\n`,
    );
    this.startVps(serverId, ip, seed);
    return { id: serverId, state: { ...inputs, ipv4Address: ip, status: "running" } };
  }

  private startVps(serverId: string, ip: string, seed: string): void {
    const devices = Object.values(this.state.loops).flatMap((loop) => ["--device", loop]);
    const label = `codex-lanes-deploy=${this.options.runId}`;
    const root = this.options.rootCacheVolume ?? `${this.vpsName(serverId)}-root`;
    if (!this.options.rootCacheVolume) sh("docker", ["volume", "create", "--label", label, root]);
    sh("docker", [
      "run", "-d", "--name", this.vpsName(serverId), "--hostname", "vps", "--label", label,
      "--network", this.options.network, "--ip", ip, "--network-alias", this.options.domain,
      "--cap-add", "SYS_ADMIN", "--cap-add", "NET_ADMIN", "--cap-add", "SYS_PTRACE", "--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined",
      "--tmpfs", "/run", "--tmpfs", "/run/lock", "--tmpfs", "/tmp:exec",
      "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw", "-v", `${root}:/var/lib/docker`,
      "-v", `${seed}:/var/lib/cloud/seed/nocloud:ro`, "--sysctl", "net.ipv4.ip_forward=1",
      ...devices, this.options.vpsImage,
    ]);
    this.say(`server ${serverId}: ${this.vpsName(serverId)} at ${ip}`);
  }

  /** The volume shows up at its by-id path a few seconds after the attachment (or a boot). */
  attach(volumeId: string, serverId: string, delayMs = 4_000): void {
    const loop = this.state.loops[volumeId];
    const link = `/dev/disk/by-id/scsi-0HC_Volume_${volumeId}`;
    setTimeout(() => {
      try {
        sh("docker", ["exec", this.vpsName(serverId), "sh", "-c", `mkdir -p /dev/disk/by-id && ln -sfn ${loop} ${link}`]);
        this.say(`volume ${volumeId} attached to server ${serverId} (${link} -> ${loop})`);
      } catch (err) {
        this.say(`attaching volume ${volumeId} failed: ${String(err)}`);
      }
    }, delayMs).unref();
  }

  // --- remote commands -----------------------------------------------------------------------------

  private sshDir(): string {
    return path.join(this.options.workDir, "ssh");
  }

  private async remoteCommand(name: string, inputs: { connection: Connection; create: string }): Promise<{ stdout: string; stderr: string }> {
    this.say(`remote ${name}`);
    const started = Date.now();
    const r = await remoteRun(inputs.connection, this.sshDir(), inputs.create);
    this.say(`remote ${name} took ${Date.now() - started} ms`);
    if (r.code !== 0) throw new Error(`remote command ${name} failed (exit ${r.code}): ${r.stderr.trim().split("\n").slice(-20).join("\n")}`);
    if (name.endsWith("-wait-docker")) await this.preload(inputs.connection);
    return { stdout: r.stdout, stderr: r.stderr };
  }

  /** No registry here: what a fresh engine would pull is handed over with docker save | docker load. */
  private async preload(c: Connection): Promise<void> {
    const opts = connectionOpts(c, this.sshDir());
    if (this.options.rootCacheVolume) {
      // A new server: nothing but the build cache may survive from earlier runs.
      const wipe = await remoteRun(
        c,
        this.sshDir(),
        "docker ps -aq | xargs -r docker rm -f -v >/dev/null; docker network prune -f >/dev/null; " +
          "docker image ls --format '{{.Repository}}:{{.Tag}}' | grep -E '^codex-lanes-(worker|gateway):' | xargs -r docker rmi >/dev/null; true",
      );
      if (wipe.code !== 0) throw new Error(`emptying the server's engine failed: ${wipe.stderr}`);
    }
    const have = await remoteRun(c, this.sshDir(), "docker image ls --format '{{.Repository}}:{{.Tag}}'");
    const missing = this.options.preloadImages.filter((i) => !have.stdout.split("\n").includes(i));
    if (missing.length === 0) return;
    this.say(`loading ${missing.join(", ")} into the server's engine`);
    await new Promise<void>((resolve, reject) => {
      const save = spawn("docker", ["save", ...missing], { stdio: ["ignore", "pipe", "inherit"] });
      const load = spawn("ssh", [...opts, c.host, "--", "docker load -q"], { stdio: ["pipe", "ignore", "inherit"] });
      load.stdin.on("error", () => undefined); // a failed load reports itself through its exit code
      save.stdout.pipe(load.stdin);
      load.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`docker load on the server exited ${code}`))));
    });
  }

  private async copyToRemote(inputs: { connection: Connection; source: { path: string }; remotePath: string }): Promise<void> {
    const c = inputs.connection;
    const opts = connectionOpts(c, this.sshDir()).filter((o: string, i: number, all: string[]) => o !== "-l" && all[i - 1] !== "-l");
    this.say(`copy ${inputs.source.path} -> ${inputs.remotePath}`);
    sh("scp", ["-q", ...opts, inputs.source.path, `${c.user}@${c.host}:${inputs.remotePath}`]);
  }

  // --- docker --------------------------------------------------------------------------------------

  private async container(engine: DialStdioEngine, i: any): Promise<Record<string, unknown>> {
    await engine.request("DELETE", `/containers/${encodeURIComponent(i.name)}?force=true`);
    const isWorker = String(i.name).startsWith("codex-lanes-worker-");
    const image = await engine.json<{ Config: { Cmd: string[] } }>("GET", `/images/${encodeURIComponent(i.image)}/json`);
    const fakeCa = "/tmp/fake-chatgpt-ca.pem";
    const ports = (i.ports ?? []) as Array<{ internal: number; external: number; ip?: string; protocol?: string }>;
    const networks = (i.networksAdvanced ?? []) as Array<{ name: string; aliases?: string[] }>;
    const hc = i.healthcheck;
    const spec = {
      Image: i.image,
      Env: [...(i.envs ?? []), ...(isWorker ? Object.entries({ ...this.options.fake.env, CODEX_CA_CERTIFICATE: fakeCa }).map(([k, v]) => `${k}=${v}`) : [])],
      Cmd: isWorker ? [...(i.command ?? image.Config.Cmd), ...Object.entries(this.options.fake.config).flatMap(([k, v]) => ["-c", `${k}=${v}`])] : i.command,
      Labels: Object.fromEntries(((i.labels ?? []) as Array<{ label: string; value: string }>).map((l) => [l.label, l.value])),
      Healthcheck: hc ? { Test: hc.tests, Interval: duration(hc.interval), Timeout: duration(hc.timeout), Retries: hc.retries, StartPeriod: duration(hc.startPeriod) } : undefined,
      ExposedPorts: Object.fromEntries(ports.map((p) => [`${p.internal}/${p.protocol ?? "tcp"}`, {}])),
      HostConfig: {
        RestartPolicy: { Name: i.restart ?? "no" },
        Init: i.init,
        Memory: i.memory ? i.memory * MiB : undefined,
        MemorySwap: i.memorySwap ? i.memorySwap * MiB : undefined,
        CapAdd: i.capabilities?.adds,
        CapDrop: i.capabilities?.drops,
        SecurityOpt: i.securityOpts,
        Mounts: ((i.volumes ?? []) as Array<{ volumeName: string; containerPath: string; readOnly?: boolean }>).map((v) => ({
          Type: "volume", Source: v.volumeName, Target: v.containerPath, ReadOnly: v.readOnly === true,
        })),
        PortBindings: Object.fromEntries(ports.map((p) => [`${p.internal}/${p.protocol ?? "tcp"}`, [{ HostPort: String(p.external), HostIp: p.ip ?? "" }]])),
        LogConfig: i.logDriver ? { Type: i.logDriver, Config: i.logOpts ?? {} } : undefined,
        ExtraHosts: isWorker ? [`${this.options.fake.host}:${this.options.fake.ip}`] : undefined,
      },
      NetworkingConfig: { EndpointsConfig: Object.fromEntries(networks.slice(0, 1).map((n) => [n.name, { Aliases: n.aliases ?? [] }])) },
    };
    this.say(`container ${i.name}`);
    const created = await engine.json<{ Id: string }>("POST", `/containers/create?name=${encodeURIComponent(i.name)}`, spec);
    const files = [...(i.uploads ?? []), ...(isWorker ? [{ file: fakeCa, content: this.options.fake.caPem, permissions: "0644" }] : [])];
    if (files.length > 0) {
      const r = await engine.request("PUT", `/containers/${created.Id}/archive?path=/`, undefined, { raw: this.archive(files), contentType: "application/x-tar" });
      if (r.status !== 200) throw new Error(`uploading into ${i.name}: HTTP ${r.status} ${r.body}`);
    }
    await engine.json("POST", `/containers/${created.Id}/start`);
    if (i.mustRun !== false || i.wait) await this.waitRunning(engine, i.name, i.wait ? (i.waitTimeout ?? 60) * 1000 : 0);
    return { id: created.Id, image: i.image };
  }

  private archive(files: Array<{ file: string; content: string; permissions?: string }>): Buffer {
    const dir = fs.mkdtempSync(path.join(this.options.workDir, "upload-"));
    for (const f of files) {
      const target = path.join(dir, f.file);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, f.content, { mode: parseInt(f.permissions ?? "0644", 8) });
      fs.chmodSync(target, parseInt(f.permissions ?? "0644", 8));
    }
    const out = path.join(dir, "..", `${path.basename(dir)}.tar`);
    tar.create({ sync: true, file: out, cwd: dir, portable: true }, files.map((f) => f.file.replace(/^\//, "")));
    const buf = fs.readFileSync(out);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(out, { force: true });
    return buf;
  }

  /** The provider's `wait`: healthy within waitTimeout, else the resource fails. */
  private async waitRunning(engine: DialStdioEngine, name: string, healthyWithinMs: number): Promise<void> {
    const deadline = Date.now() + Math.max(healthyWithinMs, 10_000);
    for (;;) {
      const c = await engine.json<{ State: { Running: boolean; Health?: { Status: string }; ExitCode: number } }>("GET", `/containers/${encodeURIComponent(name)}/json`);
      if (healthyWithinMs === 0 ? c.State.Running : c.State.Health?.Status === "healthy") return;
      if (!c.State.Running && c.State.ExitCode !== 0) {
        const logs = await engine.request("GET", `/containers/${encodeURIComponent(name)}/logs?stdout=1&stderr=1&tail=30`);
        throw new Error(`container ${name} exited ${c.State.ExitCode}: ${logs.body.replace(/[\x00-\x08]/g, "")}`);
      }
      if (Date.now() > deadline) throw new Error(`container ${name} did not become ${healthyWithinMs === 0 ? "running" : "healthy"}`);
      await sleep(1_000);
    }
  }

  /** Hetzner facts for the program's preflight: the types the program may ask for, no keys or volumes. */
  facts(token: string): Record<string, unknown> | null {
    const eu = ["fsn1", "nbg1", "hel1"].map((name) => ({ name, available: true, isDeprecated: false }));
    switch (token) {
      case "hcloud:index/getServerTypes:getServerTypes":
        return { id: "t", serverTypes: [{ name: "cx23", architecture: "x86", locations: eu }] };
      case "hcloud:index/getSshKeys:getSshKeys":
        return { id: "k", sshKeys: this.byType("hcloud:index/sshKey:SshKey").map((k) => ({ id: Number(k.id), name: k.id, publicKey: k.state.publicKey, fingerprint: "", labels: k.state.labels ?? {} })) };
      case "hcloud:index/getVolumes:getVolumes":
        return { id: "v", volumes: [] };
      default:
        return null;
    }
  }

  /** A reboot of the VPS: the container restarts, the volume's by-id path shows up again seconds later. */
  reboot(serverId: string): void {
    sh("docker", ["restart", "-t", "20", this.vpsName(serverId)]);
    for (const volumeId of Object.keys(this.state.loops)) this.attach(volumeId, serverId, 4_000);
  }

  serverId(): string {
    const server = this.byType("hcloud:index/server:Server")[0];
    if (!server) throw new Error("no server yet");
    return server.id;
  }

  /** Removes everything this run made on this machine (containers, volumes, loop devices, files). */
  static cleanup(runId: string, stateFile: string, workDir: string): void {
    const ids = (kind: string) => {
      try {
        return execFileSync("docker", [kind, "ls", "-q", ...(kind === "container" ? ["-a"] : []), "--filter", `label=codex-lanes-deploy=${runId}`], { encoding: "utf8" }).split("\n").filter(Boolean);
      } catch {
        return [];
      }
    };
    const quiet = (cmd: string, args: string[]) => {
      try {
        execFileSync(cmd, args, { stdio: "ignore" });
      } catch {
        /* already gone */
      }
    };
    for (const c of ids("container")) quiet("docker", ["rm", "-f", "-v", c]);
    for (const v of ids("volume")) quiet("docker", ["volume", "rm", "-f", v]);
    if (fs.existsSync(stateFile)) {
      const state = JSON.parse(fs.readFileSync(stateFile, "utf8")) as CloudState;
      for (const loop of Object.values(state.loops)) quiet("losetup", ["-d", loop]);
    }
    for (const n of ids("network")) quiet("docker", ["network", "rm", n]);
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}
