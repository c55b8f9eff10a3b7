// Small text helpers shared by the lane core. Pure: no clock, no I/O.

/** "2026-11-22 03:18 UTC": how lane reasons show a moment. */
export function formatUtc(epochMs: number): string {
  const iso = new Date(epochMs).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

const SECRET_PATTERNS: readonly RegExp[] = [
  /\bBearer\s+[A-Za-z0-9._~+/=-]{8,}/gi,
  /\bsk-[A-Za-z0-9_-]{8,}/g,
  /\brt_[A-Za-z0-9._-]{8,}/g,
  // A JWT (access or id token): three base64url parts, the first starting with `eyJ`.
  /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g,
];

const MAX_MESSAGE_CHARS = 600;

/** Replaces anything shaped like a key or token (Bearer value, `sk-` key, `rt_` refresh token, JWT) with `[redacted]`. */
export function maskTokens(text: string): string {
  let out = text;
  for (const pattern of SECRET_PATTERNS) out = out.replace(pattern, "[redacted]");
  return out;
}

/**
 * Outcome messages reach clients and logs. Upstream text is not ours, so anything shaped like a
 * key or token is masked and very long bodies are cut.
 */
export function safeMessage(text: string): string {
  const out = maskTokens(text);
  return out.length > MAX_MESSAGE_CHARS ? `${out.slice(0, MAX_MESSAGE_CHARS - 1)}…` : out;
}
