import type { Store } from "./types";

/** Opens (creating if needed) `<dataDir>/gateway.db`, or an in-memory db for ":memory:", and migrates it. */
export function openStore(dataDir: string | ":memory:"): Store {
  void dataDir;
  throw new Error("openStore: not implemented yet");
}
