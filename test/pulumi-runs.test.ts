// Compares separate mocked runs of the Pulumi program (each in its own process, since Pulumi's
// runtime is global): adding an account, gateway settings, a stack without an OpenAI key, a custom domain.

import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import {
  baseConfig,
  defaultHetzner,
  makeRepoFixture,
  makeTmpDir,
  SECRET_KEYS,
  type HetznerFixture,
  type Registration,
  type RunOptions,
} from "./pulumi-harness";

const run = promisify(execFile);
const tmp = makeTmpDir();
const repo = makeRepoFixture(tmp);
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

type Outcome = { registrations: Registration[] } | { error: string; registered: number };

/** `tmpDir` holds the run's SSH key file; runs that must compare equal share one. */
async function mockedRun(
  config: Record<string, unknown>,
  tmpDir = fs.mkdtempSync(path.join(tmp, "run-")),
  hetzner?: HetznerFixture,
): Promise<Outcome> {
  const opts: RunOptions = { config, secretKeys: SECRET_KEYS, tmpDir, hetzner };
  const { stdout } = await run(
    process.execPath,
    ["--import", "tsx", path.join(__dirname, "pulumi-harness.ts"), JSON.stringify(opts)],
    { cwd: path.join(__dirname, ".."), timeout: 60_000, maxBuffer: 32 * 1024 * 1024 },
  );
  return JSON.parse(stdout) as Outcome;
}

async function registrations(config: Record<string, unknown>, tmpDir?: string, hetzner?: HetznerFixture): Promise<Registration[]> {
  const outcome = await mockedRun(config, tmpDir, hetzner);
  if ("error" in outcome) assert.fail(`program failed: ${outcome.error}`);
  return outcome.registrations;
}

const byName = (regs: Registration[], name: string) => {
  const r = regs.find((x) => x.name === name);
  assert.ok(r, `no resource ${name}`);
  return r;
};

describe("adding a third account", () => {
  test("adds only that account's resources and leaves the others' names and inputs unchanged", async () => {
    const two = baseConfig(repo);
    const three = { ...two, accounts: [...(two.accounts as unknown[]), { name: "team-c", plan: "business" }] };
    // One after the other: both runs write the same key file, as two `pulumi up`s on one machine would.
    const shared = fs.mkdtempSync(path.join(tmp, "shared-"));
    const before = await registrations(two, shared);
    const afterRun = await registrations(three, shared);

    const beforeUrns = new Set(before.map((r) => r.urn));
    const added = afterRun.filter((r) => !beforeUrns.has(r.urn));
    assert.deepEqual(added.map((r) => r.name).sort(), [
      "account-team-c",
      "account-team-c-home",
      "account-team-c-pids",
      "account-team-c-token",
      "account-team-c-worker",
    ]);
    const afterByUrn = new Map(afterRun.map((r) => [r.urn, r]));
    const changed: string[] = [];
    for (const r of before) {
      const now = afterByUrn.get(r.urn);
      assert.ok(now, `${r.urn} disappeared`);
      if (JSON.stringify(now.inputs) !== JSON.stringify(r.inputs)) changed.push(r.name);
    }
    // The gateway must learn the new lane and token; nothing else may change.
    assert.deepEqual(changed, ["gateway-container"]);
    const gw = byName(afterRun, "gateway-container");
    const lanes = JSON.parse(gw.inputs.uploads[0].content).lanes.map((l: { name: string }) => l.name);
    assert.deepEqual(lanes, ["plus-a", "pro-b", "team-c"]);
    assert.ok((gw.inputs.envs as string[]).some((e) => e.startsWith("WORKER_TOKEN_TEAM_C=")));
  });
});

/** Names of the resources whose inputs differ between two runs (the same resources in both). */
function changedBetween(before: Registration[], after: Registration[]): string[] {
  const afterByUrn = new Map(after.map((r) => [r.urn, r]));
  assert.deepEqual([...afterByUrn.keys()].sort(), before.map((r) => r.urn).sort());
  return before.filter((r) => JSON.stringify(afterByUrn.get(r.urn)!.inputs) !== JSON.stringify(r.inputs)).map((r) => r.name).sort();
}

describe("gateway settings", () => {
  test("reach the gateway's config file and, for the turn limits, every worker's command; only those containers change", async () => {
    const shared = fs.mkdtempSync(path.join(tmp, "settings-"));
    const plain = await registrations(baseConfig(repo), shared);
    // As `pulumi config set --path` stores them: whole numbers as numbers, 1.25 as text.
    const gateway = { limits: { turnTimeoutMs: 900000, keepThreadMs: 0 }, log: { retentionDays: 30 }, prices: { "my-model": { input: "1.25", cachedInput: "0.125", output: 10 } } };
    const tuned = await registrations({ ...baseConfig(repo), gateway }, shared);
    const logOnly = await registrations({ ...baseConfig(repo), gateway: { log: { retentionDays: 30 } } }, shared);

    for (const name of ["account-plus-a-worker", "account-pro-b-worker"]) {
      assert.equal(byName(plain, name).inputs.command, undefined, "no settings: the image's own CMD");
      assert.deepEqual(byName(tuned, name).inputs.command, ["node", "gateway/bin/codex-lanes.cjs", "worker", "--turn-timeout-ms", "900000", "--keep-thread-ms", "0"]);
      assert.equal(byName(logOnly, name).inputs.command, undefined, "no turn limit set: the image's own CMD");
    }
    const file = (regs: Registration[]) => JSON.parse(byName(regs, "gateway-container").inputs.uploads[0].content);
    const { listen, dataDir, lanes, ...settings } = file(tuned);
    assert.deepEqual({ listen, dataDir, lanes }, file(plain));
    assert.deepEqual(settings, { limits: { turnTimeoutMs: 900000, keepThreadMs: 0 }, log: { retentionDays: 30 }, prices: { "my-model": { input: 1.25, cachedInput: 0.125, output: 10 } } });
    // The config file is an upload and the command an input of the container: a change replaces it, as adding an account does.
    assert.deepEqual(changedBetween(plain, tuned), ["account-plus-a-worker", "account-pro-b-worker", "gateway-container"]);
    assert.deepEqual(changedBetween(plain, logOnly), ["gateway-container"]);
  });
});

describe("variants", { concurrency: true }, () => {
  test("without an OpenAI key there is no API lane and no OPENAI_API_KEY", async () => {
    const regs = await registrations(baseConfig(repo));
    const gw = byName(regs, "gateway-container");
    const lanes = JSON.parse(gw.inputs.uploads[0].content).lanes;
    assert.deepEqual(lanes.map((l: { type: string }) => l.type), ["codex", "codex"]);
    assert.ok(!(gw.inputs.envs as string[]).some((e) => e.startsWith("OPENAI_API_KEY=")));
  });

  test("a domain replaces nip.io in Caddy, with the ACME email; other settings reach the host", async () => {
    const regs = await registrations({
      ...baseConfig(repo),
      domain: "ai.example.com",
      acmeEmail: "ops@example.com",
      serverType: "cpx22",
      location: "hel1",
      volumeSizeGb: 25,
      workerMemoryMb: 1536,
    });
    const caddyfile = byName(regs, "gateway-caddy").inputs.uploads[0].content as string;
    assert.match(caddyfile, /\temail ops@example\.com\n/);
    assert.match(caddyfile, /\nai\.example\.com \{\n/);
    assert.ok(!caddyfile.includes("nip.io"));
    const server = byName(regs, "host-server");
    assert.equal(server.inputs.serverType, "cpx22");
    assert.equal(server.inputs.location, "hel1");
    assert.equal(byName(regs, "host-data").inputs.size, 25);
    assert.equal(byName(regs, "account-plus-a-worker").inputs.memory, 1536);
  });

  test("a new stack adopts a retained volume, an uploaded SSH key and the old master key", async () => {
    const hetzner = defaultHetzner();
    hetzner.sshKeys.push({ id: 77, name: "laptop", publicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITEST me", fingerprint: "f", labels: {} });
    hetzner.volumes.push({ id: 4242, name: "host-data-1a2b", location: "nbg1", linuxDevice: "/dev/disk/by-id/scsi-0HC_Volume_4242", size: 10 });
    const masterKey = Buffer.alloc(32, 9).toString("base64");
    const { sshPublicKey: _unused, ...rest } = baseConfig(repo);
    const regs = await registrations({ ...rest, sshKeyName: "laptop", dataVolumeId: 4242, masterKey }, undefined, hetzner);
    assert.ok(!regs.some((r) => r.type === "hcloud:index/sshKey:SshKey"), "no SSH key is created");
    assert.deepEqual(byName(regs, "host-server").inputs.sshKeys, ["77"]);
    // The volume is only read: nothing of this stack owns it, so no destroy can delete it.
    assert.ok(!regs.some((r) => r.type === "hcloud:index/volume:Volume" && r.custom && Object.keys(r.inputs).includes("size")));
    assert.equal(byName(regs, "host-data-attachment").inputs.volumeId, 4242);
    assert.ok(byName(regs, "host-server").inputs.userData.includes("DEV='/dev/disk/by-id/scsi-0HC_Volume_4242'"));
    const env = byName(regs, "gateway-container").inputs.envs as string[];
    assert.ok(env.includes(`CODEX_LANES_MASTER_KEY=${masterKey}`));
  });
});
