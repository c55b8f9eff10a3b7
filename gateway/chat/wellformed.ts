// Input Codex cannot take, refused before any lane sees it. The app-server reads each JSON-RPC
// message with serde_json, which rejects text that is not well-formed UTF-16 (a lone surrogate such
// as "\ud800") and values nested more than 128 levels deep. Such a message has no id Codex can
// answer, so the turn would wait for its bound while holding a lane slot. Every endpoint's body is
// checked here once, so a client gets a 400 naming the field instead.

import { ChatValidationError, joinPath } from "./errors";

/**
 * How deep objects and arrays may nest in a request body. Codex wraps what it is given in a few
 * levels of its own (a tool's parameters sit 4 levels into thread/start), far below serde's 128;
 * a JSON schema may nest about 60 levels, beyond what any real schema needs.
 */
export const MAX_BODY_NESTING = 64;

/** Segments of a too-deep path shown in the error: enough to name the field, not the whole way down. */
const SHOWN_SEGMENTS = 6;

type Path = readonly (string | number)[];

/** With the u flag a paired surrogate is one code point, so this finds only the lone ones. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * Walks the body without recursion (a hostile body can nest far deeper than the stack allows) and
 * throws for the first string or key that is not well-formed UTF-16, or the first value nested
 * deeper than MAX_BODY_NESTING.
 */
export function checkWellFormed(body: unknown): void {
  const stack: Array<{ value: unknown; path: Path }> = [{ value: body, path: [] }];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const { value, path } = next;
    if (typeof value === "string") {
      if (LONE_SURROGATE.test(value)) throw illFormed(path);
      continue;
    }
    if (typeof value !== "object" || value === null) continue;
    // path.length is the depth of this container's parent; the body itself is level 1.
    if (path.length + 1 > MAX_BODY_NESTING) throw tooDeep(path);
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) if (worthVisiting(value[i])) stack.push({ value: value[i], path: [...path, i] });
      continue;
    }
    for (const [k, v] of Object.entries(value)) {
      if (LONE_SURROGATE.test(k)) throw illFormed(path, "a key in");
      if (worthVisiting(v)) stack.push({ value: v, path: [...path, k] });
    }
  }
}

/** Numbers, booleans and nulls can be neither ill-formed nor deep. */
function worthVisiting(v: unknown): boolean {
  return typeof v === "string" || (typeof v === "object" && v !== null);
}

function illFormed(path: Path, what = ""): ChatValidationError {
  const at = joinPath("", path);
  return new ChatValidationError(
    `Invalid value for '${at || "body"}': ${what ? `${what} it ` : ""}contains a lone UTF-16 surrogate (e.g. "\\ud800" without its pair), which is not text; send well-formed Unicode.`,
    at || null,
    "invalid_unicode",
  );
}

function tooDeep(path: Path): ChatValidationError {
  const shown = joinPath("", path.slice(0, SHOWN_SEGMENTS));
  const at = path.length > SHOWN_SEGMENTS ? `${shown}…` : shown;
  return new ChatValidationError(
    `Invalid value for '${at}': objects and arrays nest more than ${MAX_BODY_NESTING} levels deep in the request body, more than Codex can take; flatten it (e.g. a JSON schema with $defs and $ref).`,
    shown || null,
    "nesting_too_deep",
  );
}
