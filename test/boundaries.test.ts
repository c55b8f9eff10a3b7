// The import boundaries of gateway/ (scripts/structure/boundaries.ts, one rule per folder README):
// the real tree keeps them, and the check catches a bad import, a value import where only types
// may go, a package a folder must not use, and a cycle between folders.

import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { checkBoundaries, RULES } from "../scripts/structure/boundaries";

const repo = path.resolve(__dirname, "..");

test("gateway/ keeps every folder's import rules and has no cycle between folders", () => {
  const { violations, cycles } = checkBoundaries(repo);
  assert.deepEqual(violations.map((v) => `${v.file}:${v.line} imports ${v.imports}: ${v.why}`), []);
  assert.deepEqual(cycles, []);
});

function tree(t: { after(fn: () => void): void }, files: Record<string, string>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), "codex-lanes-boundaries-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  return root;
}

test("a bad import fails the check, named with its file, line and the rule it breaks", (t) => {
  const root = tree(t, {
    "gateway/lanes/types.ts": "export interface Outcome { code: string }\n",
    "gateway/lanes/clock.ts": '// the pure core reading the disk\nimport { readFileSync } from "node:fs";\nexport const x = readFileSync;\n',
    "gateway/http/app.ts": "export const app = 1;\n",
    "gateway/store/open.ts": 'import { app } from "../http/app";\nexport const y = app;\n',
    "gateway/chat/types.ts": 'import { type Outcome } from "../lanes/types";\nimport * as lanes from "../lanes/types";\nexport type T = Outcome | typeof lanes;\n',
    "gateway/dispatch/run.ts": 'import Database from "better-sqlite3";\nexport const d = Database;\n',
    "gateway/codex/exec-events.ts": 'import { app } from "../http/app";\nexport const e = app;\n',
    "gateway/newfolder/x.ts": "export const z = 1;\n",
    "gateway/newfolder/y.ts": 'export { z } from "./x";\n',
  });
  const { violations } = checkBoundaries(root);
  const got = violations.map((v) => `${v.file}:${v.line} ${v.why}`).sort();
  assert.deepEqual(got, [
    "gateway/chat/types.ts:2 gateway/chat may import gateway/lanes only as types (import type)",
    "gateway/codex/exec-events.ts:1 gateway/codex/exec-events.ts imports only types (the action bundles it)",
    "gateway/dispatch/run.ts:1 gateway/dispatch must not import the package better-sqlite3",
    "gateway/lanes/clock.ts:2 gateway/lanes must not import the package node:fs",
    "gateway/newfolder/y.ts:1 gateway/newfolder has no import rule in scripts/structure/boundaries.ts; add one (and say it in its README)",
    "gateway/store/open.ts:1 gateway/store must not import gateway/http",
  ]);
});

test("a cycle between folders fails the check even where each import is allowed", (t) => {
  const root = tree(t, {
    "gateway/calc/ledger.ts": 'import type { Config } from "../config/types";\nexport type L = Config;\n',
    "gateway/config/types.ts": 'import type { L } from "../calc/ledger";\nexport interface Config { l?: L }\n',
  });
  const rules = { ...RULES, calc: { may: ["config"], packages: [] } };
  const { violations, cycles } = checkBoundaries(root, rules);
  assert.deepEqual(violations, []);
  assert.deepEqual(cycles, [["calc", "config"]]);
});
