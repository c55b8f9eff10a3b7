// The post step (runs with `post-if: always()`): removes the run's temp directory, which holds
// each direct lane's CODEX_HOME and so possibly a ChatGPT sign-in. The main step removes it when it
// finishes; this catches a main step that was cancelled, timed out or killed.

import type { ActionIO } from "./io";
import { removeRunDir, STATE_RUN_DIR } from "./workdir";

export function runPost(io: ActionIO): void {
  const dir = io.getState(STATE_RUN_DIR);
  if (!dir) {
    io.info("codex-lanes: no temporary CODEX_HOME was created; nothing to clean up.");
    return;
  }
  try {
    if (removeRunDir(dir)) io.info(`codex-lanes: removed the temporary CODEX_HOME directory ${dir}.`);
    else io.info(`codex-lanes: the temporary CODEX_HOME directory ${dir} is already gone.`);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    io.setFailed(`Could not remove ${dir} (${why}). It may hold a ChatGPT sign-in: delete it by hand on a self-hosted runner.`);
  }
}
