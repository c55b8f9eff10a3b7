// Bearer auth. /v1 takes any active gateway key (client or admin); /admin takes only admin keys
// (`keys create --admin`) or the CODEX_LANES_ADMIN_KEY of the deployment. A request that fails
// here never reaches a lane and leaves no request-log row.

import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import type { Store } from "../store";
import type { AppEnv } from "./context";
import { AdminKeyRequiredError, InvalidApiKeyError } from "./errors";

/** The name admin requests made with CODEX_LANES_ADMIN_KEY appear under. */
export const ENV_ADMIN_NAME = "admin (CODEX_LANES_ADMIN_KEY)";

export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1]! : null;
}

export function clientAuth(store: Store, now: () => number): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = bearerToken(c.req.header("authorization"));
    const key = token ? store.keys.verify(token, now()) : null;
    if (!key) throw new InvalidApiKeyError();
    c.set("keyName", key.name);
    await next();
  };
}

export function adminAuth(store: Store, adminKey: string | null, now: () => number): MiddlewareHandler<AppEnv> {
  const envDigest = adminKey ? digest(adminKey) : null;
  return async (c, next) => {
    const token = bearerToken(c.req.header("authorization"));
    if (!token) throw new InvalidApiKeyError("Missing admin key. Send 'Authorization: Bearer <admin key>'.");
    if (envDigest && timingSafeEqual(digest(token), envDigest)) {
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
