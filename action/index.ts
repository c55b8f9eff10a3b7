// The one entry point of both steps: action.yml's `runs.main` and `runs.post` both run
// action/dist/index.js. The runner hands the post step the state the main step saved, so the main
// step's first act is to save a marker, and a run that finds the marker is the post step (the way
// actions/checkout tells its phases apart; the runner sets no variable for it).
import * as core from "@actions/core";
import { runPost } from "./post-run";
import { createRealIO } from "./real-io";
import { run } from "./run";

const STATE_IS_POST = "is-post";

async function entry(): Promise<void> {
  if (core.getState(STATE_IS_POST)) return runPost(createRealIO());
  core.saveState(STATE_IS_POST, "true");
  await run(createRealIO());
}

entry().catch((err: unknown) => core.setFailed(err instanceof Error ? err.message : String(err)));
