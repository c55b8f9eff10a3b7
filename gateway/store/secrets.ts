// Secrets at rest (e.g. an OpenAI API key entered in the dashboard): AES-256-GCM under the master
// key from CODEX_LANES_MASTER_KEY, a fresh 12-byte IV per write, the lane name as additional
// authenticated data so a row moved to another lane does not decrypt.

import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type Database from "better-sqlite3";
import { InvalidMasterKeyError, SecretDecryptError } from "./errors";
import type { SecretsApi } from "./types";

const ALGORITHM = "aes-256-gcm";

function checkKey(masterKey: Buffer): void {
  if (!Buffer.isBuffer(masterKey) || masterKey.length !== 32) {
    throw new InvalidMasterKeyError(Buffer.isBuffer(masterKey) ? masterKey.length : 0);
  }
}

/** A one-way fingerprint of the master key, so a wrong key is told apart from a tampered row. */
const keyCheck = (masterKey: Buffer): Buffer =>
  createHmac("sha256", masterKey).update("codex-lanes secrets key check v1").digest().subarray(0, 16);

interface Row {
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
  key_check: Buffer;
}

export function createSecretsApi(db: Database.Database): SecretsApi {
  const upsert = db.prepare(
    `INSERT INTO secrets (lane, iv, tag, ciphertext, key_check, created_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (lane) DO UPDATE SET iv = excluded.iv, tag = excluded.tag, ciphertext = excluded.ciphertext,
       key_check = excluded.key_check, created_at = excluded.created_at`,
  );
  const get = db.prepare(`SELECT iv, tag, ciphertext, key_check FROM secrets WHERE lane = ?`);
  const del = db.prepare(`DELETE FROM secrets WHERE lane = ?`);
  const list = db.prepare(`SELECT lane FROM secrets ORDER BY lane`);

  return {
    set(lane, plaintext, masterKey) {
      checkKey(masterKey);
      const iv = randomBytes(12);
      const cipher = createCipheriv(ALGORITHM, masterKey, iv);
      cipher.setAAD(Buffer.from(lane, "utf8"));
      const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      upsert.run(lane, iv, cipher.getAuthTag(), ciphertext, keyCheck(masterKey), new Date().toISOString());
    },

    get(lane, masterKey) {
      checkKey(masterKey);
      const row = get.get(lane) as Row | undefined;
      if (!row) return null;
      const check = keyCheck(masterKey);
      if (row.key_check.length !== check.length || !timingSafeEqual(row.key_check, check)) {
        throw new SecretDecryptError(lane, "wrong-key");
      }
      try {
        const decipher = createDecipheriv(ALGORITHM, masterKey, row.iv);
        decipher.setAAD(Buffer.from(lane, "utf8"));
        decipher.setAuthTag(row.tag);
        return Buffer.concat([decipher.update(row.ciphertext), decipher.final()]).toString("utf8");
      } catch {
        throw new SecretDecryptError(lane, "tampered");
      }
    },

    delete: (lane) => del.run(lane).changes > 0,
    list: () => (list.all() as { lane: string }[]).map((r) => r.lane),
  };
}
