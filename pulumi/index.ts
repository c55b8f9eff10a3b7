// Entry point (Pulumi.yaml `main`). Validates the whole stack config first, then checks it against
// the Hetzner project (server type in location, SSH key, a retained volume to adopt), so a bad value
// stops `pulumi up` before anything is created; then deploys. The returned object is the stack outputs.

import * as path from "node:path";
import * as hcloud from "@pulumi/hcloud";
import * as pulumi from "@pulumi/pulumi";
import { preflight, type HetznerFacts } from "./preflight";
import { deployCodexLanes } from "./program";
import { CONFIG_KEYS, StackConfigError, realFiles, validateSettings, type Settings } from "./settings";
import { PROJECT } from "./contracts";
import { sshDir } from "./ssh-key-file";

const config = new pulumi.Config();

function readSettings(): Settings {
  const raw = Object.fromEntries(CONFIG_KEYS.map((key) => [key, config.get(key)]));
  return validateSettings(raw, { defaultRepoDir: path.resolve(__dirname, ".."), files: realFiles });
}

async function hetznerFacts(): Promise<HetznerFacts> {
  const [types, keys, volumes] = await Promise.all([hcloud.getServerTypes({}), hcloud.getSshKeys({}), hcloud.getVolumes({})]);
  return {
    serverTypes: types.serverTypes.map((t) => ({
      name: t.name,
      architecture: t.architecture,
      locations: (t.locations ?? []).map((l) => ({ name: l.name, available: l.available !== false, isDeprecated: l.isDeprecated === true })),
    })),
    sshKeys: keys.sshKeys.map((k) => ({ id: k.id, name: k.name, publicKey: k.publicKey, labels: k.labels ?? {} })),
    volumes: volumes.volumes.map((v) => ({ id: v.id, name: v.name, location: v.location, serverId: v.serverId, linuxDevice: v.linuxDevice })),
  };
}

async function main() {
  try {
    const settings = readSettings();
    for (const note of settings.deprecations ?? []) void pulumi.log.warn(note);
    const stack = pulumi.getStack();
    const { problems, adopted } = preflight(settings, await hetznerFacts(), stack);
    if (problems.length > 0) throw new StackConfigError(problems.map(([key, msg]) => `${PROJECT}:${key}: ${msg}`));
    const deployment = deployCodexLanes(
      settings,
      {
        sshPrivateKey: config.requireSecret("sshPrivateKey"),
        openaiApiKey: settings.openaiLane ? config.requireSecret("openaiApiKey") : null,
        masterKey: settings.masterKeyGiven ? config.requireSecret("masterKey") : null,
      },
      { stack, sshDir: sshDir(pulumi.getProject(), stack), adopted },
    );
    return { ...deployment };
  } catch (err) {
    // RunError: Pulumi prints the message alone, without a stack trace of this file.
    if (err instanceof StackConfigError) throw new pulumi.RunError(err.message);
    throw err;
  }
}

export = main;
