// Stored /v1/responses objects: kept for previous_response_id and GET/DELETE /v1/responses/{id},
// each visible only to the gateway key that made it, pruned with the request log's retention.

import type Database from "better-sqlite3";
import { InvalidQueryError } from "./errors";
import { checkTime, iso } from "./time";
import type { ResponsesApi, StoredResponse } from "./types";

const PRUNE_BATCH = 5_000;

interface DbRow {
  items: string;
  response: string;
  created_at: string;
}

export function createResponsesApi(db: Database.Database): ResponsesApi {
  const put = db.prepare(`INSERT OR REPLACE INTO responses (id, key_name, created_at, items, response) VALUES (?, ?, ?, ?, ?)`);
  const getOne = db.prepare(`SELECT items, response, created_at FROM responses WHERE id = ? AND key_name = ?`);
  const del = db.prepare(`DELETE FROM responses WHERE id = ? AND key_name = ?`);
  const pruneBatch = db.prepare(`DELETE FROM responses WHERE rowid IN (SELECT rowid FROM responses WHERE created_at < ? LIMIT ${PRUNE_BATCH})`);
  // Keys without a name (none today) share one scope rather than seeing every key's responses.
  const scope = (keyName: string | null) => keyName ?? "";
  return {
    put(r) {
      put.run(r.id, scope(r.keyName), iso(checkTime("createdAt", r.createdAt)), JSON.stringify(r.items), JSON.stringify(r.response));
    },
    get(id, keyName) {
      const row = getOne.get(id, scope(keyName)) as DbRow | undefined;
      if (!row) return null;
      return { id, keyName, createdAt: Date.parse(row.created_at), items: JSON.parse(row.items) as unknown[], response: JSON.parse(row.response) as Record<string, unknown> };
    },
    delete(id, keyName) {
      return del.run(id, scope(keyName)).changes > 0;
    },
    prune(olderThanMs, now) {
      if (!Number.isFinite(olderThanMs) || olderThanMs < 0) throw new InvalidQueryError("olderThanMs", "must be a non-negative number of milliseconds");
      const cutoff = iso(Math.max(0, checkTime("now", now) - olderThanMs));
      let deleted = 0;
      for (;;) {
        const n = pruneBatch.run(cutoff).changes;
        deleted += n;
        if (n < PRUNE_BATCH) return deleted;
      }
    },
  };
}

export type { StoredResponse };
