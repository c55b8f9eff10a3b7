// Persisted lane state: the lane core's LaneRecord and the last rate-limit snapshot, so a restart
// remembers which lanes are cooling and when their windows reset.

import type Database from "better-sqlite3";
import type { RateLimitSnapshot } from "../lanes/types";
import type { LaneRecord } from "../lanes/types";
import type { LaneStateApi, StoredLaneState, StoredLaneStateRow } from "./types";

interface Row {
  lane: string;
  record: string | null;
  rate_limits: string | null;
  updated_at: number;
}

/** A row written by an older or damaged build must not stop the gateway: unreadable JSON reads as "none". */
function parse<T>(json: string | null): T | null {
  if (json === null) return null;
  try {
    return JSON.parse(json) as T;
  } catch {
    return null;
  }
}

const toState = (r: Row | undefined): StoredLaneState => ({
  record: parse<LaneRecord>(r?.record ?? null),
  rateLimits: parse<RateLimitSnapshot>(r?.rate_limits ?? null),
});

export function createLaneStateApi(db: Database.Database): LaneStateApi {
  const get = db.prepare(`SELECT lane, record, rate_limits, updated_at FROM lane_state WHERE lane = ?`);
  const all = db.prepare(`SELECT lane, record, rate_limits, updated_at FROM lane_state ORDER BY lane`);
  const saveRecord = db.prepare(
    `INSERT INTO lane_state (lane, record, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (lane) DO UPDATE SET record = excluded.record, updated_at = excluded.updated_at`,
  );
  const saveRateLimits = db.prepare(
    `INSERT INTO lane_state (lane, rate_limits, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (lane) DO UPDATE SET rate_limits = excluded.rate_limits, updated_at = excluded.updated_at`,
  );
  const del = db.prepare(`DELETE FROM lane_state WHERE lane = ?`);

  return {
    get: (name) => toState(get.get(name) as Row | undefined),
    saveRecord(rec) {
      saveRecord.run(rec.name, JSON.stringify(rec), Date.now());
    },
    saveRateLimits(name, snapshot) {
      saveRateLimits.run(name, JSON.stringify(snapshot), Date.now());
    },
    all: (): StoredLaneStateRow[] =>
      (all.all() as Row[]).map((r) => ({ lane: r.lane, ...toState(r), updatedAt: r.updated_at })),
    delete: (name) => del.run(name).changes > 0,
  };
}
