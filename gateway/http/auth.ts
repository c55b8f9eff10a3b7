// Bearer auth. /v1 takes any active gateway key (client or admin); /admin takes only admin keys
// (`keys create --admin`) or the CODEX_LANES_ADMIN_KEY of the deployment. A request that fails
// here never reaches a lane and leaves no request-log row.

import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import type { Store, VerifiedKey } from "../store";
import type { AppEnv } from "./context";
import { AdminKeyRequiredError, InvalidApiKeyError } from "./errors";

/** The name admin requests made with CODEX_LANES_ADMIN_KEY appear under. */
export const ENV_ADMIN_NAME = "admin (CODEX_LANES_ADMIN_KEY)";

/**
 * A constant-time check of a token against one configured secret (CODEX_LANES_ADMIN_KEY, the
 * metrics token): both are hashed first, so the time taken says nothing about the lengths. Null
 * when no secret is set.
 */
export function secretCheck(secret: string | null): ((token: string) => boolean) | null {
  if (!secret) return null;
  const want = digest(secret);
  return (token) => timingSafeEqual(digest(token), want);
}

export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1]! : null;
}

/** How long a verified key is trusted without asking the store again: a revocation takes effect within this. */
export const KEY_CACHE_MS = 1_000;
const KEY_CACHE_MAX = 1_000;

/**
 * Remembers keys the store verified for a moment, so a busy client costs one database read per
 * second instead of one per request. Unknown keys are never remembered.
 */
export class KeyCache {
  private readonly entries = new Map<string, { key: VerifiedKey; at: number }>();

  constructor(
    private readonly store: Store,
    private readonly ttlMs = KEY_CACHE_MS,
  ) {}

  verify(token: string, now: number): VerifiedKey | null {
    const hit = this.entries.get(token);
    if (hit && now - hit.at < this.ttlMs) return hit.key;
    const key = this.store.keys.verify(token, now);
    if (!key) {
      this.entries.delete(token);
      return null;
    }
    if (this.entries.size >= KEY_CACHE_MAX) this.entries.clear();
    this.entries.set(token, { key, at: now });
    return key;
  }
}

export function clientAuth(keys: KeyCache, now: () => number): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = bearerToken(c.req.header("authorization"));
    const key = token ? keys.verify(token, now()) : null;
    if (!key) throw new InvalidApiKeyError();
    c.set("keyName", key.name);
    await next();
  };
}

export function adminAuth(store: Store, adminKey: string | null, now: () => number): MiddlewareHandler<AppEnv> {
  const isEnvKey = secretCheck(adminKey);
  return async (c, next) => {
    const token = bearerToken(c.req.header("authorization"));
    if (!token) throw new InvalidApiKeyError("Missing admin key. Send 'Authorization: Bearer <admin key>'.");
    if (isEnvKey?.(token)) {
      c.set("keyName", ENV_ADMIN_NAME);
      return next();
    }
    const key = store.keys.verify(token, now());
    if (!key) throw new InvalidApiKeyError("Incorrect admin key.");
    if (!key.admin) throw new AdminKeyRequiredError();
    c.set("keyName", key.name);
    await next();
  };
}

function digest(s: string): Buffer {
  return createHash("sha256").update(s).digest();
}
