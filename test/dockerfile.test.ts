// The images compile better-sqlite3 in a stage of its own, keyed on the version the Dockerfile names, so a
// lockfile change elsewhere does not recompile it. If the two versions drift, the image build stops; this
// says so at `npm test`, minutes before any build would.

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";

const root = path.join(__dirname, "..");

test("the Dockerfile compiles the better-sqlite3 version that package-lock.json installs", () => {
  const dockerfile = fs.readFileSync(path.join(root, "Dockerfile"), "utf8");
  const lock = JSON.parse(fs.readFileSync(path.join(root, "package-lock.json"), "utf8")) as {
    packages: Record<string, { version?: string }>;
  };
  const named = /^ARG BETTER_SQLITE3_VERSION=(\S+)$/m.exec(dockerfile)?.[1];
  const locked = lock.packages["node_modules/better-sqlite3"]?.version;
  assert.ok(locked, "package-lock.json installs better-sqlite3");
  assert.equal(named, locked, `set ARG BETTER_SQLITE3_VERSION in the Dockerfile to ${locked}`);
});
