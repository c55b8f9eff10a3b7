// Pure parts of the Pulumi program: config validation, the gateway config generator, Caddyfile,
// cloud-init, firewall rules, CIDR checks, the SSH key file and the image source hash.

import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { loadConfig } from "../gateway/config/load";
import { GATEWAY_KEEP_ALIVE_MS } from "../gateway/config/rules";
import { codexLaneSchema } from "../gateway/config/schema";
import { cidrProblem } from "../pulumi/cidr";
import { caddyfile, publicHost } from "../pulumi/caddyfile";
import { cloudInit, WAIT_FOR_DOCKER } from "../pulumi/cloud-init";
import { WORKER_COMMAND, workerTokenEnv } from "../pulumi/contracts";
import { firewallRules } from "../pulumi/firewall";
import { gatewayConfig, renderGatewayConfig, workerCommand, type AccountSpec } from "../pulumi/gateway-config";
import { parseWorkerArgs } from "../gateway/worker/index";
import { CONFIG_KEYS, StackConfigError, DEFAULTS, realFiles, validateSettings, type RawConfig } from "../pulumi/settings";
import { contextFiles, sourceHash, writeContextArchive } from "../pulumi/source-hash";
import { sshDir, writeKnownHosts, writeSshKeyFile } from "../pulumi/ssh-key-file";
import { FAKE_PRIVATE_KEY, makeRepoFixture, makeTmpDir } from "./pulumi-harness";

// js-yaml ships with @pulumi/pulumi; it parses the cloud-init exactly as YAML, as cloud-init will.
const yaml = require("js-yaml") as { load(text: string): unknown };

const tmp = makeTmpDir();
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const repo = makeRepoFixture(tmp);

function raw(overrides: Record<string, unknown> = {}): RawConfig {
  const base: Record<string, unknown> = {
    sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITEST me@laptop",
    sshPrivateKey: FAKE_PRIVATE_KEY,
    adminCidrs: ["198.51.100.7/32"],
    acmeEmail: "ops@example.com",
    accounts: [{ name: "plus-a", plan: "plus" }],
    repoDir: repo,
    ...overrides,
  };
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(base)) out[k] = v === undefined || typeof v === "string" ? v : JSON.stringify(v);
  return out;
}

function validate(overrides: Record<string, unknown> = {}) {
  return validateSettings(raw(overrides), { defaultRepoDir: repo, files: realFiles });
}

function problemsOf(overrides: Record<string, unknown>): string[] {
  try {
    validate(overrides);
  } catch (err) {
    assert.ok(err instanceof StackConfigError, `expected a StackConfigError, got ${String(err)}`);
    return [...err.problems];
  }
  assert.fail("expected the config to be rejected");
}

describe("stack config validation", () => {
  test("a minimal config gets the documented defaults", () => {
    const s = validate();
    assert.equal(s.serverType, "cx23");
    assert.equal(s.location, "nbg1");
    assert.equal(s.volumeSizeGb, 10);
    assert.equal(s.workerMemoryMb, 1024);
    assert.equal(s.domain, null);
    assert.equal(s.acmeEmail, "ops@example.com");
    assert.equal(s.openaiLane, false);
    assert.equal(s.repoDir, repo);
    assert.deepEqual(s.accounts, [{ name: "plus-a", plan: "plus", concurrency: null, planPriceUsd: null }]);
    assert.deepEqual([s.sshKeyName, s.dataVolumeId, s.masterKeyGiven, s.acmeCa, s.acmeCaRoot], [null, null, false, null, null]);
    assert.match(s.nodeImage, /^node:24-bookworm-slim@sha256:[0-9a-f]{64}$/);
    assert.match(s.caddyImage, /^caddy:2\.\d+\.\d+@sha256:[0-9a-f]{64}$/);
  });

  test("without a domain, acmeEmail is required (nip.io shares one Let's Encrypt bucket; ZeroSSL needs an email)", () => {
    const problem = problemsOf({ acmeEmail: undefined })[0]!;
    assert.match(problem, /^codex-lanes:acmeEmail: is required when domain is not set: .*ZeroSSL.*pulumi config set acmeEmail/);
    assert.equal(validate({ acmeEmail: undefined, domain: "ai.example.com" }).acmeEmail, null);
    assert.equal(validate({ acmeEmail: undefined, acmeCa: "https://ca.test/directory" }).acmeCa, "https://ca.test/directory");
  });

  test("sshKeyName replaces sshPublicKey; the new keys are checked and secrets never quoted", () => {
    assert.equal(validate({ sshPublicKey: undefined, sshKeyName: "laptop" }).sshKeyName, "laptop");
    assert.match(problemsOf({ sshPublicKey: undefined })[0]!, /^codex-lanes:sshPublicKey: is not set; .* sshKeyName/);
    assert.equal(validate({ dataVolumeId: "101" }).dataVolumeId, 101);
    assert.match(problemsOf({ dataVolumeId: "vol-1" })[0]!, /^codex-lanes:dataVolumeId: "vol-1" is not a Hetzner volume id/);
    const key = Buffer.alloc(32, 7).toString("base64");
    assert.equal(validate({ masterKey: key }).masterKeyGiven, true);
    const bad = problemsOf({ masterKey: "not-a-key-but-secret" })[0]!;
    assert.match(bad, /^codex-lanes:masterKey: is not 32 bytes written as base64/);
    assert.ok(!bad.includes("not-a-key-but-secret"));
    assert.match(problemsOf({ nodeImage: "Node 24" })[0]!, /^codex-lanes:nodeImage: "Node 24" is not an image reference/);
    assert.match(problemsOf({ acmeCa: "http://ca.test" })[0]!, /^codex-lanes:acmeCa: /);
    assert.match(problemsOf({ acmeCaRoot: "x" }).join("\n"), /codex-lanes:acmeCaRoot: is not a PEM certificate/);
  });

  test("empty strings (the Pulumi.yaml defaults of optional keys) count as unset", () => {
    const s = validate({
      domain: "", openaiApiKey: "", repoDir: "", serverType: "", volumeSizeGb: "",
      sshKeyName: "", dataVolumeId: "", masterKey: "", nodeImage: "", caddyImage: "", acmeCa: "", acmeCaRoot: "",
    });
    assert.deepEqual([s.sshKeyName, s.dataVolumeId, s.masterKeyGiven, s.acmeCa], [null, null, false, null]);
    assert.equal(s.caddyImage, DEFAULTS.caddyImage);
    assert.equal(s.domain, null);
    assert.equal(s.openaiLane, false);
    assert.equal(s.repoDir, repo);
    assert.equal(s.serverType, "cx23");
    assert.equal(s.volumeSizeGb, 10);
  });

  test("explicit values are kept; numbers may arrive as strings or numbers", () => {
    const s = validate({
      serverType: "cpx31",
      location: "fsn1",
      domain: "AI.Example.com",
      acmeEmail: "ops@example.com",
      openaiApiKey: "sk-test",
      volumeSizeGb: "50",
      workerMemoryMb: "2048",
      accounts: [{ name: "plus-a", plan: "team", concurrency: "3", planPriceUsd: 25 }, "b2"],
    });
    assert.equal(s.serverType, "cpx31");
    assert.equal(s.location, "fsn1");
    assert.equal(s.domain, "ai.example.com");
    assert.equal(s.acmeEmail, "ops@example.com");
    assert.equal(s.openaiLane, true);
    assert.equal(s.volumeSizeGb, 50);
    assert.equal(s.workerMemoryMb, 2048);
    assert.deepEqual(s.accounts, [
      { name: "plus-a", plan: "business", concurrency: 3, planPriceUsd: 25 },
      { name: "b2", plan: null, concurrency: null, planPriceUsd: null },
    ]);
  });

  test("plans take the gateway's names; the old names pro and team still work, with a deprecation note", () => {
    const s = validate({ accounts: [{ name: "a", plan: "pro-5x" }, { name: "b", plan: "pro" }, { name: "c", plan: "team" }, { name: "d", plan: "enterprise" }] });
    assert.deepEqual(s.accounts.map((a) => a.plan), ["pro-5x", "pro-20x", "business", "enterprise"]);
    assert.deepEqual(s.deprecations, [
      'codex-lanes:accounts[1].plan: "pro" is deprecated and means "pro-20x" (ChatGPT Pro 20x); write "pro-20x"',
      'codex-lanes:accounts[2].plan: "team" is deprecated and means "business" (ChatGPT Business (per seat)); write "business"',
    ]);
    assert.equal(validate({ accounts: [{ name: "a", plan: "plus" }] }).deprecations, undefined);
  });

  test("no accounts: unset and empty both name the key and say how to add one", () => {
    for (const accounts of [undefined, []]) {
      const [problem = "", ...rest] = problemsOf({ accounts });
      assert.equal(rest.length, 0);
      assert.match(problem, /^codex-lanes:accounts: /);
      assert.match(problem, /pulumi config set --path 'accounts\[0\]\.name'/);
    }
  });

  test("an invalid account name is named with its index, value and the rule", () => {
    assert.deepEqual(problemsOf({ accounts: [{ name: "plus-a" }, { name: "Plus B" }] }), [
      'codex-lanes:accounts[1].name: "Plus B" is not a valid account name; use lowercase letters, digits and dashes (1 to 32, starting with a letter or digit)',
    ]);
    for (const name of ["-a", "a_b", "a".repeat(33), ""]) {
      assert.match(problemsOf({ accounts: [{ name }] })[0]!, /^codex-lanes:accounts\[0\]\.name: .* is not a valid account name/);
    }
  });

  test("a duplicate account name is rejected at the second use", () => {
    assert.deepEqual(problemsOf({ accounts: ["a", "b", "a"] }), [
      'codex-lanes:accounts[2].name: "a" is used by an earlier account; account names must be unique',
    ]);
  });

  test("an account passes exactly when the gateway would take it as a codex lane: one rule for names and concurrency", () => {
    const names = ["a", "plus-a", "0pro", "a".repeat(32), "a".repeat(33), "-a", "a_b", "Plus", "", "ä", "a-", "a--b"];
    const concurrencies = [1, 2, 64, 0, 65, -1, 1.5];
    const cases = [...names.map((name) => ({ name })), ...concurrencies.map((concurrency) => ({ name: "a", concurrency }))];
    for (const account of cases) {
      const gateway = codexLaneSchema.safeParse({ type: "codex", ...account }).success;
      let pulumi = true;
      try {
        validate({ accounts: [account] });
      } catch (err) {
        assert.ok(err instanceof StackConfigError);
        pulumi = false;
      }
      assert.equal(pulumi, gateway, JSON.stringify(account));
    }
  });

  test("the name of the API-key lane is reserved", () => {
    assert.match(problemsOf({ accounts: ["api"] })[0]!, /^codex-lanes:accounts\[0\]\.name: "api" is reserved/);
  });

  test("unknown plans, bad concurrency, bad prices and unknown keys are named", () => {
    const problems = problemsOf({
      accounts: [{ name: "a", plan: "ultra", concurrency: 65, planPriceUsd: "lots", concurency: 2 }],
    });
    assert.deepEqual(
      problems.map((p) => p.split(":").slice(0, 2).join(":")),
      [
        "codex-lanes:accounts[0].concurency",
        "codex-lanes:accounts[0].plan",
        "codex-lanes:accounts[0].concurrency",
        "codex-lanes:accounts[0].planPriceUsd",
      ],
    );
    assert.equal(
      problems[1],
      'codex-lanes:accounts[0].plan: "ultra" is not a known plan; use one of free, go, plus, pro-5x, pro-20x, business, edu, enterprise (or leave it out and set planPriceUsd)',
    );
  });

  test("a bad CIDR names its index and says what a CIDR looks like", () => {
    assert.deepEqual(problemsOf({ adminCidrs: ["198.51.100.7/32", "198.51.100.7"] }), [
      'codex-lanes:adminCidrs[1]: "198.51.100.7" is not a CIDR; write an address with a prefix length, e.g. 203.0.113.7/32',
    ]);
  });

  test("missing or empty admin CIDRs are rejected: SSH would be closed to everyone", () => {
    for (const adminCidrs of [undefined, []]) {
      const problems = problemsOf({ adminCidrs });
      assert.equal(problems.length, 1);
      assert.match(problems[0]!, /^codex-lanes:adminCidrs: .*pulumi config set --path 'adminCidrs\[0\]'/);
    }
    assert.match(problemsOf({ adminCidrs: "198.51.100.7/32" })[0]!, /^codex-lanes:adminCidrs: must be a list/);
  });

  test("every problem is reported at once, in one error that names each key", () => {
    let message = "";
    try {
      validate({ accounts: [], adminCidrs: ["nope"], sshPublicKey: undefined, volumeSizeGb: "5", domain: "https://x.example.com/" });
    } catch (err) {
      message = (err as Error).message;
    }
    assert.match(message, /^Invalid stack configuration \(5 problems\):/);
    for (const key of ["sshPublicKey", "adminCidrs[0]", "domain", "accounts", "volumeSizeGb"]) {
      assert.ok(message.includes(`codex-lanes:${key}: `), `${key} missing from:\n${message}`);
    }
  });

  test("a missing or malformed private key is reported without quoting it", () => {
    assert.match(problemsOf({ sshPrivateKey: undefined })[0]!, /^codex-lanes:sshPrivateKey: is not set; run pulumi config set --secret/);
    const secretLooking = "ssh-ed25519 AAAA-this-is-the-public-key-by-mistake";
    const problem = problemsOf({ sshPrivateKey: secretLooking })[0]!;
    assert.match(problem, /^codex-lanes:sshPrivateKey: does not look like a private key/);
    assert.ok(!problem.includes(secretLooking));
  });

  test("repoDir must be a checkout with the Dockerfile", () => {
    const problems = problemsOf({ repoDir: path.join(tmp, "nowhere") });
    assert.match(problems[0]!, /^codex-lanes:repoDir: ".*nowhere" is not a directory/);
    const partial = path.join(tmp, "partial");
    fs.mkdirSync(partial, { recursive: true });
    fs.writeFileSync(path.join(partial, "package.json"), "{}");
    assert.match(problemsOf({ repoDir: partial })[0]!, /missing package-lock\.json, Dockerfile/);
  });
});

describe("gateway config generator", () => {
  const accounts: AccountSpec[] = [
    { name: "plus-a", plan: "plus", concurrency: 2, planPriceUsd: null },
    { name: "pro-b", plan: "pro-5x", concurrency: null, planPriceUsd: null },
    { name: "team-c", plan: "business", concurrency: null, planPriceUsd: 25 },
    { name: "d", plan: null, concurrency: null, planPriceUsd: null },
  ];

  test("lanes follow the accounts in order, each pointing at its own worker and token variable", () => {
    const config = gatewayConfig(accounts, { openaiLane: false });
    assert.deepEqual(config, {
      listen: { host: "0.0.0.0", port: 8787 },
      dataDir: "/data",
      lanes: [
        { name: "plus-a", type: "codex", worker: { url: "http://worker-plus-a:8790", tokenEnv: "WORKER_TOKEN_PLUS_A" }, concurrency: 2, plan: "plus" },
        { name: "pro-b", type: "codex", worker: { url: "http://worker-pro-b:8790", tokenEnv: "WORKER_TOKEN_PRO_B" }, plan: "pro-5x" },
        { name: "team-c", type: "codex", worker: { url: "http://worker-team-c:8790", tokenEnv: "WORKER_TOKEN_TEAM_C" }, plan: "business", planPriceUsd: 25 },
        { name: "d", type: "codex", worker: { url: "http://worker-d:8790", tokenEnv: "WORKER_TOKEN_D" } },
      ],
    });
  });

  test("the API-key lane comes last, and only when the stack has a key", () => {
    const withKey = gatewayConfig(accounts.slice(0, 2), { openaiLane: true });
    assert.deepEqual(withKey.lanes.map((l) => l.name), ["plus-a", "pro-b", "api"]);
    assert.deepEqual(withKey.lanes[2], { name: "api", type: "openai", apiKeyEnv: "OPENAI_API_KEY" });
    assert.ok(!gatewayConfig(accounts, { openaiLane: false }).lanes.some((l) => l.type === "openai"));
  });

  test("the gateway's own loader accepts the file with the environment the deployment sets", () => {
    const file = path.join(tmp, "gateway-config.json");
    fs.writeFileSync(file, renderGatewayConfig(gatewayConfig(accounts, { openaiLane: true })));
    const env: NodeJS.ProcessEnv = {
      CODEX_LANES_ADMIN_KEY: "a".repeat(48),
      CODEX_LANES_MASTER_KEY: Buffer.alloc(32, 1).toString("base64"),
      OPENAI_API_KEY: "sk-test",
    };
    for (const a of accounts) env[workerTokenEnv(a.name)] = `token-for-${a.name}-0123456789`;
    const loaded = loadConfig({ path: file, env, cwd: tmp });
    assert.equal(loaded.dataDir, "/data");
    assert.deepEqual(loaded.listen, { host: "0.0.0.0", port: 8787 });
    assert.deepEqual(loaded.lanes.map((l) => l.name), ["plus-a", "pro-b", "team-c", "d", "api"]);
    const first = loaded.lanes[0]!;
    assert.ok(first.type === "codex" && first.worker);
    assert.deepEqual(first.worker, { url: "http://worker-plus-a:8790", token: "token-for-plus-a-0123456789" });
    assert.deepEqual(loaded.lanes.map((l) => (l.type === "codex" ? [l.plan ?? null, l.planPriceUsd] : null)), [["plus", null], ["pro-5x", null], ["business", 25], [null, null], null]);
    assert.equal(loaded.deprecations, undefined);
  });

  test("the rendered file is the JSON of the generated config, no secrets in it", () => {
    const text = renderGatewayConfig(gatewayConfig(accounts, { openaiLane: true }));
    assert.deepEqual(JSON.parse(text), gatewayConfig(accounts, { openaiLane: true }));
    assert.ok(text.endsWith("\n"));
  });

  test("token variable names are upper snake case of the account name", () => {
    assert.equal(workerTokenEnv("plus-a"), "WORKER_TOKEN_PLUS_A");
    assert.equal(workerTokenEnv("a1-b2-c3"), "WORKER_TOKEN_A1_B2_C3");
  });
});

describe("the gateway setting", () => {
  /** The gateway's own loader on the generated file, with the environment the deployment sets. */
  function deployedGateway(file: string, accounts: AccountSpec[]) {
    const env: NodeJS.ProcessEnv = { CODEX_LANES_ADMIN_KEY: "a".repeat(48), CODEX_LANES_MASTER_KEY: Buffer.alloc(32, 1).toString("base64") };
    for (const a of accounts) env[workerTokenEnv(a.name)] = `token-for-${a.name}-0123456789`;
    const at = path.join(tmp, "gateway-setting.json");
    fs.writeFileSync(at, file);
    return loadConfig({ path: at, env, cwd: tmp });
  }

  test("absent (or the Pulumi.yaml default {}), the generated file and the workers' command are today's", () => {
    for (const gateway of [undefined, {}, "{}"]) {
      const s = validate({ gateway });
      assert.deepEqual(s.gateway, {});
      const file = renderGatewayConfig(gatewayConfig(s.accounts, { openaiLane: false, settings: s.gateway }));
      assert.equal(file, renderGatewayConfig(gatewayConfig(s.accounts, { openaiLane: false })));
      assert.deepEqual(Object.keys(JSON.parse(file)), ["listen", "dataDir", "lanes"]);
      assert.equal(workerCommand(s.gateway.limits), null);
    }
  });

  test("values arrive as pulumi config set --path stores them (whole numbers and true as such, 1.25 as text) and reach the deployed gateway", () => {
    const s = validate({
      gateway: {
        limits: { turnTimeoutMs: 900000, toolHoldMs: 0, keepThreadMs: "120000", maxBodyBytes: 20971520 },
        queue: { maxWaiting: 512, maxWaitMs: "90000" },
        policy: { defaultCooldownMs: 600000, maxRetries: 1 },
        rateLimitPollMs: 30000,
        log: { bodies: true, retentionDays: "30" },
        prices: { "my-model": { input: "1.25", cachedInput: "0.125", output: 10 } },
        calc: { plans: { "pro-5x": { capacityUsd: "3000" } } },
      },
    });
    assert.deepEqual(s.gateway, {
      limits: { turnTimeoutMs: 900000, toolHoldMs: 0, keepThreadMs: 120000, maxBodyBytes: 20971520 },
      queue: { maxWaiting: 512, maxWaitMs: 90000 },
      policy: { defaultCooldownMs: 600000, maxRetries: 1 },
      rateLimitPollMs: 30000,
      log: { bodies: true, retentionDays: 30 },
      prices: { "my-model": { input: 1.25, cachedInput: 0.125, output: 10 } },
      calc: { plans: { "pro-5x": { capacityUsd: 3000 } } },
    });
    const file = renderGatewayConfig(gatewayConfig(s.accounts, { openaiLane: false, settings: s.gateway }));
    // Only what the stack set: the gateway fills in its own defaults.
    assert.deepEqual(JSON.parse(file), { ...gatewayConfig(s.accounts, { openaiLane: false }), ...s.gateway });
    const loaded = deployedGateway(file, s.accounts);
    assert.deepEqual(loaded.limits, { maxBodyBytes: 20971520, maxUploadBytes: 512 * 1024 * 1024, turnTimeoutMs: 900000, toolHoldMs: 0, keepThreadMs: 120000 });
    assert.deepEqual(loaded.queue, { maxWaiting: 512, maxWaitMs: 90000 });
    assert.deepEqual(loaded.policy, { defaultCooldownMs: 600000, maxRetries: 1, circuitThreshold: 3, circuitOpenMs: 30000 });
    assert.equal(loaded.rateLimitPollMs, 30000);
    assert.deepEqual(loaded.log, { bodies: true, retentionDays: 30 });
    assert.deepEqual(loaded.prices["my-model"], { input: 1.25, cachedInput: 0.125, output: 10 });
    assert.deepEqual(loaded.calc, { plans: { "pro-5x": { capacityUsd: 3000 } } });
  });

  test("an account may use a plan the stack adds under gateway.calc.plans, and the gateway takes it", () => {
    const gateway = { calc: { plans: { "team-seat": { priceUsd: 30, capacityUsd: 800, label: "Team seat" } } } };
    const s = validate({ gateway, accounts: [{ name: "a", plan: "team-seat" }] });
    assert.deepEqual(s.accounts, [{ name: "a", plan: "team-seat", concurrency: null, planPriceUsd: null }]);
    const loaded = deployedGateway(renderGatewayConfig(gatewayConfig(s.accounts, { openaiLane: false, settings: s.gateway })), s.accounts);
    const lane = loaded.lanes[0]!;
    assert.ok(lane.type === "codex");
    assert.equal(lane.plan, "team-seat");
    assert.match(problemsOf({ accounts: [{ name: "a", plan: "team-seat" }] })[0]!, /^codex-lanes:accounts\[0\]\.plan: "team-seat" is not a known plan; use one of free, go, plus/);
    // Another problem in gateway does not make the account's plan unknown as well.
    assert.deepEqual(problemsOf({ gateway: { ...gateway, rateLimitPollMs: 5 }, accounts: [{ name: "a", plan: "team-seat" }] }), [
      "codex-lanes:gateway.rateLimitPollMs: must be an integer from 1000 to 86400000 (got 5)",
    ]);
  });

  test("bad settings: every problem at once, each under its full key with the gateway's own message", () => {
    const problems = problemsOf({
      gateway: {
        listen: { port: 80 },
        dataDir: "/srv",
        lanes: [],
        limit: {},
        limits: { turnTimeoutMs: 5, turnTimeout: 900000, toolHoldMs: -1 },
        log: { bodies: "yes" },
        prices: { "my-model": { input: "cheap", output: 1 } },
        calc: { plans: { "my-plan": { priceUsd: 20 } } },
      },
    });
    assert.deepEqual(problems, [
      "codex-lanes:gateway.listen: is set by the program (the gateway listens on port 8787 of its container, behind Caddy); remove it",
      "codex-lanes:gateway.dataDir: is set by the program (gateway.db lives on the gateway's data volume, /data); remove it",
      "codex-lanes:gateway.lanes: is set by the program: the lanes are your accounts, in order, then the API-key lane when openaiApiKey is set; remove it and use accounts",
      "codex-lanes:gateway.limits.turnTimeoutMs: must be an integer from 1000 to 3600000 (got 5)",
      "codex-lanes:gateway.limits.toolHoldMs: must be an integer from 0 to 3600000 (got -1)",
      'codex-lanes:gateway.limits.turnTimeout: unknown key (did you mean "turnTimeoutMs"?); allowed here: maxBodyBytes, maxUploadBytes, turnTimeoutMs, toolHoldMs, keepThreadMs',
      'codex-lanes:gateway.log.bodies: must be true or false (got "yes")',
      'codex-lanes:gateway.prices["my-model"].input: must be a number, at least 0 (got "cheap")',
      'codex-lanes:gateway.prices["my-model"].cachedInput: missing; must be a number, at least 0',
      'codex-lanes:gateway.limit: unknown key (did you mean "limits"?); allowed here: limits, queue, policy, rateLimitPollMs, log, prices, calc',
      'codex-lanes:gateway.calc.plans["my-plan"]: is not a built-in plan (free, go, plus, pro-5x, pro-20x, business, edu, enterprise), so it needs both "priceUsd" and "capacityUsd"',
    ]);
  });

  test("a value that is not an object is refused with how to set one; a secret pasted in is never quoted", () => {
    assert.deepEqual(problemsOf({ gateway: "900000" }), [
      "codex-lanes:gateway: must be an object of the gateway's settings (limits, queue, policy, rateLimitPollMs, log, prices, calc); e.g. pulumi config set --path gateway.limits.turnTimeoutMs 900000",
    ]);
    const secret = "sk-proj-abcdefghijklmnopqrstuvwxyz012345";
    const problems = problemsOf({ gateway: { limits: { turnTimeoutMs: secret }, apiKey: secret } });
    assert.deepEqual(problems, [
      `codex-lanes:gateway.limits.turnTimeoutMs: must be an integer from 1000 to 3600000 (got a string of ${secret.length} characters)`,
      "codex-lanes:gateway.apiKey: unknown key; allowed here: limits, queue, policy, rateLimitPollMs, log, prices, calc",
    ]);
  });

  test("the turn limits reach each worker as its flags, which the worker reads as the gateway does", () => {
    assert.equal(workerCommand({ maxBodyBytes: 20971520 }), null);
    const command = workerCommand({ turnTimeoutMs: 900000, toolHoldMs: 0, keepThreadMs: 120000, maxBodyBytes: 20971520 })!;
    assert.deepEqual(command, [...WORKER_COMMAND, "--turn-timeout-ms", "900000", "--tool-hold-ms", "0", "--keep-thread-ms", "120000"]);
    const worker = parseWorkerArgs(command.slice(WORKER_COMMAND.length), { CODEX_LANES_WORKER_TOKEN: "t".repeat(32) });
    assert.deepEqual([worker.turnTimeoutMs, worker.toolHoldMs, worker.keepThreadMs], [900000, 0, 120000]);
    // Only what is set: the worker's own defaults are the gateway's.
    const one = parseWorkerArgs(workerCommand({ keepThreadMs: 0 })!.slice(WORKER_COMMAND.length), { CODEX_LANES_WORKER_TOKEN: "t".repeat(32) });
    assert.deepEqual([one.turnTimeoutMs, one.toolHoldMs, one.keepThreadMs], [300000, undefined, 0]);
    assert.equal(one.turnTimeoutMs, deployedGateway(renderGatewayConfig(gatewayConfig([], { openaiLane: true })), []).limits.turnTimeoutMs);
  });

  test("the command the flags extend is the worker image's own CMD", () => {
    const dockerfile = fs.readFileSync(path.join(__dirname, "..", "Dockerfile"), "utf8");
    const worker = dockerfile.slice(dockerfile.indexOf("FROM runtime AS worker"), dockerfile.indexOf("FROM runtime AS gateway"));
    assert.deepEqual(JSON.parse(/^CMD (\[.*\])$/m.exec(worker)?.[1] ?? "null"), [...WORKER_COMMAND]);
  });
});

describe("Caddy and host name", () => {
  test("without a domain the host is the dashed IP under nip.io", () => {
    assert.equal(publicHost(null, "203.0.113.10"), "203-0-113-10.nip.io");
    assert.equal(publicHost("ai.example.com", "203.0.113.10"), "ai.example.com");
  });

  test("the Caddyfile serves the host and proxies to the gateway container, streaming", () => {
    const text = caddyfile({ host: "ai.example.com", acmeEmail: "ops@example.com" });
    assert.match(text, /^\{\n\temail ops@example\.com\n/);
    assert.match(text, /\nai\.example\.com \{\n/);
    assert.match(text, /\n\treverse_proxy codex-lanes-gateway:8787 \{\n\t\tflush_interval -1\n/);
    assert.match(text, /protocols h1 h2/);
    assert.ok(!caddyfile({ host: "ai.example.com", acmeEmail: null }).includes("email"));
    assert.ok(!text.includes("acme_ca"));
  });

  test("Caddy lets idle connections to the gateway go before the gateway closes them (no 502 from a reused closing connection)", () => {
    const text = caddyfile({ host: "ai.example.com", acmeEmail: null });
    const keep = /\n\t\ttransport http \{\n\t\t\tkeepalive (\d+)s\n\t\t\}\n/.exec(text);
    assert.ok(keep, text);
    assert.ok(Number(keep[1]) * 1000 + 10_000 <= GATEWAY_KEEP_ALIVE_MS, `Caddy ${keep[1]} s against the gateway's ${GATEWAY_KEEP_ALIVE_MS} ms`);
  });

  test("the Caddyfile caps request bodies and sends HSTS", () => {
    const text = caddyfile({ host: "ai.example.com", acmeEmail: null });
    assert.match(text, /\trequest_body \{\n\t\tmax_size 64MB\n\t\}/);
    assert.match(text, /\theader Strict-Transport-Security "max-age=31536000"\n/);
  });

  test("a private ACME CA and its root go into the global options", () => {
    const text = caddyfile({ host: "h.example", acmeEmail: null, acmeCa: "https://ca.test/acme/local/directory", acmeCaRoot: true });
    assert.match(text, /^\{\n\tacme_ca https:\/\/ca\.test\/acme\/local\/directory\n\tacme_ca_root \/etc\/caddy\/acme-ca-root\.pem\n/);
  });
});

describe("firewall and CIDRs", () => {
  test("inbound: 22 from the admin CIDRs only, 80 and 443 from anywhere, nothing else", () => {
    assert.deepEqual(
      firewallRules(["198.51.100.7/32"]).map((r) => [r.direction, r.protocol, r.port, r.sourceIps]),
      [
        ["in", "tcp", "22", ["198.51.100.7/32"]],
        ["in", "tcp", "80", ["0.0.0.0/0", "::/0"]],
        ["in", "tcp", "443", ["0.0.0.0/0", "::/0"]],
      ],
    );
  });

  test("CIDR checks accept network addresses and reject the rest", () => {
    for (const ok of ["203.0.113.7/32", "203.0.113.0/24", "0.0.0.0/0", "2001:db8::/32", "2001:db8::1/128", "::/0"]) {
      assert.equal(cidrProblem(ok), null, ok);
    }
    for (const bad of ["203.0.113.7", "203.0.113.7/24", "1.2.3.4/33", "300.1.1.1/32", "2001:db8::1/64", "fe80::1%eth0/64", "x/8"]) {
      assert.notEqual(cidrProblem(bad), null, bad);
    }
  });
});

describe("cloud-init", () => {
  const device = "/dev/disk/by-id/scsi-0HC_Volume_4242";
  const hostKey = { private: "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\nBBBB\n-----END OPENSSH PRIVATE KEY-----\n", public: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHOST" };
  const text = cloudInit({ device, hostKey });
  type Doc = { write_files: Array<{ path: string; content: string; permissions: string }>; runcmd: string[][]; ssh_keys: Record<string, string> };

  test("installs the program's host key exactly, so the first SSH connection is checked", () => {
    const doc = yaml.load(text) as Doc;
    assert.deepEqual(doc.ssh_keys, { ed25519_private: hostKey.private, ed25519_public: hostKey.public });
    assert.throws(() => cloudInit({ device, hostKey: { ...hostKey, public: "ssh-ed25519 AAAA\nssh_keys: x" } }), /bare ssh-ed25519/);
  });

  test("adds a swap file first and never fails the boot over it", () => {
    const doc = yaml.load(text) as Doc;
    const swap = doc.write_files.find((f) => f.path === "/usr/local/sbin/codex-lanes-swap");
    assert.ok(swap);
    assert.match(swap.content, /fallocate -l 2048M \/swapfile/);
    assert.match(swap.content, /exit 0\n$/);
    const file = path.join(tmp, "swap.sh");
    fs.writeFileSync(file, swap.content);
    execFileSync("sh", ["-n", file]);
  });

  test("is valid cloud-config: a boot service mounts the volume before Docker, which requires it", () => {
    assert.ok(text.startsWith("#cloud-config\n"));
    const doc = yaml.load(text) as Doc;
    assert.deepEqual(doc.runcmd, [["/usr/local/sbin/codex-lanes-swap"], ["/usr/local/sbin/codex-lanes-first-boot"]]);
    const unit = doc.write_files.find((f) => f.path === "/etc/systemd/system/codex-lanes-data.service");
    assert.match(unit?.content ?? "", /Before=docker\.service\n/);
    assert.match(unit?.content ?? "", /ExecStart=\/usr\/local\/sbin\/codex-lanes-mount-data\n/);
    const firstBoot = doc.write_files.find((f) => f.path === "/usr/local/sbin/codex-lanes-first-boot");
    assert.match(firstBoot?.content ?? "", /systemctl enable codex-lanes-data\.service\n/);
    const script = doc.write_files.find((f) => f.path === "/usr/local/sbin/codex-lanes-mount-data");
    assert.ok(script);
    assert.equal(script.permissions, "0755");
    assert.ok(script.content.includes(`DEV='${device}'`));
    const dropIn = doc.write_files.find((f) => f.path.startsWith("/etc/systemd/system/docker.service.d/"));
    assert.match(dropIn?.content ?? "", /Requires=codex-lanes-data\.service\nAfter=codex-lanes-data\.service\n/);
    // The script must at least parse as POSIX sh.
    const file = path.join(tmp, "mount.sh");
    fs.writeFileSync(file, script.content);
    execFileSync("sh", ["-n", file]);
  });

  test("stays under Hetzner's 32 KiB user-data limit", () => {
    assert.ok(Buffer.byteLength(text) < 32 * 1024);
  });

  test("rejects a device path that could inject shell", () => {
    assert.throws(() => cloudInit({ device: "/dev/x'; rm -rf /; '", hostKey }), /unexpected volume device path/);
  });

  test("the Docker wait script parses as sh and refuses to go on without the data volume", () => {
    const file = path.join(tmp, "wait.sh");
    fs.writeFileSync(file, WAIT_FOR_DOCKER);
    execFileSync("sh", ["-n", file]);
    assert.match(WAIT_FOR_DOCKER, /mountpoint -q \/var\/lib\/docker\/volumes \|\| \{.*exit 1; \}/);
  });
});

describe("SSH key file for the Docker provider", () => {
  test("lives under PULUMI_HOME (default ~/.pulumi), not the temp dir, so destroy and refresh find it after a reboot", () => {
    assert.equal(sshDir("codex-lanes", "prod", { PULUMI_HOME: tmp }), path.join(tmp, "codex-lanes", "codex-lanes-prod"));
    assert.equal(sshDir("codex-lanes", "prod", { HOME: "/x" }), path.join(require("node:os").homedir(), ".pulumi", "codex-lanes", "codex-lanes-prod"));
  });

  test("is written 0600 with a final newline, creating its 0700 directory", () => {
    const dir = path.join(sshDir("codex-lanes", "prod", { PULUMI_HOME: tmp }));
    const file = path.join(dir, "id");
    writeSshKeyFile(file, FAKE_PRIVATE_KEY);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
    assert.equal(fs.readFileSync(file, "utf8"), `${FAKE_PRIVATE_KEY}\n`);
    const hosts = writeKnownHosts(path.join(dir, "known_hosts"), "203.0.113.10", "ssh-ed25519 AAAAHOST\n");
    assert.equal(fs.readFileSync(hosts, "utf8"), "203.0.113.10 ssh-ed25519 AAAAHOST\n");
  });

  test("replaces an existing file or symlink instead of writing through it", () => {
    const file = path.join(tmp, "planted.ssh-key");
    const target = path.join(tmp, "elsewhere");
    fs.writeFileSync(target, "untouched");
    fs.symlinkSync(target, file);
    writeSshKeyFile(file, FAKE_PRIVATE_KEY);
    assert.equal(fs.readFileSync(target, "utf8"), "untouched");
    assert.ok(fs.lstatSync(file).isFile());
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  });
});

describe("image source hash", () => {
  test("changes when gateway sources, the lockfile or the health check change; ignores node_modules", () => {
    const dir = makeRepoFixture(fs.mkdtempSync(path.join(tmp, "hash-")));
    const first = sourceHash(dir);
    assert.match(first, /^[0-9a-f]{64}$/);
    assert.equal(sourceHash(dir), first);
    fs.mkdirSync(path.join(dir, "gateway", "node_modules"), { recursive: true });
    fs.writeFileSync(path.join(dir, "gateway", "node_modules", "x.js"), "ignored");
    fs.writeFileSync(path.join(dir, "README.md"), "not part of the images");
    assert.equal(sourceHash(dir), first);
    fs.writeFileSync(path.join(dir, "gateway", "server.ts"), "export const changed = 1;\n");
    const second = sourceHash(dir);
    assert.notEqual(second, first);
    fs.writeFileSync(path.join(dir, "package-lock.json"), '{"lockfileVersion":3}\n');
    const third = sourceHash(dir);
    assert.notEqual(third, second);
    // The Dockerfile copies the health-check script into both images.
    fs.mkdirSync(path.join(dir, "scripts", "containers"), { recursive: true });
    fs.writeFileSync(path.join(dir, "scripts", "containers", "healthcheck.cjs"), "// probe\n");
    assert.notEqual(sourceHash(dir), third);
  });

  test("follows .dockerignore: what the build never sees changes nothing", () => {
    const dir = makeRepoFixture(fs.mkdtempSync(path.join(tmp, "ignore-")));
    const first = sourceHash(dir);
    fs.writeFileSync(path.join(dir, "gateway", "local.db"), "a request log");
    fs.writeFileSync(path.join(dir, "gateway", ".env"), "SECRET=1");
    assert.equal(sourceHash(dir), first);
    assert.ok(!contextFiles(dir).some((f) => f.endsWith(".db") || f.endsWith(".env")));
    fs.appendFileSync(path.join(dir, ".dockerignore"), "gateway/server.ts\n");
    assert.ok(!contextFiles(dir).includes("gateway/server.ts"));
  });

  test("the context archive holds exactly the hashed files and is byte-identical across writes", () => {
    const dir = makeRepoFixture(fs.mkdtempSync(path.join(tmp, "archive-")));
    const a = writeContextArchive(dir, path.join(tmp, "ctx-a.tgz"));
    const b = writeContextArchive(dir, path.join(tmp, "ctx-b.tgz"));
    assert.deepEqual(fs.readFileSync(a), fs.readFileSync(b));
    const listed = execFileSync("tar", ["-tzf", a], { encoding: "utf8" }).trim().split("\n").sort();
    assert.deepEqual(listed, contextFiles(dir));
  });
});

describe("Pulumi.yaml", () => {
  type Decl = { type?: string; default?: unknown; secret?: boolean; description?: string; items?: { type: string } };
  const project = yaml.load(fs.readFileSync(path.join(__dirname, "..", "Pulumi.yaml"), "utf8")) as {
    name: string;
    runtime: { name: string };
    main: string;
    stackConfigDir: string;
    /** The keys the assertions below read by name are among the ones checked against CONFIG_KEYS first. */
    config: Record<string, Decl> & Record<"serverType" | "location" | "volumeSizeGb" | "workerMemoryMb" | "adminCidrs" | "accounts", Decl>;
  };

  test("names the project and points at this program", () => {
    assert.equal(project.name, "codex-lanes");
    assert.equal(project.runtime.name, "nodejs");
    assert.equal(project.main, "pulumi/index.ts");
    assert.ok(fs.existsSync(path.join(__dirname, "..", project.main)));
    assert.equal(project.stackConfigDir, "pulumi");
  });

  test("documents exactly the keys the program reads, with its defaults and secrecy", () => {
    assert.deepEqual(Object.keys(project.config).sort(), [...CONFIG_KEYS].sort());
    const c = project.config;
    for (const [key, decl] of Object.entries(c)) assert.ok(decl.description && decl.description.length > 20, `${key} has no description`);
    // Keys without a default are required by the CLI itself.
    assert.deepEqual(Object.keys(c).filter((k) => !("default" in c[k]!)).sort(), ["sshPrivateKey"]);
    assert.deepEqual(Object.keys(c).filter((k) => c[k]!.secret === true).sort(), ["masterKey", "openaiApiKey", "sshPrivateKey"]);
    assert.equal(c.serverType.default, DEFAULTS.serverType);
    assert.equal(c.location.default, DEFAULTS.location);
    assert.equal(c.volumeSizeGb.default, DEFAULTS.volumeSizeGb);
    assert.equal(c.workerMemoryMb.default, DEFAULTS.workerMemoryMb);
    assert.deepEqual([c.adminCidrs.type, c.adminCidrs.items?.type], ["array", "string"]);
    // Pulumi's config schema has no object type: accounts stays untyped, validated by the program.
    assert.equal(c.accounts.type, undefined);
    // The defaults Pulumi applies to optional keys must mean "unset" to the program.
    const defaults = Object.fromEntries(
      Object.entries(c)
        .filter(([, d]) => "default" in d)
        .map(([k, d]) => [k, typeof d.default === "string" ? d.default : JSON.stringify(d.default)]),
    );
    const problems = problemsOf({ ...defaults, accounts: undefined, adminCidrs: undefined });
    assert.deepEqual(problems.map((p) => p.slice(0, p.indexOf(": "))), [
      "codex-lanes:sshPublicKey",
      "codex-lanes:adminCidrs",
      "codex-lanes:acmeEmail",
      "codex-lanes:accounts",
    ]);
    const s = validate({ ...defaults, sshKeyName: "laptop", accounts: ["a"], adminCidrs: ["198.51.100.7/32"], acmeEmail: "ops@example.com" });
    assert.deepEqual([s.domain, s.openaiLane, s.repoDir, s.dataVolumeId, s.masterKeyGiven], [null, false, repo, null, false]);
    assert.equal(s.nodeImage, DEFAULTS.nodeImage);
  });
});

describe("base images", () => {
  test("the program's Node base is the Dockerfile's default: Node 24, pinned by digest", () => {
    const { NODE_IMAGE } = require("../pulumi/images") as typeof import("../pulumi/images");
    for (const file of ["Dockerfile"]) {
      const text = fs.readFileSync(path.join(__dirname, "..", file), "utf8");
      assert.equal(/^ARG BASE_IMAGE=(.+)$/m.exec(text)?.[1], NODE_IMAGE, file);
    }
    assert.match(NODE_IMAGE, /^node:24-bookworm-slim@sha256:[0-9a-f]{64}$/);
  });
});
