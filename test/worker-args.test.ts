// The worker's command line: what it accepts, and the clear error (exit code 2) for what it does not.
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { test } from "node:test";
import { parseWorkerArgs, runWorker } from "../gateway/worker/index";

const env = { CODEX_LANES_WORKER_TOKEN: "a-worker-token-of-32-characters!" };

test("the hold and keep times are optional milliseconds, 0 switching each off", () => {
  const none = parseWorkerArgs([], env);
  assert.equal("toolHoldMs" in none, false);
  assert.equal("keepThreadMs" in none, false);
  const set = parseWorkerArgs(["--tool-hold-ms", "0", "--keep-thread-ms", "120000"], env);
  assert.equal(set.toolHoldMs, 0);
  assert.equal(set.keepThreadMs, 120_000);
});

test("a bad time is refused with exit code 2, naming the flag and what it takes, before anything starts", async () => {
  for (const [flag, value] of [["--keep-thread-ms", "-5"], ["--keep-thread-ms", "1m"], ["--tool-hold-ms", "3600001"]] as const) {
    let err = "";
    const sink = (onText: (s: string) => void) => new Writable({ write: (chunk: Buffer, _enc, done) => (onText(chunk.toString()), done()) });
    const code = await runWorker([`${flag}=${value}`], { env, out: sink(() => {}), err: sink((s) => (err += s)) });
    assert.equal(code, 2, `${flag} ${value}`);
    assert.match(err, new RegExp(`${flag} must be an integer from 0 to 3600000 \\(got "${value}"\\)`));
    assert.match(err, /usage: codex-lanes worker/);
  }
});
