// Wires the components together: Host -> private network and worker image -> one CodexAccount per
// configured account -> Gateway (with Caddy). Returns the stack outputs.

import * as path from "node:path";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { publicHost } from "./caddyfile";
import { CodexAccount } from "./components/codex-account";
import { Gateway } from "./components/gateway";
import { Host } from "./components/host";
import { GATEWAY_TARGET, NETWORK_NAME, WORKER_TARGET } from "./contracts";
import { gatewayConfig, workerCommand } from "./gateway-config";
import { ServerImage, uploadContext } from "./images";
import type { Adopted } from "./preflight";
import type { Settings } from "./settings";
import { sourceHash, writeContextArchive } from "./source-hash";

export interface DeploySecrets {
  sshPrivateKey: pulumi.Output<string>;
  /** Present exactly when settings.openaiLane is true. */
  openaiApiKey: pulumi.Output<string> | null;
  /** Present exactly when settings.masterKeyGiven is true. */
  masterKey: pulumi.Output<string> | null;
}

export interface DeployOptions {
  stack: string;
  /** This stack's local directory: SSH key, known_hosts, build context (see ssh-key-file.ts). */
  sshDir: string;
  /** What preflight found in the Hetzner project to use instead of creating it. */
  adopted: Adopted;
}

export interface Deployment {
  gatewayUrl: pulumi.Output<string>;
  adminKey: pulumi.Output<string>;
  /** Secret; back it up together with the data volume (README "Back up"). */
  masterKey: pulumi.Output<string>;
  /** Per account, the command that signs it in. */
  accounts: pulumi.Output<Record<string, string>>;
  serverIp: pulumi.Output<string>;
  /** The Hetzner volume holding every sign-in; give it as dataVolumeId to a new stack to adopt it. */
  dataVolumeId: pulumi.Output<number>;
}

export function loginCommand(account: string, gatewayUrl: string): string {
  return `codex-lanes login ${account} --gateway ${gatewayUrl}`;
}

export function deployCodexLanes(s: Settings, secrets: DeploySecrets, opts: DeployOptions): Deployment {
  const host = new Host("host", {
    sshPublicKey: s.sshPublicKey,
    existingSshKeyId: opts.adopted.sshKeyId,
    sshPrivateKey: secrets.sshPrivateKey,
    sshDir: opts.sshDir,
    serverType: s.serverType,
    location: s.location,
    adminCidrs: s.adminCidrs,
    volumeSizeGb: s.volumeSizeGb,
    existingVolume: opts.adopted.volume,
    labels: { app: "codex-lanes", stack: opts.stack },
  });
  const provider = host.docker;
  const connection = host.connection;
  const serverId = host.server.id;

  const network = new docker.Network("network", { name: NETWORK_NAME }, { provider, deleteBeforeReplace: true });
  const hash = sourceHash(s.repoDir);
  const archive = writeContextArchive(s.repoDir, path.join(opts.sshDir, "build-context.tgz"));
  const upload = uploadContext("image-context", { archive, sourceHash: hash, connection, serverId }, { dependsOn: [host.dockerReady] });
  const image = (name: string, repository: string, target: string, after: pulumi.Resource[] = []) =>
    new ServerImage(
      name,
      { repository, target, sourceHash: hash, baseImage: s.nodeImage, connection, upload, serverId },
      { dependsOn: after },
    );
  const workerImage = image("worker-image", "codex-lanes-worker", WORKER_TARGET);
  // One build at a time: they share the build stage's cache, and a 4 GB server has no memory for two.
  const gatewayImage = image("gateway-image", "codex-lanes-gateway", GATEWAY_TARGET, [workerImage.build]);

  const command = workerCommand(s.gateway.limits);
  const accounts = s.accounts.map(
    (a) =>
      new CodexAccount(`account-${a.name}`, {
        account: a.name,
        image: workerImage.imageId,
        network: network.name,
        memoryMb: s.workerMemoryMb,
        command,
        provider,
        connection,
      }),
  );

  const gateway = new Gateway("gateway", {
    provider,
    connection,
    network: network.name,
    image: gatewayImage.imageId,
    caddyImage: s.caddyImage,
    config: gatewayConfig(s.accounts, { openaiLane: secrets.openaiApiKey !== null, settings: s.gateway }),
    workers: accounts.map((a) => ({ tokenEnv: a.tokenEnv, token: a.token })),
    openaiApiKey: secrets.openaiApiKey,
    masterKey: secrets.masterKey,
    host: host.ipv4.apply((ip) => publicHost(s.domain, ip)),
    acmeEmail: s.acmeEmail,
    acmeCa: s.acmeCa,
    acmeCaRoot: s.acmeCaRoot,
  });

  return {
    gatewayUrl: gateway.url,
    adminKey: gateway.adminKey,
    masterKey: gateway.masterKey,
    accounts: gateway.url.apply((url) => Object.fromEntries(s.accounts.map((a) => [a.name, loginCommand(a.name, url)]))),
    serverIp: host.ipv4,
    dataVolumeId: host.dataVolumeId,
  };
}
