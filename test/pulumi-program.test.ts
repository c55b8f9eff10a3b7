// The whole Pulumi program under mocks, with two accounts and an OpenAI key: the resource graph,
// what each container may touch, firewall, server guard rails, secrets and stack outputs.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { gatewayConfig, renderGatewayConfig } from "../pulumi/gateway-config";
import { contextFiles, sourceHash } from "../pulumi/source-hash";
import { execFileSync } from "node:child_process";
import {
  baseConfig,
  FAKE_PRIVATE_KEY,
  makeRepoFixture,
  makeTmpDir,
  MOCK_HOST_KEY,
  MOCK_IP,
  mockId,
  runProgram,
  SECRET_KEYS,
  stackDir,
  valueOf,
  type Registration,
  type RunResult,
} from "./pulumi-harness";

const tmp = makeTmpDir();
const repo = makeRepoFixture(tmp);
let run: RunResult;

before(async () => {
  run = await runProgram({
    config: { ...baseConfig(repo), openaiApiKey: "sk-test-openai" },
    secretKeys: SECRET_KEYS,
    tmpDir: tmp,
  });
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function all(type: string): Registration[] {
  return run.registrations.filter((r) => r.type === type);
}

function one(name: string): Registration {
  const found = run.registrations.filter((r) => r.name === name);
  assert.equal(found.length, 1, `expected exactly one resource named ${name}`);
  return found[0]!;
}

const CONTAINER = "docker:index/container:Container";
const workers = () => all(CONTAINER).filter((c) => String(c.inputs.name).startsWith("codex-lanes-worker-"));
/** The id the harness's mock gave a resource. */
const idOf = (r: Registration) => mockId(r.type, r.name);
const envMap = (c: Registration) =>
  Object.fromEntries((c.inputs.envs as string[]).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));

describe("resource graph", () => {
  test("components carry namespaced type tokens and own their children", () => {
    const components = run.registrations.filter((r) => !r.custom && r.type.startsWith("codex-lanes:"));
    assert.deepEqual(components.map((c) => `${c.type} ${c.name}`).sort(), [
      "codex-lanes:index:CodexAccount account-plus-a",
      "codex-lanes:index:CodexAccount account-pro-b",
      "codex-lanes:index:Gateway gateway",
      "codex-lanes:index:Host host",
    ]);
    for (const c of components) {
      const children = run.registrations.filter((r) => r.parent === c.urn);
      assert.ok(children.length > 0, `${c.name} has no children`);
      for (const child of children) assert.ok(child.name.startsWith(`${c.name}-`), `${child.name} is not named after ${c.name}`);
    }
  });

  test("two accounts make exactly two workers, two homes and two tokens", () => {
    assert.deepEqual(workers().map((w) => w.inputs.name).sort(), ["codex-lanes-worker-plus-a", "codex-lanes-worker-pro-b"]);
    assert.deepEqual(
      all("docker:index/volume:Volume").map((v) => v.inputs.name).sort(),
      ["codex-lanes-caddy-config", "codex-lanes-caddy-data", "codex-lanes-gateway-data", "codex-lanes-home-plus-a", "codex-lanes-home-pro-b"],
    );
    assert.deepEqual(all("random:index/randomPassword:RandomPassword").map((r) => r.name).sort(), [
      "account-plus-a-token",
      "account-pro-b-token",
      "gateway-admin-key",
    ]);
    assert.equal(all(CONTAINER).length, 4);
  });
});

describe("host", () => {
  test("firewall: 22 only from the admin CIDRs, 80 and 443 from anywhere, nothing else inbound", () => {
    const fw = all("hcloud:index/firewall:Firewall")[0]!;
    const rules = fw.inputs.rules as Array<{ direction: string; protocol: string; port: string; sourceIps: string[] }>;
    assert.deepEqual(
      rules.map((r) => [r.direction, r.protocol, r.port, r.sourceIps]),
      [
        ["in", "tcp", "22", ["198.51.100.7/32", "2001:db8::/48"]],
        ["in", "tcp", "80", ["0.0.0.0/0", "::/0"]],
        ["in", "tcp", "443", ["0.0.0.0/0", "::/0"]],
      ],
    );
  });

  test("server: docker-ce image, location (not datacenter), cx23, firewall, primary IP and the replacement guard", () => {
    const server = one("host-server");
    assert.equal(server.inputs.image, "docker-ce");
    assert.equal(server.inputs.location, "nbg1");
    assert.equal(server.inputs.datacenter, undefined);
    assert.equal(server.inputs.serverType, "cx23");
    assert.deepEqual(server.ignoreChanges.sort(), ["sshKeys", "userData"]);
    assert.equal(server.deleteBeforeReplace, true);
    const fw = one("host-firewall");
    const ip = one("host-ip");
    // hcloud ids are strings in Pulumi but numbers in these arguments.
    assert.deepEqual(server.inputs.firewallIds, [Number(idOf(fw))]);
    assert.equal(server.inputs.publicNets[0].ipv4, Number(idOf(ip)));
    assert.equal(server.inputs.publicNets[0].ipv4Enabled, true);
    assert.deepEqual(ip.inputs, { ...ip.inputs, type: "ipv4", assigneeType: "server", autoDelete: false, location: "nbg1" });
  });

  test("cloud-init mounts the data volume by its device", () => {
    const server = one("host-server");
    const volume = one("host-data");
    assert.match(server.inputs.userData, /^#cloud-config\n/);
    assert.ok(server.inputs.userData.includes(`DEV='/dev/disk/by-id/scsi-0HC_Volume_${idOf(volume)}'`));
    const attachment = one("host-data-attachment");
    assert.equal(attachment.inputs.volumeId, Number(idOf(volume)));
    assert.equal(attachment.inputs.serverId, Number(idOf(server)));
  });

  test("the data volume and every account home are retained when the stack is destroyed", () => {
    const volume = one("host-data");
    assert.equal(volume.retainOnDelete, true);
    assert.equal(volume.inputs.deleteProtection, true);
    assert.equal(volume.inputs.location, "nbg1");
    assert.equal(volume.inputs.size, 10);
    for (const name of ["account-plus-a-home", "account-pro-b-home", "gateway-data", "gateway-caddy-data"]) {
      assert.equal(one(name).retainOnDelete, true, name);
    }
  });

  test("the Docker provider goes over SSH with a 0600 key file that outlives the run, and checks the host key", () => {
    const provider = one("host-docker");
    const wait = one("host-wait-docker");
    assert.equal(provider.type, "pulumi:providers:docker");
    assert.equal(provider.inputs.host, `ssh://root@${MOCK_IP}`);
    const sshOpts = JSON.parse(provider.inputs.sshOpts) as string[];
    const keyFile = sshOpts[sshOpts.indexOf("-i") + 1];
    // Under PULUMI_HOME, not the temp dir: destroy and refresh (which do not run the program) need it.
    assert.equal(keyFile, path.join(stackDir(tmp), "id"));
    assert.equal(fs.statSync(keyFile).mode & 0o777, 0o600);
    assert.equal(fs.readFileSync(keyFile, "utf8"), `${FAKE_PRIVATE_KEY}\n`);
    assert.ok(sshOpts.includes("StrictHostKeyChecking=yes"));
    assert.ok(!sshOpts.some((o) => o.includes("StrictHostKeyChecking=no") || o.includes("/dev/null")));
    const knownHosts = sshOpts.find((o) => o.startsWith("UserKnownHostsFile="))!.split("=")[1]!;
    assert.equal(fs.readFileSync(knownHosts, "utf8"), `${MOCK_IP} ssh-ed25519 ${MOCK_HOST_KEY}\n`);
    assert.ok(provider.dependencies.includes(wait.urn), "provider must depend on the wait command");
    // Every docker resource goes through this provider.
    for (const r of run.registrations.filter((x) => x.type.startsWith("docker:"))) {
      assert.ok(r.provider.startsWith(`${provider.urn}::`), `${r.name} does not use the SSH provider`);
    }
  });

  test("the server gets the program's host key through cloud-init, as a secret", () => {
    const server = one("host-server");
    assert.ok(server.secretInputs.includes("userData"));
    assert.ok(server.inputs.userData.includes(`ed25519_public: "ssh-ed25519 ${MOCK_HOST_KEY}"`));
    assert.equal(one("host-host-key").inputs.algorithm, "ED25519");
  });

  test("every remote command connects as root with the private key and the pinned host key, all secret", () => {
    const commands = run.registrations.filter((r) => r.type.startsWith("command:remote:"));
    assert.ok(commands.length >= 8);
    for (const c of commands) {
      assert.equal(c.inputs.connection.host, MOCK_IP, c.name);
      assert.equal(c.inputs.connection.user, "root");
      assert.equal(c.inputs.connection.privateKey, FAKE_PRIVATE_KEY);
      assert.equal(c.inputs.connection.hostKey, `ssh-ed25519 ${MOCK_HOST_KEY}`);
      assert.ok(c.secretInputs.includes("connection"), c.name);
    }
    const wait = one("host-wait-docker");
    assert.ok(wait.dependencies.includes(one("host-data-attachment").urn));
    assert.match(wait.inputs.create, /docker info/);
  });

  test("a new SSH key is uploaded, labelled with the stack", () => {
    const key = one("host-ssh-key");
    assert.equal(key.inputs.publicKey, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITEST test@example");
    assert.deepEqual(key.inputs.labels, { app: "codex-lanes", stack: "test" });
    assert.deepEqual(one("host-server").inputs.sshKeys, [idOf(key)]);
  });
});

describe("workers", () => {
  test("each worker mounts only its own home, publishes nothing and has its own alias", () => {
    for (const account of ["plus-a", "pro-b"]) {
      const w = one(`account-${account}-worker`);
      assert.deepEqual(w.inputs.volumes, [{ volumeName: `codex-lanes-home-${account}`, containerPath: "/codex-home" }]);
      assert.equal(w.inputs.ports, undefined);
      assert.equal(w.inputs.mounts, undefined);
      assert.deepEqual(w.inputs.networksAdvanced, [{ name: "codex-lanes", aliases: [`worker-${account}`] }]);
      assert.equal(w.inputs.restart, "unless-stopped");
      assert.equal(w.inputs.memory, 1024);
      // The image's probe, with the token taken from the environment rather than the command line.
      assert.deepEqual(w.inputs.healthcheck.tests, [
        "CMD", "node", "/app/scripts/containers/healthcheck.cjs", "--path", "/health", "--port", "8790", "--token-env", "CODEX_LANES_WORKER_TOKEN",
      ]);
      assert.equal(w.deleteBeforeReplace, true);
    }
  });

  test("each worker gets its own token, as a secret, and the gateway the matching one", () => {
    const gatewayEnv = envMap(one("gateway-container"));
    const tokens = new Set<string>();
    for (const account of ["plus-a", "pro-b"]) {
      const w = one(`account-${account}-worker`);
      assert.ok(w.secretInputs.includes("envs"), `${account} worker envs are not secret`);
      const env = envMap(w);
      assert.deepEqual(Object.keys(env).sort(), ["CODEX_HOME", "CODEX_LANES_WORKER_TOKEN"]);
      assert.equal(env.CODEX_HOME, "/codex-home");
      const tokenVar = `WORKER_TOKEN_${account.toUpperCase().replace("-", "_")}`;
      assert.equal(gatewayEnv[tokenVar], env.CODEX_LANES_WORKER_TOKEN);
      tokens.add(env.CODEX_LANES_WORKER_TOKEN!);
    }
    assert.equal(tokens.size, 2);
  });

  test("workers run the worker image built on the server, from the uploaded context", () => {
    const build = one("worker-image");
    const upload = one("image-context");
    const hash = sourceHash(repo);
    assert.equal(build.type, "command:remote:Command");
    assert.equal(upload.type, "command:remote:CopyToRemote");
    assert.equal(upload.inputs.remotePath, `/root/codex-lanes-context-${hash.slice(0, 12)}.tgz`);
    assert.ok(build.dependencies.includes(upload.urn));
    assert.ok(build.inputs.triggers.includes(hash));
    assert.ok(build.inputs.create.includes(`tag='codex-lanes-worker:${hash.slice(0, 12)}'`));
    assert.ok(build.inputs.create.includes(`-f "$dir/Dockerfile" --target 'worker'`));
    assert.ok(build.inputs.create.includes("--build-arg BASE_IMAGE='node:24-bookworm-slim@sha256:"));
    for (const w of workers()) {
      assert.ok(w.dependencies.includes(build.urn));
      assert.match(w.inputs.image, /^sha256:[0-9a-f]{64}$/);
    }
  });

  test("the uploaded context is this checkout's build context, .dockerignore applied", () => {
    const upload = one("image-context");
    const archive = path.join(stackDir(tmp), "build-context.tgz");
    assert.ok(fs.existsSync(archive));
    const listed = execFileSync("tar", ["-tzf", archive], { encoding: "utf8" }).trim().split("\n").sort();
    assert.deepEqual(listed, contextFiles(repo));
    assert.ok(upload.dependencies.includes(one("host-wait-docker").urn));
  });

  test("containers: no second init, no capabilities, no privilege gain, memory and pids limits", () => {
    const limits: Record<string, [number, number]> = {
      "codex-lanes-worker-plus-a": [1024, 512],
      "codex-lanes-worker-pro-b": [1024, 512],
      "codex-lanes-gateway": [512, 256],
      "codex-lanes-caddy": [256, 128],
    };
    const pids = run.registrations.filter((r) => r.type === "command:remote:Command" && r.name.endsWith("-pids"));
    for (const c of all(CONTAINER)) {
      const [memory, pidsLimit] = limits[c.inputs.name]!;
      assert.equal(c.inputs.init, undefined, c.name);
      assert.deepEqual(c.inputs.securityOpts, ["no-new-privileges:true"]);
      assert.deepEqual(c.inputs.capabilities.drops, ["ALL"]);
      assert.deepEqual(c.inputs.capabilities.adds, c.inputs.name === "codex-lanes-caddy" ? ["NET_BIND_SERVICE"] : undefined);
      assert.equal(c.inputs.memory, memory, c.name);
      assert.equal(c.inputs.memorySwap, memory, c.name);
      const limit = pids.filter((p) => p.dependencies.includes(c.urn));
      assert.equal(limit.length, 1, `${c.name} has no pids limit`);
      assert.equal(limit[0]!.inputs.create, `docker update --pids-limit ${pidsLimit} ${c.inputs.name} >/dev/null`);
      // Workers keep a thread's connections for a minute after its turn: their open-file limit is set.
      const nofile = c.inputs.name.startsWith("codex-lanes-worker-") ? [{ name: "nofile", soft: 16384, hard: 16384 }] : undefined;
      assert.deepEqual(c.inputs.ulimits, nofile, c.name);
    }
  });
});

describe("gateway and Caddy", () => {
  test("no container mounts the Docker socket or a host path", () => {
    for (const c of all(CONTAINER)) {
      const text = JSON.stringify(c.inputs);
      assert.ok(!text.includes("docker.sock"), `${c.name} mentions docker.sock`);
      for (const v of (c.inputs.volumes ?? []) as Array<Record<string, unknown>>) {
        assert.equal(v.hostPath, undefined, `${c.name} binds a host path`);
      }
      assert.equal(c.inputs.mounts, undefined);
      assert.notEqual(c.inputs.privileged, true);
    }
  });

  test("the gateway mounts only its data volume, never an account home", () => {
    const gw = one("gateway-container");
    assert.deepEqual(gw.inputs.volumes, [{ volumeName: "codex-lanes-gateway-data", containerPath: "/data" }]);
    assert.deepEqual(gw.inputs.networksAdvanced, [{ name: "codex-lanes" }]);
    assert.equal(gw.inputs.name, "codex-lanes-gateway");
    assert.equal(gw.inputs.ports, undefined);
  });

  test("the uploaded config is the generator's output, lanes in account order, API lane last", () => {
    const gw = one("gateway-container");
    const upload = (gw.inputs.uploads as Array<{ file: string; content: string }>)[0]!;
    assert.equal(upload.file, "/etc/codex-lanes/config.json");
    const expected = gatewayConfig(
      [
        { name: "plus-a", plan: "plus", concurrency: 2, planPriceUsd: null },
        { name: "pro-b", plan: "pro-5x", concurrency: null, planPriceUsd: null },
      ],
      { openaiLane: true },
    );
    assert.equal(upload.content, renderGatewayConfig(expected));
    assert.deepEqual(JSON.parse(upload.content).lanes.map((l: { name: string }) => l.name), ["plus-a", "pro-b", "api"]);
  });

  test("the gateway environment: config path, generated keys, worker tokens, OpenAI key; all secret", () => {
    const gw = one("gateway-container");
    assert.ok(gw.secretInputs.includes("envs"));
    const env = envMap(gw);
    assert.deepEqual(Object.keys(env).sort(), [
      "CODEX_LANES_ADMIN_KEY",
      "CODEX_LANES_CONFIG",
      "CODEX_LANES_MASTER_KEY",
      "OPENAI_API_KEY",
      "WORKER_TOKEN_PLUS_A",
      "WORKER_TOKEN_PRO_B",
    ]);
    assert.equal(env.CODEX_LANES_CONFIG, "/etc/codex-lanes/config.json");
    assert.equal(env.OPENAI_API_KEY, "sk-test-openai");
    assert.equal(Buffer.from(env.CODEX_LANES_MASTER_KEY!, "base64").length, 32);
    assert.equal(one("gateway-master-key").inputs.length, 32);
    assert.equal(gw.inputs.wait, true);
    assert.deepEqual(gw.inputs.healthcheck.tests, ["CMD", "node", "/app/scripts/containers/healthcheck.cjs", "--path", "/healthz", "--port", "8787"]);
  });

  test("only Caddy publishes ports, exactly 80 and 443, and proxies to the gateway", () => {
    const published = all(CONTAINER).filter((c) => c.inputs.ports !== undefined);
    assert.deepEqual(published.map((c) => c.inputs.name), ["codex-lanes-caddy"]);
    const caddy = published[0]!;
    assert.deepEqual(caddy.inputs.ports.map((p: { internal: number; external: number }) => [p.internal, p.external]), [[80, 80], [443, 443]]);
    assert.deepEqual(caddy.inputs.volumes.map((v: { containerPath: string }) => v.containerPath), ["/data", "/config"]);
    const upload = (caddy.inputs.uploads as Array<{ file: string; content: string }>)[0]!;
    assert.equal(upload.file, "/etc/caddy/Caddyfile");
    assert.match(upload.content, /\n203-0-113-10\.nip\.io \{\n/);
    assert.match(upload.content, /\n\treverse_proxy codex-lanes-gateway:8787 /);
    assert.deepEqual(caddy.inputs.networksAdvanced, [{ name: "codex-lanes" }]);
    assert.match(one("gateway-caddy-image").inputs.name, /^caddy:2\.\d+\.\d+@sha256:[0-9a-f]{64}$/);
    assert.match(upload.content, /max_size 64MB/);
    assert.match(upload.content, /Strict-Transport-Security/);
  });

  test("the gateway image is built after the worker image, from the Dockerfile's gateway target with the same trigger", () => {
    const image = one("gateway-image");
    assert.ok(image.inputs.create.includes(`-f "$dir/Dockerfile" --target 'gateway'`));
    assert.ok(image.inputs.triggers.includes(sourceHash(repo)));
    assert.ok(image.dependencies.includes(one("worker-image").urn));
    assert.ok(one("gateway-container").dependencies.includes(image.urn));
  });

  test("the master key is protected (a replacement would make stored secrets unreadable) and is a secret output", async () => {
    assert.equal(one("gateway-master-key").protect, true);
    const masterKey = run.outputs.masterKey as pulumi.Output<string>;
    assert.equal(await pulumi.isSecret(masterKey), true);
    assert.equal(await valueOf(masterKey), envMap(one("gateway-container")).CODEX_LANES_MASTER_KEY);
    assert.equal(await valueOf(run.outputs.dataVolumeId), Number(idOf(one("host-data"))));
  });
});

describe("stack outputs", () => {
  test("gateway URL, server IP and one sign-in command per account", async () => {
    assert.equal(await valueOf(run.outputs.gatewayUrl), "https://203-0-113-10.nip.io");
    assert.equal(await valueOf(run.outputs.serverIp), MOCK_IP);
    assert.deepEqual(await valueOf(run.outputs.accounts), {
      "plus-a": "codex-lanes login plus-a --gateway https://203-0-113-10.nip.io",
      "pro-b": "codex-lanes login pro-b --gateway https://203-0-113-10.nip.io",
    });
  });

  test("the admin key output is secret and is the key the gateway gets", async () => {
    const adminKey = run.outputs.adminKey as pulumi.Output<string>;
    assert.equal(await pulumi.isSecret(adminKey), true);
    assert.equal(await pulumi.isSecret(run.outputs.gatewayUrl!), false);
    assert.equal(await valueOf(adminKey), envMap(one("gateway-container")).CODEX_LANES_ADMIN_KEY);
  });
});
