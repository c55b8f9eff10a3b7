// `codex-lanes backup <file>`: a consistent copy of <dataDir>/gateway.db, safe while the gateway
// serves (SQLite's online backup through gateway/store). The copy is written under a temporary
// name next to <file> and renamed at the end, so <file> is either complete or absent.

import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Config } from "../config/types";
import { openStore } from "../store";
import { EXIT_OK, UsageError, type CliIO } from "./io";

export async function backupCommand(config: Config, positionals: string[], io: CliIO): Promise<number> {
  if (positionals.length !== 1) {
    throw new UsageError(positionals.length === 0 ? "backup needs a file: codex-lanes backup <file>" : `backup takes one file (got "${positionals.join(" ")}")`);
  }
  const file = path.resolve(io.cwd, positionals[0]!);
  const db = path.join(config.dataDir, "gateway.db");
  if (!fs.existsSync(db)) throw new Error(`no database at ${db}: nothing to back up (is dataDir right in ${config.source}?)`);
  if (path.resolve(file) === path.resolve(db)) throw new UsageError("backup: the file must not be the database itself");
  if (fs.existsSync(file)) throw new UsageError(`backup: ${file} exists; choose a new file name (backups never overwrite)`);
  const dir = path.dirname(file);
  if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`backup: directory ${dir} does not exist`);

  const partial = path.join(dir, `.${path.basename(file)}.partial-${randomBytes(4).toString("hex")}`);
  const started = Date.now();
  const store = openStore(config.dataDir);
  try {
    await store.backup(partial);
    fs.renameSync(partial, file);
  } catch (err) {
    fs.rmSync(partial, { force: true });
    throw new Error(`backup failed: ${(err as Error).message}`);
  } finally {
    store.close();
  }
  const mb = (fs.statSync(file).size / 1e6).toFixed(1);
  io.out.write(
    `Backed up ${db} to ${file} (${mb} MB, ${Date.now() - started} ms).\n` +
      `Restore: stop the gateway, replace gateway.db with this file, delete gateway.db-wal and gateway.db-shm next to it, start again.\n` +
      `The copy holds key hashes and encrypted secrets, not CODEX_LANES_MASTER_KEY: keep that separately.\n`,
  );
  return EXIT_OK;
}
