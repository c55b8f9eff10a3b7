// What every container runs with: no Linux capabilities (Caddy gets back only the one to bind 80 and
// 443), no privilege gain through setuid binaries, a memory limit, and a process limit.
//
// The Docker provider (5.2.0) has no pids-limit argument, so the limit is set with `docker update`
// over SSH right after the container is created (and again whenever it is replaced); Docker keeps it
// across restarts.

import * as command from "@pulumi/command";
import type * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { Connection } from "./host";

export function hardened(opts: { memoryMb: number; addCapabilities?: string[] }) {
  return {
    memory: opts.memoryMb,
    // Equal to memory: no swap on top of the limit, so a runaway container is stopped, not the host slowed.
    memorySwap: opts.memoryMb,
    capabilities: { drops: ["ALL"], ...(opts.addCapabilities ? { adds: opts.addCapabilities } : {}) },
    securityOpts: ["no-new-privileges:true"],
  };
}

export function pidsLimit(
  name: string,
  args: { container: docker.Container; limit: number; connection: pulumi.Input<Connection> },
  opts: pulumi.CustomResourceOptions,
): command.remote.Command {
  return new command.remote.Command(
    name,
    {
      connection: args.connection,
      create: pulumi.interpolate`docker update --pids-limit ${args.limit} ${args.container.name} >/dev/null`,
      triggers: [args.container.id, args.limit],
    },
    opts,
  );
}
