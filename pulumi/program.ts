// Wires the components together: Host -> private network and worker image -> one CodexAccount per
// configured account -> Gateway (with Caddy). Returns the stack outputs.

import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { publicHost } from "./caddyfile";
import { CodexAccount } from "./components/codexAccount";
import { Gateway } from "./components/gateway";
import { Host } from "./components/host";
import { NETWORK_NAME, WORKER_DOCKERFILE } from "./contracts";
import { gatewayConfig } from "./gatewayConfig";
import { buildImage } from "./images";
import type { Settings } from "./settings";
import { sourceHash } from "./sourceHash";

export interface DeploySecrets {
  sshPrivateKey: pulumi.Output<string>;
  /** Present exactly when settings.openaiLane is true. */
  openaiApiKey: pulumi.Output<string> | null;
}

export interface DeployOptions {
  stack: string;
  /** Where the SSH private key is written for the Docker provider (see sshKeyFile.ts). */
  sshKeyFile: string;
}

export interface Deployment {
  gatewayUrl: pulumi.Output<string>;
  adminKey: pulumi.Output<string>;
  /** Per account, the command that signs it in. */
  accounts: pulumi.Output<Record<string, string>>;
  serverIp: pulumi.Output<string>;
}

export function loginCommand(account: string, gatewayUrl: string): string {
  return `codex-lanes login ${account} --gateway ${gatewayUrl}`;
}

export function deployCodexLanes(s: Settings, secrets: DeploySecrets, opts: DeployOptions): Deployment {
  const host = new Host("host", {
    sshPublicKey: s.sshPublicKey,
    sshPrivateKey: secrets.sshPrivateKey,
    sshKeyFile: opts.sshKeyFile,
    serverType: s.serverType,
    location: s.location,
    adminCidrs: s.adminCidrs,
    volumeSizeGb: s.volumeSizeGb,
    labels: { app: "codex-lanes", stack: opts.stack },
  });
  const provider = host.docker;

  const network = new docker.Network("network", { name: NETWORK_NAME }, { provider, deleteBeforeReplace: true });
  const hash = sourceHash(s.repoDir);
  const workerImage = buildImage(
    "worker-image",
    { repository: "codex-lanes-worker", repoDir: s.repoDir, dockerfile: WORKER_DOCKERFILE, sourceHash: hash },
    { provider },
  );

  const accounts = s.accounts.map(
    (a) =>
      new CodexAccount(`account-${a.name}`, {
        account: a.name,
        image: workerImage.imageId,
        network: network.name,
        memoryMb: s.workerMemoryMb,
        provider,
      }),
  );

  const gateway = new Gateway("gateway", {
    provider,
    network: network.name,
    repoDir: s.repoDir,
    sourceHash: hash,
    config: gatewayConfig(s.accounts, { openaiLane: secrets.openaiApiKey !== null }),
    workers: accounts.map((a) => ({ tokenEnv: a.tokenEnv, token: a.token })),
    openaiApiKey: secrets.openaiApiKey,
    host: host.ipv4.apply((ip) => publicHost(s.domain, ip)),
    acmeEmail: s.acmeEmail,
  });

  return {
    gatewayUrl: gateway.url,
    adminKey: gateway.adminKey,
    accounts: gateway.url.apply((url) => Object.fromEntries(s.accounts.map((a) => [a.name, loginCommand(a.name, url)]))),
    serverIp: host.ipv4,
  };
}
