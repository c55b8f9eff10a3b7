// Dashboard sessions, in memory: a random id (the cookie) -> who signed in, the CSRF token of the
// session's forms, and when it expires. A restart signs everyone out, which is acceptable for an
// owner's dashboard and keeps session ids out of the database and its backups.

import { randomBytes } from "node:crypto";

/** A session ends this long after its last use... */
export const IDLE_MS = 12 * 3_600_000;
/** ...and at the latest this long after sign-in. */
export const MAX_AGE_MS = 7 * 24 * 3_600_000;
const MAX_SESSIONS = 1_000;

export interface Session {
  id: string;
  csrf: string;
  /** The admin key's name (or the environment admin key's label). */
  keyName: string;
  /** createdAt of the stored key at sign-in; null for CODEX_LANES_ADMIN_KEY. Revoking the key ends the session. */
  keyCreatedAt: string | null;
  createdAt: number;
  lastSeen: number;
}

/** 32 random bytes, base64url: ids and CSRF tokens. */
export function randomToken(): string {
  return randomBytes(32).toString("base64url");
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly now: () => number = Date.now) {}

  create(keyName: string, keyCreatedAt: string | null): Session {
    const t = this.now();
    this.sweep(t);
    if (this.sessions.size >= MAX_SESSIONS) {
      // Map keeps insertion order: the first entry is the oldest sign-in.
      const oldest = this.sessions.keys().next().value;
      if (oldest !== undefined) this.sessions.delete(oldest);
    }
    const s: Session = { id: randomToken(), csrf: randomToken(), keyName, keyCreatedAt, createdAt: t, lastSeen: t };
    this.sessions.set(s.id, s);
    return s;
  }

  /** The live session with this id (and touches it), or null. */
  get(id: string | undefined): Session | null {
    if (!id) return null;
    const s = this.sessions.get(id);
    if (!s) return null;
    const t = this.now();
    if (expired(s, t)) {
      this.sessions.delete(id);
      return null;
    }
    s.lastSeen = t;
    return s;
  }

  delete(id: string): boolean {
    return this.sessions.delete(id);
  }

  size(): number {
    return this.sessions.size;
  }

  private sweep(t: number): void {
    for (const [id, s] of this.sessions) if (expired(s, t)) this.sessions.delete(id);
  }
}

function expired(s: Session, t: number): boolean {
  return t - s.lastSeen > IDLE_MS || t - s.createdAt > MAX_AGE_MS;
}
