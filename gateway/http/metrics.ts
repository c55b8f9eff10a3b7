// GET /metrics: Prometheus text format. Opens with an admin key, or with the separate scrape
// token CODEX_LANES_METRICS_TOKEN (so a scraper never holds a key that can change anything).

import { createHash, timingSafeEqual } from "node:crypto";
import { Hono } from "hono";
import { CONTENT_TYPE, RequestMetrics } from "../metrics";
import { adminAuth, bearerToken } from "./auth";
import type { AppDeps, AppEnv } from "./context";

export const METRICS_TOKEN_NAME = "metrics (CODEX_LANES_METRICS_TOKEN)";

export function metricsRoutes(deps: AppDeps): Hono<AppEnv> {
  const now = deps.now ?? Date.now;
  const metrics = deps.metrics ?? new RequestMetrics();
  const admin = adminAuth(deps.store, deps.config.adminKey, now);
  const scrapeDigest = deps.config.metricsToken ? digest(deps.config.metricsToken) : null;
  const app = new Hono<AppEnv>();
  app.use("*", async (c, next) => {
    const token = bearerToken(c.req.header("authorization"));
    if (scrapeDigest && token && timingSafeEqual(digest(token), scrapeDigest)) {
      c.set("keyName", METRICS_TOKEN_NAME);
      return next();
    }
    return admin(c, next);
  });
  app.get("/", async (c) => {
    const body = await metrics.exposition(deps.dispatcher.laneViewsNow(), deps.version);
    return c.body(body, 200, { "content-type": CONTENT_TYPE, "cache-control": "no-store" });
  });
  return app;
}

function digest(s: string): Buffer {
  return createHash("sha256").update(s).digest();
}
