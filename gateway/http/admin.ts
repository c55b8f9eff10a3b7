// Admin routes: lane status, the request log, and sign-in through the gateway; behind adminAuth.

import { Hono } from "hono";
import type { Dispatcher } from "../dispatch/dispatcher";
import type { RequestListQuery, RequestStatus, Store } from "../store";
import type { LaneAdapter } from "../chat/lane-adapter";
import { signInRoutes } from "./admin-signin";
import type { AppEnv } from "./context";
import { BadQueryError } from "./errors";

export function adminRoutes(dispatcher: Dispatcher, store: Store, now: () => number, adapters?: ReadonlyMap<string, LaneAdapter>): Hono<AppEnv> {
  const admin = new Hono<AppEnv>();
  if (adapters) admin.route("/", signInRoutes(adapters, dispatcher));
  admin.get("/lanes", async (c) => c.json({ now: new Date(now()).toISOString(), lanes: await dispatcher.laneViews() }));
  admin.get("/requests", (c) => {
    const query = requestQuery((k) => c.req.query(k));
    dispatcher.flush();
    return c.json(store.requests.list(query));
  });
  return admin;
}

const STATUSES: readonly RequestStatus[] = ["ok", "error", "cancelled"];

export function requestQuery(get: (k: string) => string | undefined): RequestListQuery {
  const q: RequestListQuery = {};
  for (const k of ["lane", "key", "model", "endpoint", "before"] as const) {
    const v = get(k);
    if (v) q[k] = v;
  }
  const status = get("status");
  if (status) {
    if (!STATUSES.includes(status as RequestStatus)) throw new BadQueryError(`status must be one of ${STATUSES.join(", ")}.`, "status");
    q.status = status as RequestStatus;
  }
  const since = get("since");
  if (since) q.since = timeParam(since, "since");
  const until = get("until");
  if (until) q.until = timeParam(until, "until");
  const limit = get("limit");
  if (limit) {
    const n = Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > 500) throw new BadQueryError("limit must be an integer from 1 to 500.", "limit");
    q.limit = n;
  }
  return q;
}

/** Epoch ms or an ISO 8601 date. */
function timeParam(v: string, name: string): number {
  const t = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(t)) throw new BadQueryError(`${name} must be an ISO 8601 time or epoch milliseconds.`, name);
  return t;
}
