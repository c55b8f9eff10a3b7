// Turns zod issues into the lines a ConfigError shows: `<file>: <field path>: <what is wrong> (got <value>)`.
// The value is described so that a pasted secret never ends up in the message.

import type { z } from "zod";
import { ALLOWED_PREFIX, type Problem } from "./schema";
import { hasUrlCredentials, looksSecret } from "./secret-shape";

type Path = readonly PropertyKey[];

export function formatPath(path: Path): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (typeof seg === "string" && /^[A-Za-z_$][\w$]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(String(seg).slice(0, 60))}]`;
  }
  return out;
}

export function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return v.length ? `a list of ${v.length}` : "an empty list";
  switch (typeof v) {
    case "string":
      if (looksSecret(v) || hasUrlCredentials(v)) return `a string of ${v.length} characters`;
      return v.length > 60 ? `${JSON.stringify(v.slice(0, 57))}...` : JSON.stringify(v);
    case "number":
    case "boolean":
      return String(v);
    case "object":
      return "an object";
    default:
      return typeof v;
  }
}

function valueAt(raw: unknown, path: Path): unknown {
  let v: unknown = raw;
  for (const seg of path) {
    if (v === null || typeof v !== "object" || !Object.prototype.hasOwnProperty.call(v, seg)) return undefined;
    v = (v as Record<PropertyKey, unknown>)[seg];
  }
  return v;
}

function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length]!;
}

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i]!.toLowerCase() === b[i]!.toLowerCase()) i++;
  return i;
}

function suggestion(key: string, allowed: string[]): string {
  const best = allowed
    .map((k) => ({ k, d: distance(key, k) }))
    .filter(({ k, d }) => (d < key.length && d <= Math.max(2, Math.floor(key.length / 3))) || commonPrefix(key, k) >= 3)
    .sort((a, b) => a.d - b.d)[0];
  return best ? ` (did you mean "${best.k}"?)` : "";
}

const where = (label: string, path: Path): string => (path.length ? `${label}: ${formatPath(path)}` : label);

export function issueLines(issues: readonly z.core.$ZodIssue[], raw: unknown, label: string): string[] {
  return problemLines(issueProblems(issues, raw), label);
}

/**
 * The same problems with their paths, for a caller that names fields its own way (the Pulumi program:
 * `codex-lanes:gateway.limits.turnTimeoutMs`). Unknown keys come one each, with the nearest allowed key.
 */
export function issueProblems(issues: readonly z.core.$ZodIssue[], raw: unknown): Problem[] {
  const problems: Problem[] = [];
  const seen = new Set<string>();
  const add = (path: Path, message: string) => problems.push({ path: path.map((seg) => (typeof seg === "number" ? seg : String(seg))), message });
  for (const iss of issues) {
    if (iss.code === "unrecognized_keys") {
      const allowed = iss.message.startsWith(ALLOWED_PREFIX) ? iss.message.slice(ALLOWED_PREFIX.length).split(", ") : [];
      for (const key of iss.keys) add([...iss.path, key], `unknown key${suggestion(key, allowed)}; ${iss.message}`);
      continue;
    }
    // Cross-field problems describe several fields; a value would not explain them.
    const crossField = iss.code === "custom" && (iss.params as { crossField?: boolean } | undefined)?.crossField === true;
    // One problem per field: a value failing two checks gets the first message only.
    const key = JSON.stringify(iss.path);
    if (!crossField && seen.has(key)) continue;
    if (!crossField) seen.add(key);
    const value = valueAt(raw, iss.path);
    add(iss.path, crossField ? iss.message : value === undefined ? `missing; ${iss.message}` : `${iss.message} (got ${describeValue(value)})`);
  }
  return problems;
}

export function problemLines(problems: readonly Problem[], label: string): string[] {
  return problems.map((p) => `${where(label, p.path)}: ${p.message}`);
}
