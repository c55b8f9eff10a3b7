// One ChatGPT account: its own CODEX_HOME volume, its own worker token and its own worker container,
// reachable only on the private network. Everything is keyed by the account name, so adding an
// account creates only its resources and leaves the others as they are.

import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import {
  HEALTHCHECK_SCRIPT,
  WORKER_CODEX_HOME,
  WORKER_NOFILE,
  WORKER_PIDS_LIMIT,
  WORKER_PORT,
  workerAlias,
  workerContainerName,
  workerTokenEnv,
} from "../contracts";
import { hardened, pidsLimit } from "./hardening";
import type { Connection } from "./host";
import { containerLogs } from "./logging";

export interface CodexAccountArgs {
  account: string;
  image: pulumi.Input<string>;
  network: pulumi.Input<string>;
  memoryMb: number;
  /** The worker's command with its turn limits (gateway-config.ts workerCommand); null keeps the image's CMD. */
  command: string[] | null;
  provider: docker.Provider;
  connection: pulumi.Input<Connection>;
}

// The image's own probe (scripts/containers/healthcheck.cjs). The worker answers /health whether or
// not the account is signed in; the script reads the token from the environment, so it never appears
// in the container's config.
const HEALTH_CHECK = [
  "CMD", "node", HEALTHCHECK_SCRIPT, "--path", "/health", "--port", String(WORKER_PORT), "--token-env", "CODEX_LANES_WORKER_TOKEN",
];

export class CodexAccount extends pulumi.ComponentResource {
  readonly account: string;
  /** Name of the gateway's environment variable that carries this worker's token. */
  readonly tokenEnv: string;
  /** Secret. */
  readonly token: pulumi.Output<string>;
  readonly home: docker.Volume;
  readonly worker: docker.Container;

  constructor(name: string, args: CodexAccountArgs, opts?: pulumi.ComponentResourceOptions) {
    super("codex-lanes:index:CodexAccount", name, {}, opts);
    const children = { parent: this, provider: args.provider };
    this.account = args.account;
    this.tokenEnv = workerTokenEnv(args.account);

    const token = new random.RandomPassword(`${name}-token`, { length: 48, special: false }, { parent: this });
    this.token = pulumi.secret(token.result);

    // The account's sign-in (auth.json with rotating refresh tokens): kept when the stack is
    // destroyed, and never mounted anywhere else.
    this.home = new docker.Volume(
      `${name}-home`,
      { name: `codex-lanes-home-${args.account}`, labels: [{ label: "codex-lanes.account", value: args.account }] },
      { ...children, retainOnDelete: true },
    );

    this.worker = new docker.Container(
      `${name}-worker`,
      {
        name: workerContainerName(args.account),
        image: args.image,
        ...(args.command ? { command: args.command } : {}),
        restart: "unless-stopped",
        // No `init`: the image's entrypoint is tini already.
        ...hardened({ memoryMb: args.memoryMb }),
        ulimits: [{ name: "nofile", soft: WORKER_NOFILE, hard: WORKER_NOFILE }],
        envs: [pulumi.interpolate`CODEX_LANES_WORKER_TOKEN=${this.token}`, `CODEX_HOME=${WORKER_CODEX_HOME}`],
        volumes: [{ volumeName: this.home.name, containerPath: WORKER_CODEX_HOME }],
        networksAdvanced: [{ name: args.network, aliases: [workerAlias(args.account)] }],
        healthcheck: {
          tests: HEALTH_CHECK,
          interval: "30s",
          timeout: "5s",
          retries: 3,
          startPeriod: "20s",
        },
        labels: [{ label: "codex-lanes.account", value: args.account }],
        ...containerLogs,
      },
      // The container name is fixed, so the old one must go before its replacement starts.
      { ...children, deleteBeforeReplace: true },
    );
    pidsLimit(`${name}-pids`, { container: this.worker, limit: WORKER_PIDS_LIMIT, connection: args.connection }, { parent: this });

    this.registerOutputs({ account: args.account, tokenEnv: this.tokenEnv, worker: this.worker.name });
  }
}
