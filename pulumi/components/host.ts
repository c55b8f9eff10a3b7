// The Hetzner side: SSH key (created, or an existing one adopted), firewall, a primary IPv4 that
// outlives the server, the server with a host key generated here, the data volume (created, or a
// retained one adopted) that holds every Docker volume, a wait for Docker, and a Docker provider
// over SSH that checks the host key.

import * as path from "node:path";
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as hcloud from "@pulumi/hcloud";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { cloudInit, WAIT_FOR_DOCKER } from "../cloud-init";
import { firewallRules } from "../firewall";
import type { VolumeFact } from "../preflight";
import { KEY_FILE, KNOWN_HOSTS_FILE, writeKnownHosts, writeSshKeyFile } from "../ssh-key-file";

export const SERVER_IMAGE = "docker-ce";

export interface HostArgs {
  sshPublicKey: string;
  /** Hetzner id of an SSH key already in the project (sshKeyName); else one is created. */
  existingSshKeyId: number | null;
  /** Secret. Used by remote commands directly and, via a 0600 file, by the Docker provider. */
  sshPrivateKey: pulumi.Output<string>;
  /** Where the key and known_hosts files for the Docker provider are written (see ssh-key-file.ts). */
  sshDir: string;
  serverType: string;
  location: string;
  adminCidrs: string[];
  volumeSizeGb: number;
  /** A retained volume to use instead of creating one (dataVolumeId). */
  existingVolume: VolumeFact | null;
  labels: Record<string, string>;
}

export type Connection = command.types.input.remote.ConnectionArgs;

export class Host extends pulumi.ComponentResource {
  readonly ipv4: pulumi.Output<string>;
  readonly server: hcloud.Server;
  readonly dataVolumeId: pulumi.Output<number>;
  readonly dockerReady: command.remote.Command;
  readonly docker: docker.Provider;
  /** SSH as root to the server, checking its host key; secret. */
  readonly connection: pulumi.Output<Connection>;

  constructor(name: string, args: HostArgs, opts?: pulumi.ComponentResourceOptions) {
    super("codex-lanes:index:Host", name, {}, opts);
    const parent = { parent: this };
    const labels = args.labels;

    const sshKeyId =
      args.existingSshKeyId !== null
        ? pulumi.output(String(args.existingSshKeyId))
        : new hcloud.SshKey(`${name}-ssh-key`, { publicKey: args.sshPublicKey, labels }, parent).id;
    const firewall = new hcloud.Firewall(`${name}-firewall`, { rules: firewallRules(args.adminCidrs), labels }, parent);
    // A primary IP that is not deleted with the server keeps the address, the nip.io name and the
    // certificate stable across a server replacement.
    const ip = new hcloud.PrimaryIp(
      `${name}-ip`,
      { type: "ipv4", location: args.location, assigneeType: "server", autoDelete: false, labels },
      parent,
    );
    this.ipv4 = ip.ipAddress;

    // The server's SSH host key, made here and installed by cloud-init, so the very first connection
    // is already checked, and a replaced server behind the same IP keeps the same identity.
    const hostKey = new tls.PrivateKey(`${name}-host-key`, { algorithm: "ED25519" }, parent);
    const hostPublicKey = hostKey.publicKeyOpenssh.apply((k) => k.trim());

    const volume = this.dataVolume(name, args, parent);
    this.dataVolumeId = volume.id;

    this.server = new hcloud.Server(
      `${name}-server`,
      {
        serverType: args.serverType,
        image: SERVER_IMAGE,
        location: args.location,
        sshKeys: [sshKeyId],
        firewallIds: [firewall.id.apply(Number)],
        publicNets: [{ ipv4Enabled: true, ipv4: ip.id.apply(Number), ipv6Enabled: true }],
        // Secret: it carries the host's private key.
        userData: pulumi.secret(
          pulumi
            .all([volume.linuxDevice, hostKey.privateKeyOpenssh, hostPublicKey])
            .apply(([device, hostPrivate, hostPublic]) => cloudInit({ device, hostKey: { private: hostPrivate, public: hostPublic } })),
        ),
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
      { volumeId: volume.id, serverId: this.server.id.apply(Number), automount: false },
      parent,
    );

    this.connection = pulumi.secret(
      pulumi.all([this.ipv4, args.sshPrivateKey, hostPublicKey]).apply(([host, privateKey, hostKey]) => ({
        host,
        user: "root",
        privateKey,
        hostKey,
        dialErrorLimit: 60,
        perDialTimeout: 10,
      })),
    );

    this.dockerReady = new command.remote.Command(
      `${name}-wait-docker`,
      { connection: this.connection, create: WAIT_FOR_DOCKER, triggers: [this.server.id, attachment.id] },
      { ...parent, dependsOn: [attachment] },
    );

    // The files are written when the secrets resolve; sshOpts depends on those writes, so the
    // provider never connects before they exist. The paths themselves are not secret.
    const keyFile = pulumi.unsecret(args.sshPrivateKey.apply((key) => writeSshKeyFile(path.join(args.sshDir, KEY_FILE), key)));
    const knownHosts = pulumi
      .all([this.ipv4, hostPublicKey])
      .apply(([host, key]) => writeKnownHosts(path.join(args.sshDir, KNOWN_HOSTS_FILE), host, key));
    this.docker = new docker.Provider(
      `${name}-docker`,
      {
        host: pulumi.interpolate`ssh://root@${this.ipv4}`,
        sshOpts: pulumi.all([keyFile, knownHosts]).apply(([file, hosts]) => dockerSshOpts(file, hosts)),
      },
      { ...parent, dependsOn: [this.dockerReady] },
    );

    this.registerOutputs({ ipv4: this.ipv4, serverId: this.server.id, dataVolumeId: this.dataVolumeId });
  }

  /** Holds account sign-ins and the request log: kept when the stack is destroyed, or adopted. */
  private dataVolume(name: string, args: HostArgs, parent: pulumi.ResourceOptions): { id: pulumi.Output<number>; linuxDevice: pulumi.Output<string> } {
    if (args.existingVolume) {
      // Read, never owned: no later `pulumi destroy` of this stack can delete it.
      const v = hcloud.Volume.get(`${name}-data`, String(args.existingVolume.id), undefined, parent);
      return { id: v.id.apply(Number), linuxDevice: pulumi.output(args.existingVolume.linuxDevice) };
    }
    const v = new hcloud.Volume(
      `${name}-data`,
      { size: args.volumeSizeGb, location: args.location, format: "ext4", deleteProtection: true, labels: args.labels },
      { ...parent, retainOnDelete: true },
    );
    return { id: v.id.apply(Number), linuxDevice: v.linuxDevice };
  }
}

/** The Docker provider's ssh options: the key file, and the host key pinned in a known_hosts file. */
export function dockerSshOpts(keyFile: string, knownHostsFile: string): string[] {
  return [
    "-i", keyFile,
    "-o", "IdentitiesOnly=yes",
    "-o", "StrictHostKeyChecking=yes",
    "-o", `UserKnownHostsFile=${knownHostsFile}`,
    "-o", "ConnectTimeout=30",
  ];
}
