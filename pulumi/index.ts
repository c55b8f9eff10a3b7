// Entry point (Pulumi.yaml `main`). Validates the whole stack config first, so a bad value stops
// `pulumi up` before anything is created, then deploys. The exports are the stack outputs.

import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { deployCodexLanes } from "./program";
import { CONFIG_KEYS, ConfigError, realFiles, validateSettings, type Settings } from "./settings";
import { sshKeyFilePath } from "./sshKeyFile";

const config = new pulumi.Config();

function readSettings(): Settings {
  const raw = Object.fromEntries(CONFIG_KEYS.map((key) => [key, config.get(key)]));
  try {
    return validateSettings(raw, { defaultRepoDir: path.resolve(__dirname, ".."), files: realFiles });
  } catch (err) {
    // RunError: Pulumi prints the message alone, without a stack trace of this file.
    if (err instanceof ConfigError) throw new pulumi.RunError(err.message);
    throw err;
  }
}

const settings = readSettings();
const deployment = deployCodexLanes(
  settings,
  {
    sshPrivateKey: config.requireSecret("sshPrivateKey"),
    openaiApiKey: settings.openaiLane ? config.requireSecret("openaiApiKey") : null,
  },
  { stack: pulumi.getStack(), sshKeyFile: sshKeyFilePath(pulumi.getProject(), pulumi.getStack()) },
);

export const gatewayUrl = deployment.gatewayUrl;
export const adminKey = deployment.adminKey;
export const accounts = deployment.accounts;
export const serverIp = deployment.serverIp;
