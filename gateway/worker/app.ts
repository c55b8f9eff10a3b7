// The account worker's HTTP surface (worker protocol, DESIGN.md). One account, one token. Nothing
// from auth.json is ever returned: only what `account/read` reports (email, plan) and file times.

import type { HttpBindings } from "@hono/node-server";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import { Hono } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { HTTPException } from "hono/http-exception";
import type { LaneAdapter } from "../chat/lane-adapter";
import { drained } from "../async/drain";
import type { ChatRequest } from "../chat/types";

export interface WorkerDeps {
  lane: LaneAdapter;
  token: string;
}


function workerError(message: string, code: string) {
  return { error: { message, type: "worker_error", param: null, code } };
}

export function createWorkerApp({ lane, token }: WorkerDeps): Hono<{ Bindings: HttpBindings }> {
  const app = new Hono<{ Bindings: HttpBindings }>();

  // Hono compares hashes of the tokens, so the check takes the same time whatever the lengths.
  // Every way of failing it (no header, another scheme, a wrong token) is the same 401.
  const refuse = () => Response.json(workerError("missing or wrong worker token", "unauthorized"), { status: 401 });
  app.use("*", bearerAuth({ token, noAuthenticationHeader: { message: refuse }, invalidAuthenticationHeader: { message: refuse }, invalidToken: { message: refuse } }));

  app.post("/turn", async (c) => {
    let req: ChatRequest;
    try {
      req = await c.req.json<ChatRequest>();
    } catch {
      return c.json(workerError("the turn body is not JSON", "bad_request"), 400);
    }
    if (!req || typeof req.model !== "string" || !Array.isArray(req.messages)) {
      return c.json(workerError("the turn body is not a chat request", "bad_request"), 400);
    }
    return streamTurn(c.env.outgoing, lane, req, c.req.raw.signal);
  });

  app.get("/health", async (c) => {
    const s = await lane.status();
    return c.json({ signedIn: s.signedIn, email: s.email, plan: s.plan, engine: s.engine, cliVersion: s.cliVersion, rateLimits: s.rateLimits, authUpdatedAt: s.authUpdatedAt, error: s.error, codexAdds: s.codexAdds });
  });

  app.get("/models", async (c) => c.json({ models: await lane.models() }));

  app.post("/login", async (c) => {
    try {
      return c.json(await lane.login!());
    } catch (err) {
      return c.json(workerError(`device sign-in could not start: ${(err as Error).message}`, "login_failed"), 502);
    }
  });

  app.get("/login", async (c) => c.json(await lane.loginStatus!()));

  app.post("/logout", async (c) => {
    try {
      await lane.logout!();
      return c.json({ ok: true });
    } catch (err) {
      return c.json(workerError(`sign-out failed: ${(err as Error).message}`, "logout_failed"), 502);
    }
  });

  app.notFound((c) => c.json(workerError(`no route ${c.req.method} ${c.req.path}`, "not_found"), 404));
  app.onError((err, c) => {
    if (err instanceof HTTPException) return err.getResponse();
    console.error(JSON.stringify({ level: "error", msg: "worker route failed", error: err.message }));
    return c.json(workerError("internal worker error", "internal_error"), 500);
  });
  return app;
}

/**
 * The turn's events as NDJSON, one line each as the lane gives it, written straight to Node's
 * response (@hono/node-server's direct response) rather than through a web ReadableStream that
 * @hono/node-server would read back. A full socket buffer is waited out; a gateway that hangs up
 * stops the turn.
 */
function streamTurn(out: HttpBindings["outgoing"], lane: LaneAdapter, req: ChatRequest, requestSignal: AbortSignal): Response {
  const left = new AbortController();
  const onClose = () => left.abort();
  out.once("close", onClose);
  const events = lane.turn(req, { signal: AbortSignal.any([requestSignal, left.signal]) });
  out.writeHead(200, { "content-type": "application/x-ndjson", "cache-control": "no-store" });
  const pump = async () => {
    try {
      for await (const ev of events) {
        if (out.destroyed) break;
        if (!out.write(JSON.stringify(ev) + "\n")) await drained(out);
      }
    } finally {
      out.off("close", onClose);
      if (!out.destroyed) out.end();
    }
  };
  pump().catch(() => out.destroy());
  return RESPONSE_ALREADY_SENT;
}
