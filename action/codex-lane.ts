// The direct lanes: `codex exec` on the runner, in the working directory, with the chosen sandbox.
// A ChatGPT lane gets a fresh CODEX_HOME holding its auth.json (0600, dir 0700); the API-key lane
// gets an empty one and the key as CODEX_API_KEY in the child's environment only. The lane's home
// lives as long as the walk stays on the lane, so a retry reuses a token Codex has already refreshed
// instead of the secret's original (whose refresh token is then spent); once the walk moves on it is
// deleted, so a later lane's Codex (which may read the runner's disk) never sees an earlier sign-in.

import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { classifyExecFailure, type AttemptResult, type Outcome } from "../gateway/lanes";
import { secretValues } from "./auth-json";
import { ensureCodex, type CodexBinary } from "./codex-install";
import { ExecEvents } from "./codex-events";
import { scrubbedEnv } from "./env";
import type { ActionInputs } from "./inputs";
import type { ActionIO } from "./io";
import type { LanePlan } from "./lanes-plan";
import type { Log } from "./log";
import { failure, OK, type Served } from "./served";

/** auth.json as Codex rewrites it, as far as the action reads it back: any field may be missing. */
interface AuthJson {
  tokens?: { refresh_token?: unknown };
}

export type DirectLane = Exclude<LanePlan, { kind: "gateway" }>;

type DirectInputs = Pick<
  ActionInputs,
  "prompt" | "model" | "effort" | "sandbox" | "workingDirectory" | "codexArgs" | "outputSchema" | "codexVersion" | "openaiApiKey" | "timeoutMs"
>;

export function childEnv(parent: Readonly<Record<string, string | undefined>>, home: string, apiKey: string | null): Record<string, string> {
  const env = scrubbedEnv(parent);
  env.CODEX_HOME = home;
  // Codex prints usage-limit reset times in local time; gateway/lanes reads them as UTC.
  env.TZ = "UTC";
  env.CODEX_INTERNAL_ORIGINATOR_OVERRIDE = "codex_github_action";
  if (apiKey) env.CODEX_API_KEY = apiKey;
  return env;
}

export class DirectLanes {
  private codex: CodexBinary | null = null;
  private readonly homes = new Map<string, { home: string; lane: DirectLane }>();
  /** Lanes whose sign-in Codex refreshed, noted before their home was deleted. */
  private readonly refreshedRetired: Array<{ lane: string; account: number }> = [];
  private schemaFile: string | null = null;

  constructor(
    private readonly io: ActionIO,
    private readonly log: Log,
    private readonly inputs: DirectInputs,
    private readonly runDir: string,
  ) {}

  /** The Codex version that ran, once a direct lane has been tried. */
  get codexVersion(): string | null {
    return this.codex?.version ?? null;
  }

  args(lane: DirectLane, lastMessageFile: string): string[] {
    const i = this.inputs;
    const args = ["exec", "--skip-git-repo-check", "--cd", i.workingDirectory, "--sandbox", i.sandbox, "--output-last-message", lastMessageFile, "--json"];
    if (i.model) args.push("--model", i.model);
    if (i.effort) args.push("-c", `model_reasoning_effort="${i.effort}"`);
    if (this.schemaFile) args.push("--output-schema", this.schemaFile);
    // The lane's credentials live in its own home's auth.json, never in the runner's keyring.
    args.push("-c", 'cli_auth_credentials_store="file"');
    args.push(...i.codexArgs, "-");
    return args;
  }

  async attempt(lane: DirectLane): Promise<AttemptResult<Served>> {
    this.codex ??= await ensureCodex(this.io, this.log, this.inputs.codexVersion);
    const home = this.homeFor(lane);
    this.writeSchema();
    const lastFile = path.join(this.runDir, `${lane.name}.last-message.txt`);
    rmSync(lastFile, { force: true });
    const events = new ExecEvents((l) => this.log.info(l));
    const stderr: string[] = [];
    this.log.info(`Running codex exec (lane ${lane.name}, sandbox ${this.inputs.sandbox}) in ${this.inputs.workingDirectory}…`);
    const child = this.io.spawn(this.codex.bin, this.args(lane, lastFile), {
      cwd: this.inputs.workingDirectory,
      env: childEnv(this.io.env, home, lane.kind === "api-key" ? this.inputs.openaiApiKey : null),
      stdin: this.inputs.prompt,
      onStdoutLine: (l) => events.line(l),
      onStderrLine: (l) => {
        if (!l.trim()) return;
        this.log.info(l);
        stderr.push(l);
        if (stderr.length > 20) stderr.shift();
      },
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill();
    }, this.inputs.timeoutMs);
    const exit = await child.done.finally(() => clearTimeout(timer));
    if (timedOut) {
      return { outcome: failure("transient", "timeout", `Codex did not finish within timeout-minutes (${this.inputs.timeoutMs / 60_000}) on lane ${lane.name}.`) };
    }
    if (events.failedMessage !== null) return { outcome: classifyExecFailure(events.failedMessage, this.io.now()) };
    if (exit.code === 0) return this.answer(lastFile, events);
    return { outcome: crashed(exit, events.lastProblem ?? stderr.at(-1) ?? null) };
  }

  private answer(lastFile: string, events: ExecEvents): AttemptResult<Served> {
    const fromFile = existsSync(lastFile) ? readFileSync(lastFile, "utf8") : "";
    const text = fromFile || events.lastAgentMessage;
    if (!text) return { outcome: failure("transient", "no_answer", "codex exec finished without a final message.") };
    return { outcome: OK, result: { text, usage: events.usage } };
  }

  private homeFor(lane: DirectLane): string {
    const known = this.homes.get(lane.name);
    if (known) return known.home;
    const home = path.join(this.runDir, lane.name);
    mkdirSync(home, { recursive: true, mode: 0o700 });
    chmodSync(home, 0o700);
    if (lane.kind === "chatgpt") {
      const file = path.join(home, "auth.json");
      writeFileSync(file, `${JSON.stringify(lane.account.json, null, 2)}\n`, { mode: 0o600 });
      chmodSync(file, 0o600);
    }
    this.homes.set(lane.name, { home, lane });
    return home;
  }

  /** The lane's auth.json as Codex left it, or null. */
  private authNow(name: string): AuthJson | null {
    const entry = this.homes.get(name);
    if (!entry || entry.lane.kind !== "chatgpt") return null;
    try {
      return JSON.parse(readFileSync(path.join(entry.home, "auth.json"), "utf8")) as AuthJson;
    } catch {
      return null;
    }
  }

  /** Token values Codex wrote into the lane's home during this run (after a refresh); for masking. */
  newSecrets(name: string): string[] {
    const entry = this.homes.get(name);
    const now = this.authNow(name);
    if (!entry || entry.lane.kind !== "chatgpt" || !now) return [];
    const before = new Set(secretValues(entry.lane.account.json));
    return secretValues(now).filter((v) => !before.has(v));
  }

  /**
   * Deletes the home of every lane but `current`. The lane walk never goes back to a lane it has
   * left, so a lane is done once another one is tried.
   */
  retireAllBut(current: string | null): void {
    for (const [name, { home }] of this.homes) {
      if (name === current) continue;
      const refreshed = this.refreshedNow(name);
      if (refreshed) this.refreshedRetired.push(refreshed);
      rmSync(home, { recursive: true, force: true });
      this.homes.delete(name);
    }
  }

  /**
   * ChatGPT lanes whose sign-in Codex refreshed during this run: the refresh token in the secret
   * is now spent (refresh tokens rotate), and this action does not write the new one back.
   */
  refreshedLanes(): Array<{ lane: string; account: number }> {
    const live = [...this.homes.keys()].map((name) => this.refreshedNow(name));
    return [...this.refreshedRetired, ...live.filter((r) => r !== null)];
  }

  private refreshedNow(name: string): { lane: string; account: number } | null {
    const lane = this.homes.get(name)?.lane;
    if (lane?.kind !== "chatgpt") return null;
    const rt = this.authNow(name)?.tokens?.refresh_token;
    const given = (lane.account.json.tokens as Record<string, unknown>).refresh_token;
    return typeof rt === "string" && rt !== given ? { lane: name, account: lane.account.index } : null;
  }

  private writeSchema(): void {
    if (!this.inputs.outputSchema || this.schemaFile) return;
    this.schemaFile = path.join(this.runDir, "output-schema.json");
    writeFileSync(this.schemaFile, JSON.stringify(this.inputs.outputSchema), { mode: 0o600 });
  }
}

function crashed(exit: { code: number | null; signal: string | null }, why: string | null): Outcome {
  const how = exit.signal ? `was stopped by ${exit.signal}` : `exited with code ${exit.code ?? "?"}`;
  return failure("transient", "codex_crashed", `codex exec ${how} before finishing the turn${why ? `: ${why}` : ""}.`);
}
