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
  return loggerOf({ min: RANK[opts.level ?? "info"], out: opts.out ?? process.stdout, err: opts.err ?? process.stderr, now: opts.now ?? Date.now }, base);
}

interface Sinks {
  min: number;
  out: { write(s: string): unknown };
  err: { write(s: string): unknown };
  now: () => number;
}

/**
 * The gateway makes a child logger per request, so making one is kept cheap: its functions are
 * closures without a name of their own. Under tsx (esbuild's keepNames) each named closure costs
 * a property definition, and binding a named function takes V8's slow path: µs per child.
 */
function loggerOf(sinks: Sinks, base: LogFields): Logger {
  return {
    debug: at(sinks, base, "debug"),
    info: at(sinks, base, "info"),
    warn: at(sinks, base, "warn"),
    error: at(sinks, base, "error"),
    child: childMaker(sinks, base),
  };
}

function at(sinks: Sinks, base: LogFields, level: Exclude<LogLevel, "silent">): (msg: string, fields?: LogFields) => void {
  return RANK[level] < sinks.min ? ignore : (msg, fields) => write(sinks, base, level, msg, fields);
}

function ignore(): void {}

function childMaker(sinks: Sinks, base: LogFields): (fields: LogFields) => Logger {
  return (fields) => loggerOf(sinks, { ...base, ...fields });
}

function write(sinks: Sinks, base: LogFields, level: Exclude<LogLevel, "silent">, msg: string, fields?: LogFields): void {
  const line = { t: new Date(sinks.now()).toISOString(), level, msg, ...base, ...serializeFields(fields) };
  (level === "warn" || level === "error" ? sinks.err : sinks.out).write(redact(safeStringify(line)) + "\n");
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
