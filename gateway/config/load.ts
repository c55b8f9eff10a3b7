// loadConfig: the only code that reads the config file and the environment for it. Reads once,
// validates everything, and either returns a complete Config or throws one ConfigError listing
// every problem found.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { resolvePlanName } from "../calc/plans";
import { ConfigError } from "./errors";
import { issueLines, problemLines } from "./issues";
import { JsonSyntaxError, parseJsonc } from "./json";
import { mergePrices } from "./prices";
import { safeUrl } from "./secret-shape";
import { configFileSchema, crossCheck, type ConfigFile, type ConfigFileInput } from "./schema";
import type { CodexLaneConfig, Config, LaneConfig, OpenAILaneConfig } from "./types";

export interface LoadOptions {
  /** --config; wins over CODEX_LANES_CONFIG. Must exist when given. */
  path?: string;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export const DEFAULT_FILE = "codex-lanes.json";
export const EMBEDDED_DEFAULT = "embedded default";
const MIN_ADMIN_KEY_LENGTH = 24;
const GENERATE = "generate one with: openssl rand -base64 32";

interface Source {
  /** Absolute path, or EMBEDDED_DEFAULT. */
  source: string;
  /** How messages name it: relative to cwd when inside it. */
  label: string;
  /** Relative paths in the config resolve against this. */
  baseDir: string;
  raw: unknown;
}

const envValue = (env: NodeJS.ProcessEnv, name: string): string | undefined => {
  const v = env[name];
  return v === undefined || v === "" ? undefined : v;
};

function labelFor(file: string, cwd: string): string {
  const rel = path.relative(cwd, file);
  return rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : file;
}

function readSource(opts: LoadOptions): Source {
  const explicit = opts.path ?? envValue(opts.env, "CODEX_LANES_CONFIG");
  const file = path.resolve(opts.cwd, explicit ?? DEFAULT_FILE);
  if (explicit === undefined && !fs.existsSync(file)) return embeddedDefault(opts);
  const label = labelFor(file, opts.cwd);
  const from = opts.path !== undefined ? "--config" : explicit !== undefined ? "CODEX_LANES_CONFIG" : null;
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT" ? "file not found" : code === "EISDIR" ? "is a directory, not a file" : code === "EACCES" ? "permission denied" : `cannot read (${code ?? "error"})`;
    throw new ConfigError(`${label}: ${why}${from ? ` (given by ${from})` : ""}; check the path`);
  }
  try {
    return { source: file, label, baseDir: path.dirname(file), raw: parseJsonc(text) };
  } catch (err) {
    if (err instanceof JsonSyntaxError) {
      throw new ConfigError(`${label}: line ${err.line}, column ${err.column}: invalid JSON: ${err.problem}`);
    }
    throw err;
  }
}

/** No file: one codex lane on the user's own Codex sign-in, plus their API key when they have one. */
function embeddedDefault(opts: LoadOptions): Source {
  const lanes: ConfigFileInput["lanes"] = [
    { name: "local", type: "codex", home: envValue(opts.env, "CODEX_HOME") ?? "~/.codex" },
  ];
  if (envValue(opts.env, "OPENAI_API_KEY") !== undefined) lanes.push({ name: "api", type: "openai" });
  const raw: ConfigFileInput = { dataDir: "./data", lanes };
  return { source: EMBEDDED_DEFAULT, label: EMBEDDED_DEFAULT, baseDir: opts.cwd, raw };
}

function validate(src: Source): ConfigFile {
  const parsed = configFileSchema.safeParse(src.raw);
  if (parsed.success) return parsed.data;
  // zod skips the cross-field refinement when a field failed; run it anyway to report everything at once.
  const lines = [...issueLines(parsed.error.issues, src.raw, src.label), ...problemLines(crossCheck(src.raw), src.label)];
  throw new ConfigError([...new Set(lines)]);
}

function expandHome(p: string, env: NodeJS.ProcessEnv): string {
  if (p === "~" || p.startsWith("~/")) return path.join(envValue(env, "HOME") ?? os.homedir(), p.slice(1));
  return p;
}

// ---------- from the validated file to Config ----------

function resolveLanes(file: ConfigFile, dataDir: string, src: Source, env: NodeJS.ProcessEnv, problems: string[], deprecations: string[]): LaneConfig[] {
  return file.lanes.map((lane, i): LaneConfig => {
    if (lane.type === "openai") {
      const out: OpenAILaneConfig = {
        name: lane.name,
        type: "openai",
        baseUrl: lane.baseUrl.replace(/\/+$/, ""),
        // Missing is fine: the gateway may fill it from the encrypted secret store.
        apiKey: envValue(env, lane.apiKeyEnv) ?? null,
        apiKeyEnv: lane.apiKeyEnv,
        concurrency: lane.concurrency,
        models: lane.models === "*" ? "*" : [...lane.models],
        monthlySpendCapUsd: lane.monthlySpendCapUsd ?? null,
        timeoutMs: lane.timeoutMs,
        routes: lane.routes === "*" ? "*" : [...lane.routes],
      };
      return out;
    }
    let worker: CodexLaneConfig["worker"] = null;
    if (lane.worker) {
      const token = envValue(env, lane.worker.tokenEnv);
      if (token === undefined) {
        problems.push(
          `${src.label}: lanes[${i}].worker.tokenEnv: environment variable ${lane.worker.tokenEnv} is not set; ` +
            `set it to the bearer token of the worker at ${safeUrl(lane.worker.url)}`,
        );
      }
      worker = { url: lane.worker.url.replace(/\/+$/, ""), token: token ?? "" };
    }
    const home = worker
      ? null
      : lane.home !== undefined
        ? path.resolve(src.baseDir, expandHome(lane.home, env))
        : path.join(dataDir, "accounts", lane.name);
    return {
      name: lane.name,
      type: "codex",
      home,
      worker,
      engine: lane.engine,
      concurrency: lane.concurrency,
      maxUsedPercent: lane.maxUsedPercent ?? null,
      config: { ...lane.config },
      env: { ...lane.env },
      models: lane.models ? [...lane.models] : null,
      planPriceUsd: lane.planPriceUsd ?? null,
      ...(lane.plan === undefined ? {} : { plan: planName(lane.plan, `lanes[${i}].plan`, src, deprecations) }),
    };
  });
}

/** Today's name for a plan the file names; a deprecated name adds a note. */
function planName(name: string, field: string, src: Source, deprecations: string[]): string {
  const r = resolvePlanName(name);
  if (r.deprecation) deprecations.push(`${src.label}: ${field}: ${r.deprecation}`);
  return r.plan;
}

function calcFromFile(calc: NonNullable<ConfigFile["calc"]>, src: Source, deprecations: string[]): Config["calc"] {
  const plans = Object.entries(calc.plans).map(([name, row]) => [planName(name, `calc.plans.${name}`, src, deprecations), { ...row }] as const);
  return { plans: Object.fromEntries(plans) };
}

function listenFromEnv(listen: ConfigFile["listen"], env: NodeJS.ProcessEnv, problems: string[]): Config["listen"] {
  const out = { ...listen };
  const host = envValue(env, "CODEX_LANES_HOST");
  if (host !== undefined) out.host = host;
  // CODEX_LANES_PORT is ours; PORT is what PaaS hosts set. Ours wins.
  for (const name of ["PORT", "CODEX_LANES_PORT"]) {
    const v = envValue(env, name);
    if (v === undefined) continue;
    if (/^\d{1,5}$/.test(v) && Number(v) <= 65535) out.port = Number(v);
    else problems.push(`environment variable ${name}: must be a port number from 0 to 65535 (got ${JSON.stringify(v.slice(0, 20))})`);
  }
  return out;
}

/** A secret set in the environment (the admin key, the metrics token): trimmed, and long enough to be one. */
function secretFromEnv(env: NodeJS.ProcessEnv, name: "CODEX_LANES_ADMIN_KEY" | "CODEX_LANES_METRICS_TOKEN", problems: string[]): string | null {
  const v = envValue(env, name)?.trim();
  if (v === undefined || v === "") return null;
  if (v.length < MIN_ADMIN_KEY_LENGTH) {
    problems.push(`environment variable ${name}: too short (${v.length} characters; at least ${MIN_ADMIN_KEY_LENGTH}); ${GENERATE}`);
    return null;
  }
  return v;
}

/** 32 bytes as 64 hex digits or as base64 / base64url (43 or 44 characters). */
export function parseMasterKey(value: string): Buffer | null {
  const v = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(v)) return Buffer.from(v, "hex");
  if (/^[A-Za-z0-9+/]{43}=?$/.test(v) || /^[A-Za-z0-9_-]{43}$/.test(v)) {
    const buf = Buffer.from(v.replace(/-/g, "+").replace(/_/g, "/"), "base64");
    if (buf.length === 32) return buf;
  }
  return null;
}

function masterKeyFromEnv(env: NodeJS.ProcessEnv, problems: string[]): Buffer | null {
  const v = envValue(env, "CODEX_LANES_MASTER_KEY");
  if (v === undefined) return null;
  const key = parseMasterKey(v);
  if (!key) {
    problems.push(
      `environment variable CODEX_LANES_MASTER_KEY: must be exactly 32 bytes written as base64 (44 characters) or hex (64 characters); ${GENERATE}`,
    );
  }
  return key;
}

/**
 * Reads the config: `opts.path`, else $CODEX_LANES_CONFIG, else `<cwd>/codex-lanes.json` when it
 * exists, else the embedded default. Throws ConfigError (exitCode 2) listing every problem.
 */
export function loadConfig(opts: LoadOptions): Config {
  const src = readSource(opts);
  const file = validate(src);
  const problems: string[] = [];
  const deprecations: string[] = [];
  const dataDir = path.resolve(src.baseDir, expandHome(file.dataDir, opts.env));
  const config: Config = {
    source: src.source,
    listen: listenFromEnv(file.listen, opts.env, problems),
    dataDir,
    lanes: resolveLanes(file, dataDir, src, opts.env, problems, deprecations),
    limits: { ...file.limits },
    queue: { ...file.queue },
    policy: { ...file.policy },
    rateLimitPollMs: file.rateLimitPollMs,
    log: { ...file.log },
    prices: mergePrices(file.prices),
    adminKey: secretFromEnv(opts.env, "CODEX_LANES_ADMIN_KEY", problems),
    masterKey: masterKeyFromEnv(opts.env, problems),
  };
  // Optional fields appear only when set, so a Config without them stays exactly as before.
  const metricsToken = secretFromEnv(opts.env, "CODEX_LANES_METRICS_TOKEN", problems);
  if (metricsToken !== null) config.metricsToken = metricsToken;
  if (file.calc) config.calc = calcFromFile(file.calc, src, deprecations);
  if (deprecations.length) config.deprecations = deprecations;
  if (problems.length) throw new ConfigError(problems);
  return config;
}
