// The chat folder's one error type, and zod issues turned into one message naming one field.

import type { z } from "zod";
import { GatewayError } from "../errors/api-error";
import { checkWellFormed } from "./wellformed";

/** A client mistake in the body. `param` is the field path, e.g. `messages[0].content[1].image_url`. */
export class ChatValidationError extends GatewayError {
  override readonly name = "ChatValidationError";
  constructor(message: string, param: string | null, code = "invalid_value") {
    super(message, { status: 400, code, param });
  }
}

export function unsupported(param: string, message: string): ChatValidationError {
  return new ChatValidationError(message, param, "unsupported_parameter");
}

type Issue = z.core.$ZodIssue;

export function toValidationError(issues: readonly Issue[], prefix = ""): ChatValidationError {
  const issue = deepest(issues[0]!);
  const path = joinPath(prefix, issue.path);
  const param = path || null;
  if (issue.code === "invalid_type" && /received undefined/.test(issue.message)) {
    return new ChatValidationError(`Missing required parameter: '${path}'.`, param, "missing_required_parameter");
  }
  const what = issue.message.replace(/^Invalid input: /, "");
  return new ChatValidationError(`Invalid value for '${path || "body"}': ${what}.`, param, "invalid_value");
}

/** A union's top issue says only "Invalid input"; the branch that got furthest says what is wrong. */
function deepest(issue: Issue): Issue {
  if (issue.code !== "invalid_union" || issue.errors.length === 0) return issue;
  let best: Issue | null = null;
  for (const branch of issue.errors) {
    const first = branch[0];
    if (first && (!best || first.path.length > best.path.length)) best = first;
  }
  if (!best || best.path.length === 0) {
    return { ...issue, message: unionMessage(issue) };
  }
  const inner = deepest(best);
  return { ...inner, path: [...issue.path, ...inner.path] };
}

function unionMessage(issue: Issue): string {
  const last = issue.path[issue.path.length - 1];
  return last === "content" ? "expected a string or an array of content parts" : "value has the wrong type";
}

export function joinPath(prefix: string, path: readonly PropertyKey[]): string {
  let out = prefix;
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out ? `.${String(seg)}` : String(seg);
  }
  return out;
}

/** A request body checked the way every endpoint checks it: a JSON object, no refused field, then the schema. */
export function parseBody<T>(raw: unknown, schema: z.ZodType<T>, refuse: (obj: Record<string, unknown>) => void): T {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new ChatValidationError("The request body must be a JSON object.", null, "invalid_body");
  }
  checkWellFormed(raw);
  refuse(raw as Record<string, unknown>);
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw toValidationError(parsed.error.issues);
  return parsed.data;
}
