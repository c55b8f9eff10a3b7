// One structured access-log line per HTTP request ("http"), with the request id from the
// request's child logger. No query strings, headers or bodies: they may carry keys or prompts.
// /healthz is logged at debug level so container health checks do not flood the log.

import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./context";

const QUIET_PATHS = new Set(["/healthz"]);

export function accessLog(now: () => number = Date.now): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = now();
    // Hono turns a thrown error into onError's response before this await returns, so c.res is
    // what the client gets, errors included.
    await next();
    const log = c.get("log");
    if (!log) return;
    // An answer written to the Node response directly (streams) has its status there, not on c.res.
    const out = c.env.outgoing;
    const status = out.headersSent ? out.statusCode : c.res.status;
    const fields = { method: c.req.method, path: c.req.path, status, ms: now() - started, key: c.get("keyName") ?? null };
    (QUIET_PATHS.has(c.req.path) ? log.debug : log.info)("http", fields);
  };
}
