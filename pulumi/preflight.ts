// Checks of the stack config against the Hetzner project, before anything is created. Hetzner
// itself would refuse these minutes into `pulumi up` (a server type not sold in the location, an SSH
// key uploaded twice) or accept them with a surprise (a retained volume in another location).
// Pure: the program reads the facts with the provider's data sources and hands them in.

import type { Settings } from "./settings";

export interface ServerTypeFact {
  name: string;
  architecture: string;
  locations: Array<{ name: string; available: boolean; isDeprecated: boolean }>;
}

export interface SshKeyFact {
  id: number;
  name: string;
  publicKey: string;
  labels: Record<string, string>;
}

export interface VolumeFact {
  id: number;
  name: string;
  location?: string;
  serverId?: number;
  linuxDevice: string;
}

export interface HetznerFacts {
  serverTypes: ServerTypeFact[];
  sshKeys: SshKeyFact[];
  volumes: VolumeFact[];
}

/** What the program uses from the facts once they pass. */
export interface Adopted {
  /** Hetzner id of the SSH key named by sshKeyName. */
  sshKeyId: number | null;
  volume: VolumeFact | null;
}

/** "ssh-ed25519 AAAA... comment" -> "ssh-ed25519 AAAA...": Hetzner compares keys without the comment. */
function keyBody(publicKey: string): string {
  return publicKey.trim().split(/\s+/).slice(0, 2).join(" ");
}

function serverTypeProblems(s: Settings, types: ServerTypeFact[], add: (key: string, msg: string) => void): void {
  const type = types.find((t) => t.name === s.serverType);
  if (!type) {
    const sample = types.filter((t) => !t.name.startsWith("ccx")).map((t) => t.name).slice(0, 8).join(", ");
    add("serverType", `"${s.serverType}" is not a Hetzner server type; for example ${sample}`);
    return;
  }
  const here = type.locations.find((l) => l.name === s.location);
  if (!here || !here.available || here.isDeprecated) {
    const where = type.locations.filter((l) => l.available && !l.isDeprecated).map((l) => l.name);
    const alternatives = types
      .filter((t) => t.architecture === type.architecture && t.locations.some((l) => l.name === s.location && l.available && !l.isDeprecated))
      .map((t) => t.name)
      .slice(0, 4);
    const why = here ? "is not available" : "is not sold";
    add(
      "location",
      `server type ${s.serverType} ${why} in ${s.location} (it is in ${where.join(", ") || "no location"}); ` +
        `pick one of those locations, or a server type offered in ${s.location}${alternatives.length ? ` (${alternatives.join(", ")})` : ""} with pulumi config set serverType`,
    );
  }
}

function sshKeyProblems(s: Settings, keys: SshKeyFact[], stack: string, add: (key: string, msg: string) => void): number | null {
  if (s.sshKeyName !== null) {
    const key = keys.find((k) => k.name === s.sshKeyName);
    if (!key) {
      const names = keys.map((k) => `"${k.name}"`).join(", ");
      add("sshKeyName", `no SSH key named "${s.sshKeyName}" in this Hetzner project (${names ? `it has ${names}` : "it has none"}); set the exact name, or unset it and set sshPublicKey`);
      return null;
    }
    return key.id;
  }
  // The key this stack created on an earlier run is fine; anyone else's copy makes Hetzner refuse ours.
  const mine = (k: SshKeyFact) => k.labels.app === "codex-lanes" && k.labels.stack === stack;
  const twin = keys.find((k) => keyBody(k.publicKey) === keyBody(s.sshPublicKey) && !mine(k));
  if (twin) {
    add(
      "sshPublicKey",
      `this public key is already in your Hetzner project as "${twin.name}", and Hetzner refuses to store it twice; use it: pulumi config set sshKeyName "${twin.name}"`,
    );
  }
  return null;
}

function volumeProblems(s: Settings, volumes: VolumeFact[], add: (key: string, msg: string) => void): VolumeFact | null {
  if (s.dataVolumeId === null) return null;
  const v = volumes.find((x) => x.id === s.dataVolumeId);
  if (!v) {
    add("dataVolumeId", `no volume ${s.dataVolumeId} in this Hetzner project; list them with hcloud volume list`);
    return null;
  }
  if (v.location !== undefined && v.location !== s.location) {
    add("dataVolumeId", `volume ${v.id} ("${v.name}") is in ${v.location}, but location is ${s.location}; a server can only mount volumes of its own location: pulumi config set location ${v.location}`);
  }
  if (v.serverId) {
    add("dataVolumeId", `volume ${v.id} ("${v.name}") is attached to server ${v.serverId}; detach it first (hcloud volume detach ${v.id}), or destroy the stack that uses it`);
  }
  return v;
}

/** Problems as "key: message" pairs (the caller prefixes the project), and what to adopt. */
export function preflight(s: Settings, facts: HetznerFacts, stack: string): { problems: Array<[string, string]>; adopted: Adopted } {
  const problems: Array<[string, string]> = [];
  const add = (key: string, msg: string) => problems.push([key, msg]);
  serverTypeProblems(s, facts.serverTypes, add);
  const sshKeyId = sshKeyProblems(s, facts.sshKeys, stack, add);
  const volume = volumeProblems(s, facts.volumes, add);
  return { problems, adopted: { sshKeyId, volume } };
}
