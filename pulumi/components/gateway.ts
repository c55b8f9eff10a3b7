// The gateway container (config generated from the stack, keys generated here) and Caddy in front
// of it with automatic HTTPS. Only Caddy publishes ports; the gateway is on the private network.

import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ACME_CA_ROOT_FILE, caddyfile } from "../caddyfile";
import {
  CADDY_CONTAINER,
  CADDY_MEMORY_MB,
  CADDY_PIDS_LIMIT,
  GATEWAY_MEMORY_MB,
  GATEWAY_PIDS_LIMIT,
  GATEWAY_CONFIG_PATH,
  GATEWAY_CONTAINER,
  GATEWAY_DATA_DIR,
  GATEWAY_PORT,
  HEALTHCHECK_SCRIPT,
} from "../contracts";
import { renderGatewayConfig, type GatewayConfigFile } from "../gateway-config";
import { hardened, pidsLimit } from "./hardening";
import type { Connection } from "./host";
import { containerLogs } from "./logging";

export interface WorkerCredential {
  tokenEnv: string;
  /** Secret. */
  token: pulumi.Output<string>;
}

export interface GatewayArgs {
  provider: docker.Provider;
  connection: pulumi.Input<Connection>;
  network: pulumi.Input<string>;
  /** Id of the gateway image built on the server. */
  image: pulumi.Input<string>;
  caddyImage: string;
  config: GatewayConfigFile;
  workers: WorkerCredential[];
  /** Secret; null when the stack has no OpenAI key (and so no API lane). */
  openaiApiKey: pulumi.Output<string> | null;
  /** Secret; the masterKey setting (restoring a backup), else generated once and protected. */
  masterKey: pulumi.Output<string> | null;
  /** The public host name Caddy serves and gets a certificate for. */
  host: pulumi.Input<string>;
  acmeEmail: string | null;
  acmeCa: string | null;
  acmeCaRoot: string | null;
}

// The image's own probe (scripts/containers/healthcheck.cjs); /healthz needs no key.
const HEALTH_CHECK = ["CMD", "node", HEALTHCHECK_SCRIPT, "--path", "/healthz", "--port", String(GATEWAY_PORT)];

export class Gateway extends pulumi.ComponentResource {
  readonly url: pulumi.Output<string>;
  /** Secret. */
  readonly adminKey: pulumi.Output<string>;
  /** Secret: decrypts the API keys stored in gateway.db. Back it up with the volume. */
  readonly masterKey: pulumi.Output<string>;
  readonly container: docker.Container;
  readonly caddy: docker.Container;

  constructor(name: string, args: GatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super("codex-lanes:index:Gateway", name, {}, opts);
    const children = { parent: this, provider: args.provider };

    const adminKey = new random.RandomPassword(`${name}-admin-key`, { length: 48, special: false }, { parent: this });
    this.adminKey = pulumi.secret(adminKey.result);
    // Encrypts secrets at rest in gateway.db: exactly 32 random bytes, base64. A new value would make
    // every stored secret unreadable, so it is protected: `pulumi up` refuses to replace it and
    // `pulumi destroy` stops until it is unprotected on purpose.
    const generated = new random.RandomBytes(`${name}-master-key`, { length: 32 }, { parent: this, protect: true });
    this.masterKey = pulumi.secret(args.masterKey ?? generated.base64);
    // gateway.db and the encrypted secrets: kept when the stack is destroyed.
    const data = new docker.Volume(`${name}-data`, { name: "codex-lanes-gateway-data" }, { ...children, retainOnDelete: true });

    const envs: pulumi.Input<string>[] = [
      `CODEX_LANES_CONFIG=${GATEWAY_CONFIG_PATH}`,
      pulumi.interpolate`CODEX_LANES_ADMIN_KEY=${this.adminKey}`,
      pulumi.interpolate`CODEX_LANES_MASTER_KEY=${this.masterKey}`,
      ...args.workers.map((w) => pulumi.interpolate`${w.tokenEnv}=${w.token}`),
      ...(args.openaiApiKey ? [pulumi.interpolate`OPENAI_API_KEY=${args.openaiApiKey}`] : []),
    ];

    this.container = new docker.Container(
      `${name}-container`,
      {
        name: GATEWAY_CONTAINER,
        image: args.image,
        restart: "unless-stopped",
        // No `init`: the image's entrypoint is tini already.
        ...hardened({ memoryMb: GATEWAY_MEMORY_MB }),
        envs,
        networksAdvanced: [{ name: args.network }],
        volumes: [{ volumeName: data.name, containerPath: GATEWAY_DATA_DIR }],
        uploads: [{ file: GATEWAY_CONFIG_PATH, content: renderGatewayConfig(args.config), permissions: "0644" }],
        healthcheck: { tests: HEALTH_CHECK, interval: "15s", timeout: "5s", retries: 3, startPeriod: "10s" },
        // `pulumi up` fails here if the gateway rejects its config or does not come up healthy.
        wait: true,
        waitTimeout: 120,
        ...containerLogs,
      },
      { ...children, deleteBeforeReplace: true },
    );
    pidsLimit(`${name}-pids`, { container: this.container, limit: GATEWAY_PIDS_LIMIT, connection: args.connection }, { parent: this });

    // Pinned by digest (images.ts): a new pin is a new name, which pulls it and replaces Caddy.
    const caddyImage = new docker.RemoteImage(`${name}-caddy-image`, { name: args.caddyImage, keepLocally: true }, children);
    // Certificates and ACME account: kept, so a rebuild never runs into Let's Encrypt rate limits.
    const caddyData = new docker.Volume(`${name}-caddy-data`, { name: "codex-lanes-caddy-data" }, { ...children, retainOnDelete: true });
    const caddyConfig = new docker.Volume(`${name}-caddy-config`, { name: "codex-lanes-caddy-config" }, children);

    this.caddy = new docker.Container(
      `${name}-caddy`,
      {
        name: CADDY_CONTAINER,
        image: caddyImage.imageId,
        restart: "unless-stopped",
        ...hardened({ memoryMb: CADDY_MEMORY_MB, addCapabilities: ["NET_BIND_SERVICE"] }),
        ports: [
          { internal: 80, external: 80 },
          { internal: 443, external: 443 },
        ],
        networksAdvanced: [{ name: args.network }],
        volumes: [
          { volumeName: caddyData.name, containerPath: "/data" },
          { volumeName: caddyConfig.name, containerPath: "/config" },
        ],
        uploads: [
          {
            file: "/etc/caddy/Caddyfile",
            content: pulumi
              .output(args.host)
              .apply((host) => caddyfile({ host, acmeEmail: args.acmeEmail, acmeCa: args.acmeCa, acmeCaRoot: args.acmeCaRoot !== null })),
          },
          ...(args.acmeCaRoot ? [{ file: ACME_CA_ROOT_FILE, content: `${args.acmeCaRoot}\n` }] : []),
        ],
        ...containerLogs,
      },
      { ...children, deleteBeforeReplace: true },
    );
    pidsLimit(`${name}-caddy-pids`, { container: this.caddy, limit: CADDY_PIDS_LIMIT, connection: args.connection }, { parent: this });

    this.url = pulumi.interpolate`https://${args.host}`;
    this.registerOutputs({ url: this.url, adminKey: this.adminKey, masterKey: this.masterKey });
  }
}
