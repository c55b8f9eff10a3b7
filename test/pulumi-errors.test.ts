// Config errors stop the Pulumi program while it loads, before any resource is registered, with a
// message that names the key (Pulumi prints a RunError's message without a stack trace).

import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { baseConfig, makeRepoFixture, makeTmpDir, programConfigError } from "./pulumi-harness";

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
});
