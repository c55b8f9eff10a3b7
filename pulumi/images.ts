// Images are built by the server's own Docker from this checkout: the program uploads the build
// context (source-hash.ts) over SSH and runs `docker build` on the server. No registry is involved.
//
// Why not the Docker provider's own builders: `docker.RemoteImage` with `build` (provider 5.2.0)
// builds on a remote host and then tries to pull the image it just built (pulumi/pulumi-docker
// #1293), and its builder does not support the containerd image store that Docker 29 uses on fresh
// installs. Running the server's `docker build` (BuildKit) works with either image store.

import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { Connection } from "./components/host";
import { DOCKERFILE } from "./contracts";

/**
 * Base of both images (their BASE_IMAGE and BUILD_IMAGE), pinned by digest: Node 24 LTS on Debian
 * bookworm (the digest of the multi-arch index; Hetzner's cx types are amd64, cax arm64).
 */
export const NODE_IMAGE = "node:24-bookworm-slim@sha256:6f7b03f7c2c8e2e784dcf9295400527b9b1270fd37b7e9a7285cf83b6951452d";
/** Caddy, pinned by digest (multi-arch index of 2.10.2). */
export const CADDY_IMAGE = "caddy:2.10.2@sha256:c3d7ee5d2b11f9dc54f947f68a734c84e9c9666c92c88a7f30b9cba5da182adb";

/** Where the context archive lands on the server (root's home always exists). */
export function remoteContextPath(sourceHash: string): string {
  return `/root/codex-lanes-context-${sourceHash.slice(0, 12)}.tgz`;
}

export interface BuildArgs {
  /** Image name without tag, e.g. codex-lanes-gateway. */
  repository: string;
  /** The Dockerfile's target (stage) to build. */
  target: string;
  sourceHash: string;
  baseImage: string;
  connection: pulumi.Input<Connection>;
}

/** Builds (unless that tag exists already) and prints the image id, which is the command's stdout. */
export function buildScript(a: { tag: string; target: string; context: string; baseImage: string }): string {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  return [
    "set -eu",
    `tag=${q(a.tag)}`,
    'if ! docker image inspect "$tag" >/dev/null 2>&1; then',
    '  dir="$(mktemp -d)"; log="/var/log/codex-lanes-build-$(echo "$tag" | tr :/ --).log"',
    "  trap 'rm -rf \"$dir\"' EXIT",
    `  tar -xzf ${q(a.context)} -C "$dir"`,
    `  if ! DOCKER_BUILDKIT=1 docker build --progress=plain -f "$dir/${DOCKERFILE}" --target ${q(a.target)} --build-arg BASE_IMAGE=${q(a.baseImage)} --build-arg BUILD_IMAGE=${q(a.baseImage)} -t "$tag" "$dir" >"$log" 2>&1; then`,
    '    tail -n 40 "$log" >&2; echo "codex-lanes: building $tag failed; full log: $log" >&2; exit 1',
    "  fi",
    "fi",
    "docker image inspect --format '{{.Id}}' \"$tag\"",
  ].join("\n");
}

export class ServerImage {
  /** `repository:<hash12>`; the tag changes with the sources, so containers are replaced on a change. */
  readonly tag: string;
  readonly build: command.remote.Command;
  /** The image id, known once it is built; containers use it so they depend on the build. */
  readonly imageId: pulumi.Output<string>;

  constructor(name: string, args: BuildArgs & { upload: command.remote.CopyToRemote; serverId: pulumi.Input<string> }, opts: pulumi.CustomResourceOptions) {
    this.tag = `${args.repository}:${args.sourceHash.slice(0, 12)}`;
    this.build = new command.remote.Command(
      name,
      {
        connection: args.connection,
        create: buildScript({ tag: this.tag, target: args.target, context: remoteContextPath(args.sourceHash), baseImage: args.baseImage }),
        // Old images stay: containers being replaced still use them (README: builder and image prune).
        triggers: [args.serverId, args.sourceHash, args.baseImage],
      },
      { ...opts, dependsOn: [args.upload, ...(opts.dependsOn ? ([] as pulumi.Input<pulumi.Resource>[]).concat(opts.dependsOn as pulumi.Input<pulumi.Resource>[]) : [])] },
    );
    this.imageId = this.build.stdout.apply((s) => s.trim());
  }
}

/** Uploads the build context archive (written locally by writeContextArchive) to the server. */
export function uploadContext(
  name: string,
  args: { archive: string; sourceHash: string; connection: pulumi.Input<Connection>; serverId: pulumi.Input<string> },
  opts: pulumi.CustomResourceOptions,
): command.remote.CopyToRemote {
  return new command.remote.CopyToRemote(
    name,
    {
      connection: args.connection,
      source: new pulumi.asset.FileAsset(args.archive),
      remotePath: remoteContextPath(args.sourceHash),
      triggers: [args.serverId, args.sourceHash],
    },
    opts,
  );
}
