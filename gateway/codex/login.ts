// Sign-in state of one CODEX_HOME as seen from the file system. The sign-in itself goes through
// the app-server (`account/login/start` with `chatgptDeviceCode`): no password or token passes
// through codex-lanes, only the link and the one-time code Codex hands out for the user.

import { statSync } from "node:fs";
import path from "node:path";

/** When auth.json last changed (a sign-in or a token refresh), or null when the account is not signed in. */
export function authUpdatedAt(home: string): number | null {
  try {
    return statSync(path.join(home, "auth.json")).mtimeMs;
  } catch {
    return null;
  }
}
