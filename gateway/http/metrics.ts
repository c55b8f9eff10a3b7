// GET /metrics: Prometheus text format. Opens with an admin key, or with the separate scrape
// token CODEX_LANES_METRICS_TOKEN (so a scraper never holds a key that can change anything).

import { Hono, type MiddlewareHandler } from "hono";
import { CONTENT_TYPE, RequestMetrics } from "../metrics";
import { adminAuth, bearerToken, secretCheck } from "./auth";
import type { AppDeps, AppEnv } from "./context";

export const METRICS_TOKEN_NAME = "metrics (CODEX_LANES_METRICS_TOKEN)";

export function metricsRoutes(deps: AppDeps): Hono<AppEnv> {
  const now = deps.now ?? Date.now;
  const metrics = deps.metrics ?? new RequestMetrics();
  const admin = adminAuth(deps.store, deps.config.adminKey, now);
  const isScrapeToken = secretCheck(deps.config.metricsToken ?? null);
  const scrapeOrAdmin: MiddlewareHandler<AppEnv> = async (c, next) => {
    const token = bearerToken(c.req.header("authorization"));
    if (token && isScrapeToken?.(token)) {
      c.set("keyName", METRICS_TOKEN_NAME);
      return next();
    }
    return admin(c, next);
  };
  const app = new Hono<AppEnv>();
  app.use("*", scrapeOrAdmin);
  app.get("/", async (c) => {
    const body = await metrics.exposition(deps.dispatcher.laneViewsNow(), deps.version);
    return c.body(body, 200, { "content-type": CONTENT_TYPE, "cache-control": "no-store" });
  });
  return app;
}
