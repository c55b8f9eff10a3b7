// The Hono environment shared by the app's middleware and routes.

import type { Config } from "../config/types";
import type { Dispatcher } from "../dispatch/dispatcher";
import type { Logger } from "../log";
import type { Store } from "../store";

export interface AppDeps {
  config: Config;
  store: Store;
  dispatcher: Dispatcher;
  log: Logger;
  version: string;
  now?: () => number;
}

export interface AppEnv {
  Variables: {
    requestId: string;
    receivedAt: number;
    /** The gateway key's name once authenticated. */
    keyName: string;
    log: Logger;
  };
}
