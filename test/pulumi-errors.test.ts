// Config errors stop the Pulumi program while it loads, before any resource is registered, with a
// message that names the key (Pulumi prints a RunError's message without a stack trace).

import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { baseConfig, defaultHetzner, makeRepoFixture, makeTmpDir, programConfigError, SECRET_KEYS } from "./pulumi-harness";

const tmp = makeTmpDir();
const repo = makeRepoFixture(tmp);
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("config errors stop the program before any resource", () => {
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ["no accounts", { accounts: undefined }, /codex-lanes:accounts: no accounts are configured/],
    ["an empty account list", { accounts: [] }, /codex-lanes:accounts: is empty/],
    ["a duplicate name", { accounts: ["plus-a", "plus-a"] }, /codex-lanes:accounts\[1\]\.name: "plus-a" is used by an earlier account/],
    [
      "an invalid name",
      { accounts: ["plus-a", { name: "Plus B" }] },
      /codex-lanes:accounts\[1\]\.name: "Plus B" is not a valid account name; use lowercase letters, digits and dashes/,
    ],
    ["a bad CIDR", { adminCidrs: ["10.0.0.1/8"] }, /codex-lanes:adminCidrs\[0\]: "10\.0\.0\.1\/8" has bits set after the prefix/],
    ["a missing private key", { sshPrivateKey: undefined }, /codex-lanes:sshPrivateKey: is not set/],
  ];
  for (const [what, override, expected] of cases) {
    test(what, async () => {
      const config = { ...baseConfig(repo), ...override };
      for (const [k, v] of Object.entries(config)) if (v === undefined) delete config[k];
      const { message, registered, isRunError } = await programConfigError(config);
      assert.match(message, /^Invalid stack configuration \(1 problem\):\n/);
      assert.match(message, expected);
      assert.equal(registered, 0);
      assert.equal(isRunError, true);
    });
  }

  test("several problems come out together", async () => {
    const { message } = await programConfigError({ ...baseConfig(repo), accounts: ["A"], adminCidrs: ["x"], location: "Nürnberg" });
    assert.match(message, /^Invalid stack configuration \(3 problems\):/);
    for (const key of ["location", "adminCidrs[0]", "accounts[0].name"]) assert.ok(message.includes(`codex-lanes:${key}: `), key);
  });

  test("bad gateway settings, every one named under its full key", async () => {
    const gateway = { lanes: [{ name: "x" }], limits: { turnTimeoutMs: 5 }, queue: { maxWaiting: "many" }, rateLimitPoll: 1000 };
    const { message, registered, isRunError } = await programConfigError({ ...baseConfig(repo), gateway });
    assert.equal(message, [
      "Invalid stack configuration (4 problems):",
      "  - codex-lanes:gateway.lanes: is set by the program: the lanes are your accounts, in order, then the API-key lane when openaiApiKey is set; remove it and use accounts",
      "  - codex-lanes:gateway.limits.turnTimeoutMs: must be an integer from 1000 to 3600000 (got 5)",
      '  - codex-lanes:gateway.queue.maxWaiting: must be an integer from 0 to 100000 (got "many")',
      '  - codex-lanes:gateway.rateLimitPoll: unknown key (did you mean "rateLimitPollMs"?); allowed here: limits, queue, policy, rateLimitPollMs, log, prices, calc',
    ].join("\n"));
    assert.equal(registered, 0);
    assert.equal(isRunError, true);
  });

  test("no acmeEmail on the nip.io path", async () => {
    const { acmeEmail: _unused, ...config } = baseConfig(repo);
    const { message, registered } = await programConfigError(config);
    assert.match(message, /codex-lanes:acmeEmail: is required when domain is not set/);
    assert.equal(registered, 0);
  });
});

describe("checks against the Hetzner project stop the program before any resource", () => {
  test("a server type not sold in the location names location and the alternatives", async () => {
    const { message, registered, isRunError } = await programConfigError({ ...baseConfig(repo), location: "ash" });
    assert.match(message, /^Invalid stack configuration \(1 problem\):\n/);
    assert.match(message, /codex-lanes:location: server type cx23 is not sold in ash \(it is in fsn1, nbg1, hel1\); .*\(cpx22, cpx32\)/);
    assert.equal(registered, 0);
    assert.equal(isRunError, true);
  });

  test("an unknown server type", async () => {
    const { message, registered } = await programConfigError({ ...baseConfig(repo), serverType: "cx99" });
    assert.match(message, /codex-lanes:serverType: "cx99" is not a Hetzner server type; for example cx23/);
    assert.equal(registered, 0);
  });

  test("an SSH key given by a name the project does not have", async () => {
    const hetzner = defaultHetzner();
    hetzner.sshKeys.push({ id: 5, name: "desktop", publicKey: "ssh-ed25519 AAAAOTHER x", fingerprint: "f", labels: {} });
    const { message, registered } = await programConfigError({ ...baseConfig(repo), sshKeyName: "laptop" }, SECRET_KEYS, hetzner);
    assert.match(message, /codex-lanes:sshKeyName: no SSH key named "laptop" in this Hetzner project \(it has "desktop"\)/);
    assert.equal(registered, 0);
  });

  test("a public key already uploaded under another name (Hetzner would refuse it) points at sshKeyName", async () => {
    const hetzner = defaultHetzner();
    hetzner.sshKeys.push({ id: 5, name: "laptop", publicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITEST other-comment", fingerprint: "f", labels: {} });
    const { message, registered } = await programConfigError(baseConfig(repo), SECRET_KEYS, hetzner);
    assert.match(message, /codex-lanes:sshPublicKey: this public key is already in your Hetzner project as "laptop".*pulumi config set sshKeyName "laptop"/);
    assert.equal(registered, 0);
  });

  test("the key this stack uploaded on an earlier run is not a conflict", async () => {
    const hetzner = defaultHetzner();
    hetzner.sshKeys.push({
      id: 5, name: "host-ssh-key-1", publicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITEST test@example", fingerprint: "f", labels: { app: "codex-lanes", stack: "test" },
    });
    await assert.rejects(programConfigError(baseConfig(repo), SECRET_KEYS, hetzner), /the program ran; expected a config error/);
  });

  test("a volume to adopt that is missing, elsewhere or attached", async () => {
    const hetzner = defaultHetzner();
    hetzner.volumes.push({ id: 9, name: "old", location: "fsn1", serverId: 31, linuxDevice: "/dev/disk/by-id/scsi-0HC_Volume_9", size: 10 });
    const missing = await programConfigError({ ...baseConfig(repo), dataVolumeId: 8 }, SECRET_KEYS, hetzner);
    assert.match(missing.message, /codex-lanes:dataVolumeId: no volume 8 in this Hetzner project/);
    const wrong = await programConfigError({ ...baseConfig(repo), dataVolumeId: 9 }, SECRET_KEYS, hetzner);
    assert.match(wrong.message, /\(2 problems\)/);
    assert.match(wrong.message, /codex-lanes:dataVolumeId: volume 9 \("old"\) is in fsn1, but location is nbg1/);
    assert.match(wrong.message, /codex-lanes:dataVolumeId: volume 9 \("old"\) is attached to server 31; detach it first/);
    assert.equal(wrong.registered, 0);
  });
});
