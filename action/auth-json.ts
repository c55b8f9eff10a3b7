// `codex-auth-json`: one or more accounts' ~/.codex/auth.json contents, as one JSON object, a JSON
// array of objects, or several objects one after another (separated by newlines, blank lines or
// commas). Also finds every value in them that must be masked. Errors never quote the content.

import { JWT } from "../gateway/lanes";

export interface AuthAccount {
  /** 1-based position in the input, for messages and lane names (chatgpt-1, chatgpt-2…). */
  index: number;
  /** The object exactly as given, written to the lane's CODEX_HOME as auth.json. */
  json: Record<string, unknown>;
}

export class AuthJsonError extends Error {
  override readonly name = "AuthJsonError";
}

/** Strings this long anywhere in an auth.json are treated as secrets (tokens, ids, provenance). */
const LONG_STRING = 20;
const TOKEN_FIELDS = ["id_token", "access_token", "refresh_token", "account_id"];

export function parseAuthAccounts(raw: string): AuthAccount[] {
  const values = splitJsonValues(raw.trim());
  const list = values.length === 1 && Array.isArray(values[0]) ? (values[0] as unknown[]) : values;
  if (list.length === 0) throw new AuthJsonError("the JSON array is empty; give at least one account's auth.json");
  const accounts = list.map((v, i) => checkAccount(v, i + 1));
  refuseDuplicates(accounts);
  return accounts;
}

/**
 * Every value to register with the runner's masking: the token fields, and any string longer than
 * 20 characters at any depth. Works on whatever parses, even when the file is not a valid auth.json.
 */
export function secretValues(value: unknown): string[] {
  const out = new Set<string>();
  const walk = (v: unknown, key: string | null) => {
    if (typeof v === "string") {
      if ((key !== null && TOKEN_FIELDS.includes(key) && v.length > 0) || v.length > LONG_STRING) out.add(v);
      // A JWT's parts are printed on their own by some tools; mask them too.
      if (JWT.test(v)) for (const part of v.split(".")) if (part.length > LONG_STRING) out.add(part);
    } else if (Array.isArray(v)) {
      for (const x of v) walk(x, null);
    } else if (v && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) walk(x, k);
    }
  };
  walk(value, null);
  return [...out];
}

/** Best effort for masking: the values that parse, or null when nothing does. */
export function tryParseAll(raw: string): unknown[] | null {
  try {
    return splitJsonValues(raw.trim());
  } catch {
    return null;
  }
}

function checkAccount(v: unknown, index: number): AuthAccount {
  const where = `account ${index}`;
  if (!v || typeof v !== "object" || Array.isArray(v)) throw new AuthJsonError(`${where} is not a JSON object; paste the whole auth.json file`);
  const obj = v as Record<string, unknown>;
  const tokens = obj.tokens as Record<string, unknown> | undefined | null;
  if (!tokens || typeof tokens !== "object") {
    if (typeof obj.OPENAI_API_KEY === "string") {
      throw new AuthJsonError(`${where} is an API-key auth.json, not a ChatGPT sign-in; pass the key as "openai-api-key" instead`);
    }
    throw new AuthJsonError(`${where} has no "tokens" object; run \`codex login\` and paste the whole ~/.codex/auth.json it writes`);
  }
  for (const field of ["id_token", "access_token", "refresh_token"]) {
    if (typeof tokens[field] !== "string" || tokens[field] === "") {
      throw new AuthJsonError(`${where} has no tokens.${field}; run \`codex login\` again and paste the new ~/.codex/auth.json`);
    }
  }
  return { index, json: obj };
}

function refuseDuplicates(accounts: AuthAccount[]): void {
  const seen = new Map<string, number>();
  for (const a of accounts) {
    // Checked to be a string when the account was read.
    const rt = (a.json.tokens as { refresh_token: string }).refresh_token;
    const first = seen.get(rt);
    if (first !== undefined) {
      throw new AuthJsonError(`accounts ${first} and ${a.index} are the same sign-in (the same refresh token); give each account once`);
    }
    seen.set(rt, a.index);
  }
}

/** Parses consecutive top-level JSON values separated by whitespace or commas. */
function splitJsonValues(text: string): unknown[] {
  const out: unknown[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s|,/.test(c)) {
      i++;
      continue;
    }
    if (c !== "{" && c !== "[") throw new AuthJsonError(`unexpected text at character ${i + 1}; expected a JSON object ("{…}")`);
    const end = matchingEnd(text, i);
    try {
      out.push(JSON.parse(text.slice(i, end)));
    } catch {
      throw new AuthJsonError(`the JSON value starting at character ${i + 1} is not valid JSON`);
    }
    i = end;
  }
  return out;
}

/** Index just past the bracket that closes the one at `start`, skipping brackets inside strings. */
function matchingEnd(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
    } else if (c === "{" || c === "[") {
      depth++;
    } else if (c === "}" || c === "]") {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  throw new AuthJsonError(`the JSON value starting at character ${start + 1} is never closed`);
}
