// The run's private temp directory: one fresh CODEX_HOME per direct lane, the output schema, the
// last-message files. Created 0700 under RUNNER_TEMP and recorded with saveState, so the post step
// removes it even when the main step was cancelled or killed; the main step removes it when done.

import { chmodSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ActionIO } from "./io";

export const STATE_RUN_DIR = "run-dir";
const PREFIX = "codex-lanes-";

export function createRunDir(io: ActionIO): string {
  const base = io.env.RUNNER_TEMP || os.tmpdir();
  const dir = mkdtempSync(path.join(base, PREFIX));
  chmodSync(dir, 0o700);
  io.saveState(STATE_RUN_DIR, dir);
  return dir;
}

/**
 * Removes a run directory. Only a directory this action made (its name starts with
 * "codex-lanes-") is touched, so a tampered state value cannot delete anything else.
 * Returns false when there was nothing to remove.
 */
export function removeRunDir(dir: string): boolean {
  if (!dir || !path.isAbsolute(dir) || !path.basename(dir).startsWith(PREFIX)) return false;
  if (!existsSync(dir)) return false;
  rmSync(dir, { recursive: true, force: true });
  return true;
}
