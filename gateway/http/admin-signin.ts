// Admin routes that sign a codex lane in or out through the gateway, so a user on a laptop signs an
// account in the server's worker without copying any credential: the device-code link and code
// are all that travel. Behind adminAuth, like every /admin route.

import { Hono } from "hono";
import type { Dispatcher } from "../dispatch/dispatcher";
import type { LaneAdapter } from "../chat/lane-adapter";
import type { AppEnv } from "./context";
import { LaneRouteError, SignInError } from "./errors";

export function signInRoutes(adapters: ReadonlyMap<string, LaneAdapter>, dispatcher: Dispatcher): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();

  const codexLane = (name: string): Required<Pick<LaneAdapter, "login" | "loginStatus" | "logout">> & LaneAdapter => {
    const lane = adapters.get(name);
    if (!lane) throw new LaneRouteError(`There is no lane named "${name}". GET /admin/lanes lists them.`, 404, "lane_not_found");
    if (!lane.login || !lane.loginStatus || !lane.logout) {
      throw new LaneRouteError(`Lane "${name}" is not a ChatGPT lane; only codex lanes sign in.`, 400, "not_a_codex_lane");
    }
    return lane as Required<Pick<LaneAdapter, "login" | "loginStatus" | "logout">> & LaneAdapter;
  };

  routes.post("/lanes/:name/login", async (c) => {
    const lane = codexLane(c.req.param("name"));
    try {
      return c.json({ lane: lane.name, ...(await lane.login()) });
    } catch (err) {
      throw new SignInError(`Lane "${lane.name}": the sign-in could not start: ${(err as Error).message}`);
    }
  });

  routes.get("/lanes/:name/login", async (c) => {
    const lane = codexLane(c.req.param("name"));
    const state = await lane.loginStatus().catch((err: Error) => {
      throw new SignInError(`Lane "${lane.name}": ${err.message}`);
    });
    // A finished sign-in brings a needs-login lane back at once, not at the next status poll.
    if (state.state === "succeeded") await dispatcher.refresh();
    return c.json({ lane: lane.name, ...state });
  });

  routes.post("/lanes/:name/logout", async (c) => {
    const lane = codexLane(c.req.param("name"));
    try {
      await lane.logout();
    } catch (err) {
      throw new SignInError(`Lane "${lane.name}": the sign-out failed: ${(err as Error).message}`);
    }
    await dispatcher.refresh();
    return c.json({ lane: lane.name, signedOut: true });
  });

  return routes;
}
