// Entry point of the main step (action.yml `runs.main`, bundled to action/dist/index.js).
import * as core from "@actions/core";
import { createRealIO } from "./real-io";
import { run } from "./run";

run(createRealIO()).catch((err: unknown) => core.setFailed(err instanceof Error ? err.message : String(err)));
