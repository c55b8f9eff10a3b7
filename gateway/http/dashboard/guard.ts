// Who may see the dashboard: the admin key, typed once into the sign-in form and exchanged for a
// session cookie. Client keys never open it. Cookies are HttpOnly and SameSite=Strict, and Secure
// when the browser came over HTTPS (directly, or through a proxy that says so in x-forwarded-proto).

import { timingSafeEqual } from "node:crypto";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { Store } from "../../store";
import { ENV_ADMIN_NAME, secretCheck } from "../auth";
import type { AppEnv } from "../context";
import { randomToken, type Session, type SessionStore } from "./sessions";

export const SESSION_COOKIE = "cl_session";
/** Double-submit token of the sign-in form (there is no session yet to hold one). */
export const SIGNIN_CSRF_COOKIE = "cl_signin";
export const COOKIE_PATH = "/dashboard";
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export type KeyCheck = { ok: true; keyName: string; keyCreatedAt: string | null } | { ok: false };

export class AdminKeys {
  private readonly isEnvKey: ((token: string) => boolean) | null;
  private cache: { at: number; active: Map<string, string> } | null = null;

  constructor(
    private readonly store: Store,
    adminKey: string | null,
    private readonly now: () => number,
  ) {
    this.isEnvKey = secretCheck(adminKey);
  }

  /** An admin key (stored, or CODEX_LANES_ADMIN_KEY) opens; a client key or anything else does not. */
  check(key: string): KeyCheck {
    const token = key.trim();
    if (token === "") return { ok: false };
    if (this.isEnvKey?.(token)) return { ok: true, keyName: ENV_ADMIN_NAME, keyCreatedAt: null };
    const verified = this.store.keys.verify(token, this.now());
    if (!verified?.admin) return { ok: false };
    this.cache = null;
    return { ok: true, keyName: verified.name, keyCreatedAt: this.activeAdmins().get(verified.name) ?? null };
  }

  /** False once the key the session was opened with is revoked (checked against the store at most once a second). */
  stillValid(s: Session): boolean {
    if (s.keyCreatedAt === null) return s.keyName === ENV_ADMIN_NAME && this.isEnvKey !== null;
    return this.activeAdmins().get(s.keyName) === s.keyCreatedAt;
  }

  private activeAdmins(): Map<string, string> {
    const t = this.now();
    if (!this.cache || t - this.cache.at >= 1_000) {
      const active = new Map<string, string>();
      for (const k of this.store.keys.list()) if (k.admin && k.revokedAt === null) active.set(k.name, k.createdAt);
      this.cache = { at: t, active };
    }
    return this.cache.active;
  }
}

export function isHttps(c: Context<AppEnv>): boolean {
  const forwarded = c.req.header("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase();
  if (forwarded) return forwarded === "https";
  return new URL(c.req.url).protocol === "https:";
}

function cookieOptions(c: Context<AppEnv>) {
  return { path: COOKIE_PATH, httpOnly: true, sameSite: "Strict" as const, secure: isHttps(c) };
}

export function currentSession(c: Context<AppEnv>, sessions: SessionStore, keys: AdminKeys): Session | null {
  const s = sessions.get(getCookie(c, SESSION_COOKIE));
  if (s && !keys.stillValid(s)) {
    sessions.delete(s.id);
    return null;
  }
  return s;
}

export function startSession(c: Context<AppEnv>, s: Session): void {
  setCookie(c, SESSION_COOKIE, s.id, cookieOptions(c));
  deleteCookie(c, SIGNIN_CSRF_COOKIE, { path: COOKIE_PATH, secure: isHttps(c) });
}

export function endSession(c: Context<AppEnv>): void {
  deleteCookie(c, SESSION_COOKIE, { ...cookieOptions(c) });
}

/** The sign-in form's CSRF token: the one already in the browser's cookie, else a new one set now. */
export function signInToken(c: Context<AppEnv>): string {
  const have = getCookie(c, SIGNIN_CSRF_COOKIE);
  if (have && TOKEN_SHAPE.test(have)) return have;
  const token = randomToken();
  setCookie(c, SIGNIN_CSRF_COOKIE, token, cookieOptions(c));
  return token;
}

export function signInTokenMatches(c: Context<AppEnv>, formToken: unknown): boolean {
  return sameToken(getCookie(c, SIGNIN_CSRF_COOKIE), formToken);
}

export function sameToken(expected: string | undefined, given: unknown): boolean {
  if (!expected || typeof given !== "string") return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
