// Compares separate mocked runs of the Pulumi program (each in its own process, since Pulumi's
// runtime is global): adding an account, a stack without an OpenAI key, a custom domain.

import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { baseConfig, makeRepoFixture, makeTmpDir, SECRET_KEYS, type Registration, type RunOptions } from "./pulumi-harness";

const run = promisify(execFile);
const tmp = makeTmpDir();
const repo = makeRepoFixture(tmp);
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

type Outcome = { registrations: Registration[] } | { error: string; registered: number };

/** `tmpDir` holds the run's SSH key file; runs that must compare equal share one. */
async function mockedRun(config: Record<string, unknown>, tmpDir = fs.mkdtempSync(path.join(tmp, "run-"))): Promise<Outcome> {
  const opts: RunOptions = { config, secretKeys: SECRET_KEYS, tmpDir };
  const { stdout } = await run(
    process.execPath,
    ["--import", "tsx", path.join(__dirname, "pulumi-harness.ts"), JSON.stringify(opts)],
    { cwd: path.join(__dirname, ".."), timeout: 60_000, maxBuffer: 32 * 1024 * 1024 },
  );
  return JSON.parse(stdout) as Outcome;
}

async function registrations(config: Record<string, unknown>, tmpDir?: string): Promise<Registration[]> {
  const outcome = await mockedRun(config, tmpDir);
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
    const three = { ...two, accounts: [...(two.accounts as unknown[]), { name: "team-c", plan: "team" }] };
    // One after the other: both runs write the same key file, as two `pulumi up`s on one machine would.
    const shared = fs.mkdtempSync(path.join(tmp, "shared-"));
    const before = await registrations(two, shared);
    const afterRun = await registrations(three, shared);

    const beforeUrns = new Set(before.map((r) => r.urn));
    const added = afterRun.filter((r) => !beforeUrns.has(r.urn));
    assert.deepEqual(added.map((r) => r.name).sort(), [
      "account-team-c",
      "account-team-c-home",
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
      serverType: "cpx21",
      location: "hel1",
      volumeSizeGb: 25,
      workerMemoryMb: 1536,
    });
    const caddyfile = byName(regs, "gateway-caddy").inputs.uploads[0].content as string;
    assert.match(caddyfile, /\temail ops@example\.com\n/);
    assert.match(caddyfile, /\nai\.example\.com \{\n/);
    assert.ok(!caddyfile.includes("nip.io"));
    const server = byName(regs, "host-server");
    assert.equal(server.inputs.serverType, "cpx21");
    assert.equal(server.inputs.location, "hel1");
    assert.equal(byName(regs, "host-data").inputs.size, 25);
    assert.equal(byName(regs, "account-plus-a-worker").inputs.memory, 1536);
  });
});
