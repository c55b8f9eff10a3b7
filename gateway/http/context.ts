// The Hono environment shared by the app's middleware and routes.

import type { HttpBindings } from "@hono/node-server";
import type { Config } from "../config/types";
import type { Dispatcher } from "../dispatch/dispatcher";
import type { Logger } from "../log";
import type { RequestMetrics } from "../metrics/collector";
import type { Store } from "../store";
import type { LaneAdapter } from "../chat/lane-adapter";

export interface AppDeps {
  config: Config;
  store: Store;
  dispatcher: Dispatcher;
  log: Logger;
  version: string;
  now?: () => number;
  /** The lanes' adapters, for sign-in through the gateway (/admin/lanes/:name/login). */
  adapters?: ReadonlyMap<string, LaneAdapter>;
  /** Request counters for GET /metrics, fed by the dispatcher's onRow (empty when absent). */
  metrics?: RequestMetrics;
}

export interface AppEnv {
  /** The Node request and response under the web ones (streams are written to `outgoing` directly). */
  Bindings: HttpBindings;
  Variables: {
    requestId: string;
    receivedAt: number;
    /** The gateway key's name once authenticated. */
    keyName: string;
    log: Logger;
  };
}
