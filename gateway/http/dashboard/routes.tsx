// /dashboard routes: the page (or, without a session, only the sign-in form), the live JSON the
// page polls, sign-in and sign-out. Mounted by createApp at /dashboard.

import { randomBytes } from "node:crypto";
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { estimate, parseSpend, planTable } from "../../calc";
import { buildOverview } from "../../metrics/overview";
import { InvalidCursorError, InvalidQueryError, type RequestListQuery, type RequestPage, type RequestStatus } from "../../store";
import type { AppDeps, AppEnv } from "../context";
import { AdminKeys, currentSession, endSession, sameToken, signInToken, signInTokenMatches, startSession } from "./guard";
import { securityHeaders } from "./layout";
import { STATUSES, type LogFilters } from "./log";
import type { CalcView } from "./money";
import { DashboardPage, liveSections, type Html, type PageData } from "./page";
import { SessionStore, type Session } from "./sessions";
import { SignInPage } from "./signin";

export const PAGE_SIZE = 50;
/** How long a page waits for fresh lane status before rendering what is known. */
const LANE_STATUS_WAIT_MS = 1_000;

export function dashboardRoutes(deps: AppDeps): Hono<AppEnv> {
  const now = deps.now ?? Date.now;
  const sessions = new SessionStore(now);
  const keys = new AdminKeys(deps.store, deps.config.adminKey, now);
  const plans = planTable(deps.config.calc?.plans);
  const app = new Hono<AppEnv>();

  const html = (c: Context<AppEnv>, body: (nonce: string) => Html, status: 200 | 401 | 403 = 200) => {
    const nonce = randomBytes(16).toString("base64");
    return c.html(body(nonce), status, securityHeaders(nonce));
  };
  const signInForm = (c: Context<AppEnv>, status: 200 | 401 | 403, error: string | null = null) =>
    html(c, (nonce) => <SignInPage nonce={nonce} now={now()} csrf={signInToken(c)} error={error} />, status);

  async function gather(c: Context<AppEnv>, s: Session): Promise<PageData> {
    c.set("keyName", s.keyName);
    deps.dispatcher.flush();
    const lanes = await laneViews(deps);
    const t = now();
    const overview = buildOverview({ config: deps.config, requests: deps.store.requests, lanes, now: t });
    const { filters, notice } = readFilters((k) => c.req.query(k));
    const log = listPage(deps, filters, notice);
    return {
      now: t,
      version: deps.version,
      who: s.keyName,
      csrf: s.csrf,
      overview,
      log,
      laneNames: deps.config.lanes.map((l) => l.name),
      keyNames: [...new Set(deps.store.keys.list().map((k) => k.name))],
      calc: calcView(c.req.query("spend"), overview.ledger.totals.projectedApiOnlyUsd, plans),
    };
  }

  app.get("/", async (c) => {
    const s = currentSession(c, sessions, keys);
    if (!s) return signInForm(c, 401);
    const d = await gather(c, s);
    const q = new URL(c.req.url).search;
    return html(c, (nonce) => <DashboardPage data={d} nonce={nonce} liveUrl={`/dashboard/live${q}`} />);
  });

  app.get("/live", async (c) => {
    const s = currentSession(c, sessions, keys);
    if (!s) return c.json({ error: { message: "Signed out: reload the page to sign in.", type: "invalid_request_error", param: null, code: "signed_out" } }, 401);
    const d = await gather(c, s);
    const sections: Record<string, string> = {};
    for (const [id, el] of Object.entries(liveSections(d, !d.log.filters.before))) sections[id] = String(await el);
    return c.json({ generatedAt: d.overview.generatedAt, sections }, 200, { "cache-control": "no-store" });
  });

  app.get("/signin", (c) => c.redirect("/dashboard", 303));

  app.post("/signin", bodyLimit({ maxSize: 8 * 1024, onError: (c) => c.text("Form too large.", 413) }), async (c) => {
    const form = await c.req.parseBody();
    const log = c.get("log");
    if (!signInTokenMatches(c, form.csrf)) {
      log.warn("dashboard sign-in refused: missing or wrong CSRF token");
      return signInForm(c, 403, "This form expired. Please sign in again.");
    }
    const checked = typeof form.key === "string" ? keys.check(form.key) : ({ ok: false } as const);
    if (!checked.ok) {
      log.warn("dashboard sign-in refused: not an admin key");
      return signInForm(c, 401, "That key does not open the dashboard. Use an admin key.");
    }
    const s = sessions.create(checked.keyName, checked.keyCreatedAt);
    c.set("keyName", s.keyName);
    startSession(c, s);
    log.info("dashboard sign-in", { key: s.keyName });
    return c.redirect("/dashboard", 303);
  });

  app.post("/logout", bodyLimit({ maxSize: 8 * 1024, onError: (c) => c.text("Form too large.", 413) }), async (c) => {
    const s = currentSession(c, sessions, keys);
    if (!s) {
      endSession(c);
      return c.redirect("/dashboard", 303);
    }
    const form = await c.req.parseBody();
    if (!sameToken(s.csrf, form.csrf)) {
      c.get("log").warn("dashboard sign-out refused: missing or wrong CSRF token", { key: s.keyName });
      return c.text("Sign-out refused: the form did not carry this session's token. Reload the dashboard and try again.", 403, securityHeaders("none"));
    }
    sessions.delete(s.id);
    endSession(c);
    c.get("log").info("dashboard sign-out", { key: s.keyName });
    return c.redirect("/dashboard", 303);
  });

  return app;
}

async function laneViews(deps: AppDeps) {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), LANE_STATUS_WAIT_MS);
  });
  try {
    const fresh = await Promise.race([deps.dispatcher.laneViews().catch(() => null), late]);
    return fresh ?? deps.dispatcher.laneViewsNow();
  } finally {
    clearTimeout(timer);
  }
}

/** Filters from the query; a bad status is dropped with a notice rather than failing the page. */
export function readFilters(get: (k: string) => string | undefined): { filters: LogFilters; notice: string | null } {
  const filters: LogFilters = {};
  let notice: string | null = null;
  for (const k of ["lane", "key", "model", "before"] as const) {
    const v = get(k)?.trim();
    if (v) filters[k] = v;
  }
  const status = get("status");
  if (status) {
    if ((STATUSES as readonly string[]).includes(status)) filters.status = status as RequestStatus;
    else notice = `Unknown status filter; showing every status (use ${STATUSES.join(", ")}).`;
  }
  return { filters, notice };
}

function listPage(deps: AppDeps, filters: LogFilters, notice: string | null): PageData["log"] {
  const query: RequestListQuery = { ...filters, limit: PAGE_SIZE };
  let page: RequestPage;
  try {
    page = deps.store.requests.list(query);
  } catch (err) {
    if (!(err instanceof InvalidCursorError || err instanceof InvalidQueryError)) throw err;
    // A stale or hand-edited cursor: show the newest page of the same filters instead.
    const { before: _dropped, ...rest } = filters;
    return { filters: rest, page: deps.store.requests.list({ ...rest, limit: PAGE_SIZE }), notice: "That page link is not valid any more; showing the newest requests." };
  }
  return { filters, page, notice };
}

function calcView(spendParam: string | undefined, projected: number, plans: ReturnType<typeof planTable>): CalcView {
  if (spendParam !== undefined && spendParam.trim() !== "") {
    try {
      return { spendText: spendParam, source: "asked", error: null, result: estimate(parseSpend(spendParam), plans), plans };
    } catch (err) {
      return { spendText: spendParam, source: "asked", error: (err as Error).message, result: null, plans };
    }
  }
  if (projected > 0) {
    // Projected from this month's traffic: round up to a whole hundred for a readable figure.
    const spend = Math.max(100, Math.ceil(projected / 100) * 100);
    return { spendText: String(spend), source: "projected", error: null, result: estimate(spend, plans), plans };
  }
  return { spendText: "", source: null, error: null, result: null, plans };
}
