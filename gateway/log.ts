// A tiny structured logger: one JSON object per line, info/debug to stdout, warn/error to stderr.
// Every line passes through redact(), so a secret registered with registerSecret() (an OpenAI API
// key, a worker token) cannot reach the logs even when some error message happens to carry it.

import { maskTokens } from "./lanes";

export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";
export type LogFields = Record<string, unknown>;

/** Plain functions, not methods: safe to pass around unbound (`(quiet ? log.debug : log.info)(...)`). */
export interface Logger {
  debug: (msg: string, fields?: LogFields) => void;
  info: (msg: string, fields?: LogFields) => void;
  warn: (msg: string, fields?: LogFields) => void;
  error: (msg: string, fields?: LogFields) => void;
  /** A logger that adds `fields` (e.g. `{ requestId }`) to every line. */
  child: (fields: LogFields) => Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  out?: { write(s: string): unknown };
  err?: { write(s: string): unknown };
  now?: () => number;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

const secrets = new Set<string>();

/** Values that must never be printed. Short values are ignored: redacting "a" would mangle every line. */
export function registerSecret(value: string | null | undefined): void {
  if (value && value.length >= 8) secrets.add(value);
}

/** Registered secrets first, then anything shaped like a key or token (the lane core's patterns), as a net under registerSecret. */
export function redact(text: string): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join("[redacted]");
  return maskTokens(out);
}

export function createLogger(opts: LoggerOptions = {}, base: LogFields = {}): Logger {
  const min = RANK[opts.level ?? "info"];
  const out = opts.out ?? process.stdout;
  const err = opts.err ?? process.stderr;
  const now = opts.now ?? Date.now;
  const write = (level: Exclude<LogLevel, "silent">, msg: string, fields?: LogFields) => {
    if (RANK[level] < min) return;
    const line = { t: new Date(now()).toISOString(), level, msg, ...base, ...serializeFields(fields) };
    (level === "warn" || level === "error" ? err : out).write(redact(safeStringify(line)) + "\n");
  };
  return {
    debug: (m, f) => write("debug", m, f),
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warn", m, f),
    error: (m, f) => write("error", m, f),
    child: (fields) => createLogger(opts, { ...base, ...fields }),
  };
}

/** For tests and for commands that print their own output. */
export const silentLogger: Logger = createLogger({ level: "silent" });

function serializeFields(fields?: LogFields): LogFields {
  if (!fields) return {};
  const out: LogFields = {};
  for (const [k, v] of Object.entries(fields)) out[k] = v instanceof Error ? serializeError(v) : v;
  return out;
}

function serializeError(e: Error): LogFields {
  return { name: e.name, message: e.message, stack: e.stack, ...(e.cause ? { cause: causeText(e.cause) } : {}) };
}

/** An error's cause as text; a plain object as JSON, where String() would say "[object Object]". */
function causeText(cause: unknown): string {
  if (cause instanceof Error) return String(cause);
  return typeof cause === "string" ? cause : safeStringify(cause);
}

function safeStringify(v: unknown): string {
  try {
    return JSON.stringify(v);
  } catch {
    return JSON.stringify({ msg: "unserializable log line" });
  }
}
