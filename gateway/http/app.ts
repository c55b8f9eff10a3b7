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
import { toApiError } from "../errors/api-error";
import { RouteNotFoundError } from "./errors";
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
    // Set on the Node response, which every answer goes out through (a web Response's headers are
    // merged into it, a stream written directly keeps it): setting it on c.res afterwards built a
    // web Headers object per response that @hono/node-server then turned back into Node's.
    c.env.outgoing.setHeader("x-request-id", id);
    await next();
  });
  app.use("*", accessLog(now));

  app.get("/healthz", (c) => {
    const views = dispatcher.laneViewsNow();
    const ready = views.filter((v) => v.state === "ready").length;
    return c.json({ status: "ok", version: deps.version, lanes: { total: views.length, ready, notReady: views.length - ready } });
  });

  app.use("/v1/*", clientAuth(new KeyCache(store), now));
  const model = (id: string) => ({ id, object: "model", created: startedSec, owned_by: "codex-lanes" });
  app.get("/v1/models", async (c) => c.json({ object: "list", data: (await dispatcher.models()).map(model) }));
  // Libraries call models.retrieve(id) to check a model before using it: answer for the same set the list shows.
  app.get("/v1/models/:id{.+}", async (c) => {
    const id = c.req.param("id");
    if ((await dispatcher.models()).includes(id)) return c.json(model(id));
    const message = `The model "${id}" is not served by any lane of this gateway. GET /v1/models lists the models it serves; add the model to a lane's "models" in the config to serve it.`;
    return errorResponse({ status: 404, type: "invalid_request_error", code: "model_not_found", param: "model", message });
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
