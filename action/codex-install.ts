// Makes sure the wanted Codex CLI is there for the direct lanes: a `codex` on PATH that reports
// the version is used as is; otherwise `npm install -g @openai/codex@<version>` (so the runner
// needs npm, which GitHub-hosted runners have) and the binary from npm's global prefix.

import path from "node:path";
import { scrubbedEnv } from "./env";
import { ActionError } from "./errors";
import type { ActionIO } from "./io";
import type { Log } from "./log";

export interface CodexBinary {
  /** What to spawn: "codex" from PATH, or an absolute path under npm's global prefix. */
  bin: string;
  version: string;
}

const EXACT = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

/** The version `codex --version` reports ("codex-cli 0.169.0"), or null when it does not run. */
export async function codexVersionOf(io: ActionIO, bin: string): Promise<string | null> {
  const r = await io.exec(bin, ["--version"], { env: scrubbedEnv(io.env) });
  if (r.exitCode !== 0) return null;
  return /codex-cli\s+(\S+)/.exec(r.stdout)?.[1] ?? null;
}

export async function ensureCodex(io: ActionIO, log: Log, wanted: string): Promise<CodexBinary> {
  const onPath = await codexVersionOf(io, "codex");
  if (onPath !== null && onPath === wanted) {
    log.info(`Using codex ${onPath} from PATH.`);
    return { bin: "codex", version: onPath };
  }
  log.info(
    onPath === null
      ? `Installing @openai/codex@${wanted} with npm…`
      : `The codex on PATH is ${onPath}, not ${wanted}; installing @openai/codex@${wanted} with npm…`,
  );
  const install = await io.exec("npm", ["install", "-g", `@openai/codex@${wanted}`], { env: scrubbedEnv(io.env) });
  if (install.exitCode !== 0) {
    throw new ActionError(
      `Could not install @openai/codex@${wanted} with npm (exit code ${install.exitCode}): ${lastLines(install.stderr || install.stdout)}. ` +
        `The direct lanes need Node.js and npm on the runner (GitHub-hosted runners have both): add actions/setup-node before this step, ` +
        `or put codex ${wanted} on PATH, or use the gateway lane.`,
    );
  }
  const prefix = (await io.exec("npm", ["prefix", "-g"], { env: scrubbedEnv(io.env) })).stdout.trim();
  const candidates = prefix ? [path.join(prefix, "bin", "codex"), "codex"] : ["codex"];
  for (const bin of candidates) {
    const v = await codexVersionOf(io, bin);
    if (v !== null && (v === wanted || !EXACT.test(wanted))) {
      log.info(`Installed codex ${v}.`);
      return { bin, version: v };
    }
  }
  throw new ActionError(
    `npm installed @openai/codex@${wanted}, but no codex reporting that version could be run (looked at ${candidates.join(", ")}). ` +
      `Check that npm's global bin directory is on PATH.`,
  );
}

function lastLines(text: string): string {
  const lines = text.trim().split(/\r?\n/).filter(Boolean);
  return lines.slice(-3).join(" / ") || "no output";
}
