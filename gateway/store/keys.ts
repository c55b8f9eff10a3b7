// Gateway API keys. Only the SHA-256 of a key is stored: a key is high-entropy random, so a plain
// hash is enough, and looking it up by hash means no secret-dependent comparison happens in JS.

import { createHash, randomBytes } from "node:crypto";
import type Database from "better-sqlite3";
import { DuplicateKeyNameError, InvalidKeyNameError } from "./errors";
import type { CreatedKey, KeyInfo, KeysApi, VerifiedKey } from "./types";

const KEY_NAME = /^[A-Za-z0-9._-]{1,64}$/;
const LAST_USED_RESOLUTION_MS = 60_000;
/** Longer input cannot be one of our keys; don't hash megabytes a client sends. */
const MAX_KEY_LENGTH = 256;

const sha256 = (s: string): Buffer => createHash("sha256").update(s, "utf8").digest();

interface KeyRow {
  name: string;
  prefix: string;
  admin: number;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export function createKeysApi(db: Database.Database): KeysApi {
  const insert = db.prepare(`INSERT INTO api_keys (name, hash, prefix, admin, created_at) VALUES (?, ?, ?, ?, ?)`);
  const activeByName = db.prepare(`SELECT 1 FROM api_keys WHERE name = ? AND revoked_at IS NULL`);
  const byHash = db.prepare(
    `SELECT id, name, admin, last_used_at FROM api_keys WHERE hash = ? AND revoked_at IS NULL`,
  );
  const touch = db.prepare(`UPDATE api_keys SET last_used_at = ? WHERE id = ?`);
  const listAll = db.prepare(
    `SELECT name, prefix, admin, created_at, last_used_at, revoked_at FROM api_keys ORDER BY created_at, id`,
  );
  const revokeStmt = db.prepare(`UPDATE api_keys SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL`);
  const countStmt = db.prepare(`SELECT count(*) AS total FROM api_keys WHERE revoked_at IS NULL AND (? IS NULL OR admin = ?)`);

  const create = db.transaction((name: string, admin: boolean): CreatedKey => {
    if (activeByName.get(name)) throw new DuplicateKeyNameError(name);
    const key = `cl-${randomBytes(32).toString("base64url")}`;
    insert.run(name, sha256(key), key.slice(0, 8), admin ? 1 : 0, new Date().toISOString());
    return { name, key };
  });

  return {
    create(name, opts = {}) {
      if (typeof name !== "string" || !KEY_NAME.test(name)) throw new InvalidKeyNameError(String(name));
      return create.immediate(name, opts.admin === true);
    },

    verify(plaintext, now = Date.now()): VerifiedKey | null {
      if (typeof plaintext !== "string" || plaintext.length === 0 || plaintext.length > MAX_KEY_LENGTH) return null;
      const row = byHash.get(sha256(plaintext)) as
        | { id: number; name: string; admin: number; last_used_at: string | null }
        | undefined;
      if (!row) return null;
      // Writing on every request would serialize all requests on the write lock; a minute is enough.
      if (row.last_used_at === null || Date.parse(row.last_used_at) <= now - LAST_USED_RESOLUTION_MS) {
        touch.run(new Date(now).toISOString(), row.id);
      }
      return { name: row.name, admin: row.admin === 1 };
    },

    list(): KeyInfo[] {
      return (listAll.all() as KeyRow[]).map((r) => ({
        name: r.name,
        prefix: r.prefix,
        admin: r.admin === 1,
        createdAt: r.created_at,
        lastUsedAt: r.last_used_at,
        revokedAt: r.revoked_at,
      }));
    },

    revoke(name) {
      return revokeStmt.run(new Date().toISOString(), name).changes > 0;
    },

    countActive(opts = {}) {
      const admin = opts.admin === undefined ? null : opts.admin ? 1 : 0;
      return (countStmt.get(admin, admin) as { total: number }).total;
    },
  };
}
