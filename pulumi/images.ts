// Images are built by the server's own Docker daemon from this checkout (the provider streams the
// build context over SSH), so no registry is involved.

import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

export interface LocalImageArgs {
  /** Image name without tag, e.g. codex-lanes-gateway. */
  repository: string;
  repoDir: string;
  /** Relative to repoDir, which is the build context. */
  dockerfile: string;
  sourceHash: string;
}

export function buildImage(name: string, args: LocalImageArgs, opts: pulumi.CustomResourceOptions): docker.RemoteImage {
  return new docker.RemoteImage(
    name,
    {
      // The tag changes with the sources, so containers using the image are replaced on a change.
      name: `${args.repository}:${args.sourceHash.slice(0, 12)}`,
      build: { context: args.repoDir, dockerfile: args.dockerfile },
      triggers: { sources: args.sourceHash },
      // Containers still running an older tag must not lose their image during an update.
      keepLocally: true,
    },
    opts,
  );
}
