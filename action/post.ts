// Entry point of the post step (action.yml `runs.post`, bundled to action/dist/post.js).
import * as core from "@actions/core";
import { runPost } from "./post-run";
import { createRealIO } from "./real-io";

runPost(createRealIO()).catch((err: unknown) => core.setFailed(err instanceof Error ? err.message : String(err)));
