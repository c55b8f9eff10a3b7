// The Hono app: OpenAI routes under /v1, admin routes under /admin, /healthz. createApp never
// listens; gateway/server.ts does.

import { randomUUID } from "node:crypto";
import { Hono } from "hono";
import { accessLog } from "./access-log";
import { adminRoutes } from "./admin";
import { adminAuth, clientAuth, KeyCache } from "./auth";
import { chatHandler, errorResponse } from "./chat";
import type { AppDeps, AppEnv } from "./context";
import { dashboardRoutes } from "./dashboard/routes";
import { RouteNotFoundError, toApiError } from "./errors";
import { metricsRoutes } from "./metrics";
import { passHandler } from "./pass";
import { deleteResponseHandler, getResponseHandler, responsesHandler } from "./responses";

export type { AppDeps } from "./context";

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function newRequestId(): string {
  return `req_${randomUUID().replace(/-/g, "")}`;
}

export function createApp(deps: AppDeps): Hono<AppEnv> {
  const { config, store, dispatcher, log } = deps;
  const now = deps.now ?? Date.now;
  const app = new Hono<AppEnv>();
  const startedSec = Math.floor(now() / 1000);

  app.use("*", async (c, next) => {
    const given = c.req.header("x-request-id");
    const id = given && SANE_REQUEST_ID.test(given) ? given : newRequestId();
    c.set("requestId", id);
    c.set("receivedAt", now());
    c.set("log", log.child({ requestId: id }));
    await next();
    c.res.headers.set("x-request-id", id);
  });
  app.use("*", accessLog(now));

  app.get("/healthz", (c) => {
    const views = dispatcher.laneViewsNow();
    const ready = views.filter((v) => v.state === "ready").length;
    return c.json({ status: "ok", version: deps.version, lanes: { total: views.length, ready, notReady: views.length - ready } });
  });

  app.use("/v1/*", clientAuth(new KeyCache(store), now));
  app.get("/v1/models", async (c) => {
    const ids = await dispatcher.models();
    return c.json({ object: "list", data: ids.map((id) => ({ id, object: "model", created: startedSec, owned_by: "codex-lanes" })) });
  });
  app.post("/v1/chat/completions", chatHandler(dispatcher, config.limits.maxBodyBytes, now));
  app.post("/v1/responses", responsesHandler(dispatcher, store, config.limits.maxBodyBytes, now));
  app.get("/v1/responses/:id", getResponseHandler(store));
  app.delete("/v1/responses/:id", deleteResponseHandler(store));
  // Every other /v1 route goes to the API-key lanes; the gateway's own routes pass on to their handlers.
  app.all("/v1/*", passHandler(dispatcher, config, now));

  app.use("/admin/*", adminAuth(store, config.adminKey, now));
  app.route("/admin", adminRoutes(dispatcher, store, now, deps.adapters));
  app.route("/metrics", metricsRoutes(deps));
  app.route("/dashboard", dashboardRoutes(deps));

  app.notFound((c) => errorResponse(toApiError(new RouteNotFoundError(c.req.method, c.req.path))));

  app.onError((err, c) => {
    const api = toApiError(err, now());
    if (api.code === "internal_error") {
      (c.get("log") ?? log).error("unhandled error", { requestId: c.get("requestId"), err });
    }
    return errorResponse(api);
  });

  return app;
}
