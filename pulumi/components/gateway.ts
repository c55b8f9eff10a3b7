// The gateway container (config generated from the stack, keys generated here) and Caddy in front
// of it with automatic HTTPS. Only Caddy publishes ports; the gateway is on the private network.

import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { caddyfile } from "../caddyfile";
import {
  CADDY_CONTAINER,
  GATEWAY_CONFIG_PATH,
  GATEWAY_CONTAINER,
  GATEWAY_DATA_DIR,
  GATEWAY_DOCKERFILE,
  GATEWAY_PORT,
  HEALTHCHECK_SCRIPT,
} from "../contracts";
import { renderGatewayConfig, type GatewayConfigFile } from "../gatewayConfig";
import { buildImage } from "../images";
import { containerLogs } from "./logging";

export const CADDY_IMAGE = "caddy:2";

export interface WorkerCredential {
  tokenEnv: string;
  /** Secret. */
  token: pulumi.Output<string>;
}

export interface GatewayArgs {
  provider: docker.Provider;
  network: pulumi.Input<string>;
  repoDir: string;
  sourceHash: string;
  config: GatewayConfigFile;
  workers: WorkerCredential[];
  /** Secret; null when the stack has no OpenAI key (and so no API lane). */
  openaiApiKey: pulumi.Output<string> | null;
  /** The public host name Caddy serves and gets a certificate for. */
  host: pulumi.Input<string>;
  acmeEmail: string | null;
}

// The image's own probe (scripts/containers/healthcheck.cjs); /healthz needs no key.
const HEALTH_CHECK = ["CMD", "node", HEALTHCHECK_SCRIPT, "--path", "/healthz", "--port", String(GATEWAY_PORT)];

export class Gateway extends pulumi.ComponentResource {
  readonly url: pulumi.Output<string>;
  /** Secret. */
  readonly adminKey: pulumi.Output<string>;
  readonly container: docker.Container;
  readonly caddy: docker.Container;

  constructor(name: string, args: GatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super("codex-lanes:index:Gateway", name, {}, opts);
    const children = { parent: this, provider: args.provider };

    const adminKey = new random.RandomPassword(`${name}-admin-key`, { length: 48, special: false }, { parent: this });
    this.adminKey = pulumi.secret(adminKey.result);
    // Encrypts secrets at rest in gateway.db: exactly 32 random bytes, base64.
    const masterKey = new random.RandomBytes(`${name}-master-key`, { length: 32 }, { parent: this });

    const image = buildImage(
      `${name}-image`,
      { repository: "codex-lanes-gateway", repoDir: args.repoDir, dockerfile: GATEWAY_DOCKERFILE, sourceHash: args.sourceHash },
      children,
    );
    // gateway.db and the encrypted secrets: kept when the stack is destroyed.
    const data = new docker.Volume(`${name}-data`, { name: "codex-lanes-gateway-data" }, { ...children, retainOnDelete: true });

    const envs: pulumi.Input<string>[] = [
      `CODEX_LANES_CONFIG=${GATEWAY_CONFIG_PATH}`,
      pulumi.interpolate`CODEX_LANES_ADMIN_KEY=${this.adminKey}`,
      pulumi.interpolate`CODEX_LANES_MASTER_KEY=${pulumi.secret(masterKey.base64)}`,
      ...args.workers.map((w) => pulumi.interpolate`${w.tokenEnv}=${w.token}`),
      ...(args.openaiApiKey ? [pulumi.interpolate`OPENAI_API_KEY=${args.openaiApiKey}`] : []),
    ];

    this.container = new docker.Container(
      `${name}-container`,
      {
        name: GATEWAY_CONTAINER,
        image: image.imageId,
        restart: "unless-stopped",
        init: true,
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

    const caddyImage = new docker.RemoteImage(`${name}-caddy-image`, { name: CADDY_IMAGE, keepLocally: true }, children);
    // Certificates and ACME account: kept, so a rebuild never runs into Let's Encrypt rate limits.
    const caddyData = new docker.Volume(`${name}-caddy-data`, { name: "codex-lanes-caddy-data" }, { ...children, retainOnDelete: true });
    const caddyConfig = new docker.Volume(`${name}-caddy-config`, { name: "codex-lanes-caddy-config" }, children);

    this.caddy = new docker.Container(
      `${name}-caddy`,
      {
        name: CADDY_CONTAINER,
        image: caddyImage.imageId,
        restart: "unless-stopped",
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
            content: pulumi.output(args.host).apply((host) => caddyfile({ host, acmeEmail: args.acmeEmail })),
          },
        ],
        ...containerLogs,
      },
      { ...children, deleteBeforeReplace: true },
    );

    this.url = pulumi.interpolate`https://${args.host}`;
    this.registerOutputs({ url: this.url, adminKey: this.adminKey });
  }
}
