// What a secret looks like: the one list every redactor uses (the gateway's log and outcome
// messages, the action's job log and auth.json masking, the config's "this looks like a secret"
// check, the test harnesses). Pure, so the action bundles it with the lane core.

/** A JWT (ChatGPT access or id token): three base64url parts, the first starting with `eyJ`. */
export const JWT = /^eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*$/;

/** Keys and tokens inside free text. Each is global, for `replace`. */
export const SECRET_PATTERNS: readonly RegExp[] = [
  /\bBearer\s+[A-Za-z0-9._~+/=-]{8,}/gi,
  // OpenAI API keys (sk-, sk-proj-, ...).
  /\bsk-[A-Za-z0-9_-]{8,}/g,
  // ChatGPT refresh tokens.
  /\brt_[A-Za-z0-9._-]{8,}/g,
  // codex-lanes gateway keys (cl- and 43 base64url characters).
  /\bcl-[A-Za-z0-9_-]{20,}/g,
  new RegExp(`\\b${JWT.source.slice(1, -1)}`, "g"),
];

/** Prefixes of well-known keys and tokens: a whole value that starts with one is a secret. */
const SECRET_PREFIXES = ["sk-", "sk_", "cl-", "rk-", "rt_", "ghp_", "gho_", "ghs_", "github_pat_", "xoxa-", "xoxb-", "xoxp-", "eyJ"] as const;

/** Replaces anything shaped like a key or token (Bearer value, `sk-` key, `rt_` refresh token, gateway key, JWT). */
export function maskTokens(text: string, mask = "[redacted]"): string {
  let out = text;
  for (const pattern of SECRET_PATTERNS) out = out.replace(pattern, mask);
  return out;
}

/** Whether a whole value (a config string, say) is a secret: a known prefix, or a long token mixing lower case, upper case and digits. */
export function looksSecret(s: string): boolean {
  if (SECRET_PREFIXES.some((p) => s.startsWith(p))) return true;
  return s.length >= 20 && !/\s/.test(s) && /[a-z]/.test(s) && /[A-Z]/.test(s) && /\d/.test(s);
}
