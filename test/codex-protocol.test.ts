// The app-server protocol types the engine is written against are the ones the pinned binary
// generates: a new pin that changes the wire fails here until the types are regenerated.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

const script = path.join(__dirname, '..', 'scripts', 'codex-protocol.sh');
const committed = path.join(__dirname, '..', 'gateway', 'codex', 'protocol');

function check(dir?: string) {
  return spawnSync('bash', [script, '--check', ...(dir ? [dir] : [])], { encoding: 'utf8', timeout: 60_000 });
}

test('the committed protocol types are what the pinned codex generates', () => {
  const r = check();
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /matches codex-cli 0\.169\.0/);
});

test('a protocol type that drifted from the pinned codex fails the check and says how to fix it', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'protocol-drift-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const copy = path.join(dir, 'protocol');
  cpSync(committed, copy, { recursive: true });
  appendFileSync(path.join(copy, 'v2', 'TurnStartParams.ts'), '\n// edited by hand\n');
  const r = check(copy);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /TurnStartParams\.ts/);
  assert.match(r.stderr, /npm run codex:protocol/);
});
