// The Hetzner side: SSH key, firewall, a primary IPv4 that outlives the server, the server, the data
// volume that holds every Docker volume, a wait for Docker, and a Docker provider over SSH.

import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as hcloud from "@pulumi/hcloud";
import * as pulumi from "@pulumi/pulumi";
import { cloudInit, WAIT_FOR_DOCKER } from "../cloudInit";
import { firewallRules } from "../firewall";
import { writeSshKeyFile } from "../sshKeyFile";

export const SERVER_IMAGE = "docker-ce";

export interface HostArgs {
  sshPublicKey: string;
  /** Secret. Used by the wait command directly and, via a 0600 file, by the Docker provider. */
  sshPrivateKey: pulumi.Output<string>;
  /** Where the key file for the Docker provider is written. */
  sshKeyFile: string;
  serverType: string;
  location: string;
  adminCidrs: string[];
  volumeSizeGb: number;
  labels: Record<string, string>;
}

export class Host extends pulumi.ComponentResource {
  readonly ipv4: pulumi.Output<string>;
  readonly server: hcloud.Server;
  readonly dataVolume: hcloud.Volume;
  readonly dockerReady: command.remote.Command;
  readonly docker: docker.Provider;

  constructor(name: string, args: HostArgs, opts?: pulumi.ComponentResourceOptions) {
    super("codex-lanes:index:Host", name, {}, opts);
    const parent = { parent: this };
    const labels = args.labels;

    const sshKey = new hcloud.SshKey(`${name}-ssh-key`, { publicKey: args.sshPublicKey, labels }, parent);
    const firewall = new hcloud.Firewall(`${name}-firewall`, { rules: firewallRules(args.adminCidrs), labels }, parent);
    // A primary IP that is not deleted with the server keeps the address, the nip.io name and the
    // certificate stable across a server replacement.
    const ip = new hcloud.PrimaryIp(
      `${name}-ip`,
      { type: "ipv4", location: args.location, assigneeType: "server", autoDelete: false, labels },
      parent,
    );
    this.ipv4 = ip.ipAddress;

    // Holds account sign-ins and the request log: kept when the stack is destroyed.
    this.dataVolume = new hcloud.Volume(
      `${name}-data`,
      { size: args.volumeSizeGb, location: args.location, format: "ext4", deleteProtection: true, labels },
      { ...parent, retainOnDelete: true },
    );

    this.server = new hcloud.Server(
      `${name}-server`,
      {
        serverType: args.serverType,
        image: SERVER_IMAGE,
        location: args.location,
        sshKeys: [sshKey.id],
        firewallIds: [firewall.id.apply(Number)],
        publicNets: [{ ipv4Enabled: true, ipv4: ip.id.apply(Number), ipv6Enabled: true }],
        userData: this.dataVolume.linuxDevice.apply((device) => cloudInit({ device })),
        shutdownBeforeDeletion: true,
        labels,
      },
      {
        ...parent,
        // Both are ForceNew: a change would silently replace the server that holds the signed-in
        // accounts. Replacing it is a deliberate step instead (pulumi/README.md).
        ignoreChanges: ["userData", "sshKeys"],
        // The primary IP can only be assigned to one server at a time.
        deleteBeforeReplace: true,
      },
    );

    const attachment = new hcloud.VolumeAttachment(
      `${name}-data-attachment`,
      { volumeId: this.dataVolume.id.apply(Number), serverId: this.server.id.apply(Number), automount: false },
      parent,
    );

    this.dockerReady = new command.remote.Command(
      `${name}-wait-docker`,
      {
        connection: {
          host: this.ipv4,
          user: "root",
          privateKey: args.sshPrivateKey,
          dialErrorLimit: 60,
          perDialTimeout: 10,
        },
        create: WAIT_FOR_DOCKER,
        triggers: [this.server.id, attachment.id],
      },
      { ...parent, dependsOn: [attachment] },
    );

    // The key file is written when the secret resolves; sshOpts depends on that write, so the
    // provider never connects before the file exists. The path itself is not secret.
    const keyFile = pulumi.unsecret(args.sshPrivateKey.apply((key) => writeSshKeyFile(args.sshKeyFile, key)));
    this.docker = new docker.Provider(
      `${name}-docker`,
      {
        host: pulumi.interpolate`ssh://root@${this.ipv4}`,
        sshOpts: keyFile.apply((file) => [
          "-i", file,
          "-o", "IdentitiesOnly=yes",
          // Host keys change whenever the server is replaced behind the same IP.
          "-o", "StrictHostKeyChecking=no",
          "-o", "UserKnownHostsFile=/dev/null",
          "-o", "ConnectTimeout=30",
        ]),
      },
      { ...parent, dependsOn: [this.dockerReady] },
    );

    this.registerOutputs({ ipv4: this.ipv4, serverId: this.server.id, dataVolumeId: this.dataVolume.id });
  }
}
