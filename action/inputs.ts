// Every input, read and validated once, before anything runs. Secrets are registered for masking
// first of all, before any line is logged. A bad input throws InputError naming the input and
// saying what to do; the step then fails without starting a lane.

import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import type { ReasoningEffort } from "../gateway/chat/types";
import { AuthJsonError, parseAuthAccounts, secretValues, tryParseAll, type AuthAccount } from "./auth-json";
import { InputError } from "./errors";
import type { ActionIO } from "./io";
import { ArgsSyntaxError, parseArgs } from "./shell-words";
import { PINNED_CODEX_VERSION } from "./version";

export type Sandbox = "read-only" | "workspace-write" | "danger-full-access";
export type LaneChoice = { kind: "gateway" } | { kind: "api-key" } | { kind: "chatgpt"; index: number | null };

export interface ActionInputs {
  prompt: string;
  /** Absolute path, or null. */
  outputFile: string | null;
  model: string | null;
  effort: ReasoningEffort | null;
  sandbox: Sandbox;
  /** Absolute path of an existing directory. */
  workingDirectory: string;
  codexArgs: string[];
  outputSchema: Record<string, unknown> | null;
  codexVersion: string;
  openaiApiKey: string | null;
  gatewayUrl: string | null;
  gatewayKey: string | null;
  accounts: AuthAccount[];
  laneOrder: LaneChoice[];
  /** Deadline of one attempt on one lane. */
  timeoutMs: number;
}

/** Defaults, kept equal to action.yml's by a test. */
export const DEFAULTS = {
  sandbox: "workspace-write" as Sandbox,
  lanes: "gateway, chatgpt, api-key",
  "timeout-minutes": "20",
};

const SANDBOXES: readonly Sandbox[] = ["read-only", "workspace-write", "danger-full-access"];
const EFFORTS: readonly ReasoningEffort[] = ["none", "minimal", "low", "medium", "high", "xhigh"];
const MAX_TIMEOUT_MINUTES = 360;

/** Registers every secret input with the runner's masking. Call before anything is logged. */
export function maskSecretInputs(io: ActionIO): void {
  for (const name of ["gateway-key", "openai-api-key"]) {
    const v = io.getInput(name);
    if (v) io.setSecret(v);
  }
  const auth = io.getInput("codex-auth-json");
  if (!auth) return;
  const parsed = tryParseAll(auth);
  const values = parsed ? secretValues(parsed) : [];
  for (const v of values) io.setSecret(v);
  // Unparsable content is still somebody's credentials: mask it line by line.
  if (!parsed) for (const line of auth.split(/\r?\n/)) if (line.trim().length >= 8) io.setSecret(line.trim());
}

export function readInputs(io: ActionIO): ActionInputs {
  const workingDirectory = readWorkingDirectory(io);
  const gatewayUrl = readGatewayUrl(io);
  const gatewayKey = io.getInput("gateway-key") || null;
  if (gatewayUrl && !gatewayKey) {
    throw new InputError("gateway-key", 'is empty while "gateway-url" is set. Create a key with `codex-lanes keys create ci` and pass it from a secret.');
  }
  if (gatewayKey && !gatewayUrl) throw new InputError("gateway-url", 'is empty while "gateway-key" is set. Set it to your gateway\'s address, e.g. https://codex.example.com.');
  return {
    prompt: readPrompt(io),
    outputFile: optionalPath(io, "output-file"),
    model: readModel(io),
    effort: oneOf(io, "effort", EFFORTS, null),
    sandbox: oneOf(io, "sandbox", SANDBOXES, DEFAULTS.sandbox) as Sandbox,
    workingDirectory,
    codexArgs: readCodexArgs(io),
    outputSchema: readOutputSchema(io),
    codexVersion: readCodexVersion(io),
    openaiApiKey: io.getInput("openai-api-key") || null,
    gatewayUrl,
    gatewayKey,
    accounts: readAccounts(io),
    laneOrder: readLaneOrder(io),
    timeoutMs: readTimeout(io),
  };
}

function readPrompt(io: ActionIO): string {
  const prompt = io.getInput("prompt");
  const file = io.getInput("prompt-file");
  if (prompt && file) throw new InputError("prompt-file", 'set either "prompt" or "prompt-file", not both.');
  if (!prompt && !file) throw new InputError("prompt", 'no prompt given. Set "prompt" to the task for Codex, or "prompt-file" to a file that holds it.');
  if (prompt) return prompt;
  const text = readInputFile(io, "prompt-file", file);
  if (text.trim() === "") throw new InputError("prompt-file", `"${file}" is empty; write the task for Codex into it.`);
  return text;
}

function readInputFile(io: ActionIO, input: string, file: string): string {
  const abs = path.resolve(io.cwd, file);
  try {
    return readFileSync(abs, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    throw new InputError(input, `cannot read "${file}" (${code}). Paths are relative to the workspace; check the repository out first (actions/checkout).`);
  }
}

function optionalPath(io: ActionIO, input: string): string | null {
  const v = io.getInput(input);
  return v ? path.resolve(io.cwd, v) : null;
}

function readModel(io: ActionIO): string | null {
  const m = io.getInput("model");
  if (m && /\s/.test(m)) throw new InputError("model", `"${m}" contains whitespace; give one model name, e.g. gpt-5.5.`);
  return m || null;
}

function oneOf<T extends string>(io: ActionIO, input: string, allowed: readonly T[], fallback: T | null): T | null {
  const v = io.getInput(input).toLowerCase();
  if (!v) return fallback;
  if (!(allowed as readonly string[]).includes(v)) throw new InputError(input, `"${v}" is not one of: ${allowed.join(", ")}.`);
  return v as T;
}

function readWorkingDirectory(io: ActionIO): string {
  const given = io.getInput("working-directory");
  const dir = path.resolve(io.cwd, given || io.env.GITHUB_WORKSPACE || io.cwd);
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) throw new InputError("working-directory", `"${given || dir}" is not a directory. Check the path, and check the repository out first (actions/checkout).`);
  return dir;
}

function readCodexArgs(io: ActionIO): string[] {
  try {
    return parseArgs(io.getInput("codex-args"));
  } catch (err) {
    if (err instanceof ArgsSyntaxError) throw new InputError("codex-args", `${err.message}. Give a JSON array of strings or a shell-like string.`);
    throw err;
  }
}

function readOutputSchema(io: ActionIO): Record<string, unknown> | null {
  const inline = io.getInput("output-schema");
  const file = io.getInput("output-schema-file");
  if (inline && file) throw new InputError("output-schema-file", 'set either "output-schema" or "output-schema-file", not both.');
  if (!inline && !file) return null;
  const input = inline ? "output-schema" : "output-schema-file";
  const text = inline || readInputFile(io, input, file);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new InputError(input, `is not valid JSON (${(err as Error).message}). Give a JSON Schema object.`);
  }
  if (!v || typeof v !== "object" || Array.isArray(v)) throw new InputError(input, 'must be a JSON Schema object, e.g. {"type":"object","properties":{…}}.');
  return v as Record<string, unknown>;
}

function readCodexVersion(io: ActionIO): string {
  const v = io.getInput("codex-version");
  if (!v) return PINNED_CODEX_VERSION;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(v)) throw new InputError("codex-version", `"${v}" is not a version; give one like ${PINNED_CODEX_VERSION}, or leave it empty for the pinned one.`);
  return v;
}

function readGatewayUrl(io: ActionIO): string | null {
  const v = io.getInput("gateway-url");
  if (!v) return null;
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new InputError("gateway-url", `"${v}" is not a URL; give the gateway's address, e.g. https://codex.example.com.`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new InputError("gateway-url", "must start with https:// (or http:// on a private network).");
  if (url.username || url.password) throw new InputError("gateway-url", 'must not carry credentials; pass the key as "gateway-key".');
  if (url.search || url.hash) throw new InputError("gateway-url", "must not have a query or fragment; give the gateway's base address.");
  return url.toString().replace(/\/+$/, "");
}

function readAccounts(io: ActionIO): AuthAccount[] {
  const raw = io.getInput("codex-auth-json");
  if (!raw) return [];
  try {
    return parseAuthAccounts(raw);
  } catch (err) {
    if (err instanceof AuthJsonError) throw new InputError("codex-auth-json", `${err.message}.`);
    throw err;
  }
}

function readLaneOrder(io: ActionIO): LaneChoice[] {
  const raw = io.getInput("lanes") || DEFAULTS.lanes;
  const names = raw.split(/[,\n]/).map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (names.length === 0) throw new InputError("lanes", `is empty; give an order such as "${DEFAULTS.lanes}".`);
  const seen = new Set<string>();
  return names.map((name) => {
    if (seen.has(name)) throw new InputError("lanes", `"${name}" is listed twice.`);
    seen.add(name);
    if (name === "gateway" || name === "api-key") return { kind: name };
    if (name === "chatgpt") return { kind: "chatgpt", index: null };
    const m = /^chatgpt-(\d+)$/.exec(name);
    if (m && Number(m[1]) >= 1) return { kind: "chatgpt", index: Number(m[1]) };
    throw new InputError("lanes", `"${name}" is not a lane; use gateway, chatgpt (every account), chatgpt-N (the N-th account) and api-key.`);
  });
}

function readTimeout(io: ActionIO): number {
  const raw = io.getInput("timeout-minutes") || DEFAULTS["timeout-minutes"];
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || n > MAX_TIMEOUT_MINUTES) {
    throw new InputError("timeout-minutes", `"${raw}" is not a number of minutes between 0 and ${MAX_TIMEOUT_MINUTES}.`);
  }
  return Math.round(n * 60_000);
}
