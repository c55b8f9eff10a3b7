// openStore: the one place that opens gateway.db, sets its pragmas and file mode, and migrates it.

import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { StoreClosedError } from "./errors";
import { createKeysApi } from "./keys";
import { createLaneStateApi } from "./lanes";
import { migrate } from "./migrations";
import { createRequestsApi } from "./requests";
import { createResponsesApi } from "./responses";
import { createSecretsApi } from "./secrets";
import type { Store } from "./types";

export const DB_FILE = "gateway.db";
const BUSY_TIMEOUT_MS = 5_000;

/** The db holds key hashes and encrypted secrets: owner-only, created so before SQLite opens it. */
function prepareFile(dataDir: string): string {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, DB_FILE);
  fs.closeSync(fs.openSync(file, "a", 0o600));
  fs.chmodSync(file, 0o600);
  return file;
}

/**
 * Opens (creating if needed) `<dataDir>/gateway.db`, or a private in-memory database for
 * ":memory:", and applies pending migrations. SQLite creates the -wal and -shm files with the
 * db file's mode.
 */
export function openStore(dataDir: string): Store {
  const file = dataDir === ":memory:" ? ":memory:" : prepareFile(path.resolve(dataDir));
  const db = new Database(file);
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    if (file !== ":memory:") db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL"); // safe with WAL: a crash loses at most the last commits, never corrupts
    db.pragma("foreign_keys = ON");
    migrate(db);
    const store = wrap(db, file);
    // Rows a crash left in the inbox join the log before anything reads it.
    store.requests.moveInbox();
    return store;
  } catch (err) {
    db.close();
    throw err;
  }
}

function wrap(db: Database.Database, file: string): Store {
  const keys = createKeysApi(db);
  const requests = createRequestsApi(db);
  const responses = createResponsesApi(db);
  const lanes = createLaneStateApi(db);
  const secrets = createSecretsApi(db);
  // One wrapper for every transaction: db.transaction() builds five functions per call, and the
  // request log opens one transaction per event-loop turn.
  const inTransaction = db.transaction((fn: () => unknown) => fn());
  return {
    path: file,
    keys,
    requests,
    responses,
    lanes,
    secrets,
    transaction: (fn) => inTransaction.immediate(fn) as ReturnType<typeof fn>,
    async backup(target) {
      if (!db.open) throw new StoreClosedError();
      requests.moveInbox(); // the copy's log is whole to anyone reading it with sqlite3
      const dest = path.resolve(target);
      fs.mkdirSync(path.dirname(dest), { recursive: true, mode: 0o700 });
      // The backup holds the same key hashes and ciphertexts as the db: same mode.
      fs.closeSync(fs.openSync(dest, "w", 0o600));
      fs.chmodSync(dest, 0o600);
      // Writes through this connection update the copy in place; a write from another connection
      // restarts it. Doubling the pages per step bounds the restarts (O(log pages)) while keeping
      // the early steps short for the event loop.
      let rate = 1_000;
      await db.backup(dest, { progress: () => (rate = Math.min(rate * 2, 0x7fffffff)) });
    },
    close() {
      if (!db.open) return;
      try {
        requests.moveInbox();
      } catch {
        // The rows stay durable in the inbox (e.g. another process held the write lock past the
        // busy timeout); the next open moves them.
      }
      db.close();
    },
  };
}
