// Reads and validates the stack configuration once, at program start, so `pulumi up` fails before
// it creates anything. Every value goes through a zod rule (TEXT_RULES for the text settings, the
// account schema for each account, whole-number rules for the sizes). Every problem is reported at
// once, each prefixed with its full config key and followed by what to do. Secret values are
// checked for presence and shape only and never quoted.

import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";
// The gateway's own rules (pure data, no imports): lane names and codex-lane concurrency.
import { CODEX_CONCURRENCY, LANE_NAME } from "../gateway/config/rules";
// The gateway's config file rules and their messages, for the `gateway` setting: one home for each.
import { crossCheck, tuningSchema, type TuningInput } from "../gateway/config/schema";
import { formatPath, issueProblems } from "../gateway/config/issues";
import { cidrProblem } from "./cidr";
import { DOCKERFILE, GATEWAY_DATA_DIR, GATEWAY_PORT, PROJECT } from "./contracts";
// The gateway's plan table (pure data, no imports): the one list of plan names.
import { knownPlanNames, resolvePlanName } from "../gateway/calc/plans";
import { API_LANE_NAME, type AccountSpec } from "./gateway-config";
import { CADDY_IMAGE, NODE_IMAGE } from "./images";

export interface Settings {
  /** Empty when sshKeyName names a key already in the Hetzner project. */
  sshPublicKey: string;
  /** An SSH key already uploaded to the Hetzner project, used instead of creating one. */
  sshKeyName: string | null;
  serverType: string;
  location: string;
  adminCidrs: string[];
  domain: string | null;
  acmeEmail: string | null;
  /** ACME directory to use instead of Caddy's defaults (e.g. Let's Encrypt staging, or your own CA). */
  acmeCa: string | null;
  /** PEM root certificate of acmeCa, when it is not publicly trusted. */
  acmeCaRoot: string | null;
  accounts: AccountSpec[];
  /** Whether `openaiApiKey` is set; the key itself is read as a secret by the program. */
  openaiLane: boolean;
  volumeSizeGb: number;
  /** A retained Hetzner volume (from an earlier stack) to use instead of creating one. */
  dataVolumeId: number | null;
  /** Whether `masterKey` is set; the key itself is read as a secret by the program. */
  masterKeyGiven: boolean;
  workerMemoryMb: number;
  /** Base of both images (BASE_IMAGE and BUILD_IMAGE of the Dockerfile). */
  nodeImage: string;
  caddyImage: string;
  repoDir: string;
  /** The gateway's own settings (limits, queue, ...) as the stack sets them, numbers as numbers; {} when unset. */
  gateway: TuningInput;
  /** Deprecated values the stack uses (`plan: team`), one sentence each; present only when there are some. */
  deprecations?: string[];
}

/** Config values as Pulumi hands them to the program: strings, lists and objects as JSON text. */
export type RawConfig = Readonly<Record<string, string | undefined>>;

export const DEFAULTS = {
  serverType: "cx23",
  location: "nbg1",
  volumeSizeGb: 10,
  workerMemoryMb: 1024,
  nodeImage: NODE_IMAGE,
  caddyImage: CADDY_IMAGE,
} as const;

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/;

export class StackConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      `Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${p}`).join("\n"),
    );
    this.name = "StackConfigError";
  }
}

/** File checks, injected so the validator stays a pure function of its inputs. */
export interface FileProbe {
  isFile(p: string): boolean;
  isDirectory(p: string): boolean;
}

export const realFiles: FileProbe = {
  isFile: (p) => fs.statSync(p, { throwIfNoEntry: false })?.isFile() ?? false,
  isDirectory: (p) => fs.statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false,
};

class Problems {
  readonly list: string[] = [];
  readonly deprecations: string[] = [];
  add(key: string, message: string): void {
    this.list.push(`${PROJECT}:${key}: ${message}`);
  }
  deprecated(key: string, message: string): void {
    this.deprecations.push(`${PROJECT}:${key}: ${message}`);
  }
}

function blank(v: string | undefined): v is undefined {
  return v === undefined || v.trim() === "";
}

/** Integers arrive as numbers from `--path` sets and as strings from plain sets. */
function numeric(v: unknown): unknown {
  if (typeof v !== "string" || v.trim() === "") return v;
  const n = Number(v);
  return Number.isFinite(n) ? n : v;
}

/** A whole number in [min, max], as a number or a string; `what(input)` says what is wrong. */
function wholeNumber(min: number, max: number, what: (input: unknown) => string) {
  return z.preprocess(numeric, z.int({ error: (iss) => what(iss.input) }).min(min, { error: (iss) => what(iss.input) }).max(max, { error: (iss) => what(iss.input) }));
}

/** Where in a config value an issue is: `accounts[0]` + ["name"] -> `accounts[0].name`. */
function keyOf(key: string, at: readonly PropertyKey[]): string {
  return at.reduce<string>((k, part) => (typeof part === "number" ? `${k}[${part}]` : `${k}.${String(part)}`), key);
}

/**
 * Checks one config value with a zod schema. Each issue becomes a problem under its full key, its
 * message written for the person running `pulumi config set`; unknown keys come first, one each.
 */
function check<S extends z.ZodType>(p: Problems, key: string, schema: S, value: unknown, unknownKey?: string): z.output<S> | null {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = [...r.error.issues].sort((a, b) => Number(b.code === "unrecognized_keys") - Number(a.code === "unrecognized_keys"));
  for (const iss of issues) {
    if (iss.code === "unrecognized_keys") for (const k of iss.keys) p.add(keyOf(key, [...iss.path, k]), unknownKey ?? "is not a known setting");
    else p.add(keyOf(key, iss.path), iss.message);
  }
  return null;
}

function readInteger(p: Problems, raw: RawConfig, key: string, fallback: number, min: number, max: number): number {
  const text = raw[key];
  if (blank(text)) return fallback;
  const rule = wholeNumber(min, max, () => `${JSON.stringify(text)} is not a whole number from ${min} to ${max}; run pulumi config set ${key} ${fallback}`);
  return check(p, key, rule, text) ?? fallback;
}

/** Text that must match `pattern` once trimmed; `error` says what is wrong (quoting only what is not secret). */
function matching(pattern: RegExp, error: string | ((v: string) => string)) {
  return z.string().trim().regex(pattern, { error: typeof error === "string" ? error : (iss) => error(String(iss.input)) });
}

/** A Hetzner name (server type, location): never trimmed, as the Hetzner API takes it. */
function hetznerName(key: string, fallback: string, pattern: RegExp, what: string) {
  return z.string().regex(pattern, { error: (iss) => `${JSON.stringify(iss.input)} is not a valid ${what}; for example pulumi config set ${key} ${fallback}` });
}

const hostOf = (v: string) => v.toLowerCase().replace(/\.$/, "");

/** One image reference: name[:tag][@sha256:digest]. The defaults are pinned by digest. */
const image = (fallback: string) =>
  matching(/^[a-z0-9]+([._/:-][a-z0-9]+)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[0-9a-f]{64})?$/, (v) => `${JSON.stringify(v)} is not an image reference; e.g. ${fallback}`);

const CIDRS_HINT = "pulumi config set --path 'adminCidrs[0]' 203.0.113.7/32 (your own address; see https://ifconfig.me)";

/** A list or an object as Pulumi hands it over (as JSON text); anything else stays as given, for the value's own error. */
function jsonValue(text: unknown): unknown {
  if (typeof text !== "string") return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * The text settings, one zod rule each. A rule sees the value only when it is set (not blank), and
 * its message names what is wrong and what to do; secrets (keys) are never quoted.
 */
const TEXT_RULES = {
  sshPublicKey: matching(/^(ssh-(ed25519|rsa)|ecdsa-sha2-nistp(256|384|521)|sk-\S+) [A-Za-z0-9+/=]+( .*)?$/, 'does not look like an OpenSSH public key ("ssh-ed25519 AAAA... comment"); set the contents of your .pub file'),
  sshPrivateKey: z.string().regex(/-----BEGIN [A-Z ]*PRIVATE KEY-----/, { error: "does not look like a private key file (no BEGIN ... PRIVATE KEY line); set the file, not its path" }),
  sshKeyName: matching(/^[^\u0000-\u001f]{1,128}$/, "is not an SSH key name; use the name shown in the Hetzner console under Security > SSH keys"),
  serverType: hetznerName("serverType", DEFAULTS.serverType, /^[a-z0-9]+(-[a-z0-9]+)*$/, "Hetzner server type"),
  location: hetznerName("location", DEFAULTS.location, /^[a-z]+[0-9]*$/, "Hetzner location"),
  adminCidrs: z.preprocess(
    jsonValue,
    z
      .array(
        z
          .string({ error: (iss) => `${JSON.stringify(iss.input)} is not a string` })
          .superRefine((entry, ctx) => {
            const problem = cidrProblem(entry.trim());
            if (problem) ctx.addIssue({ code: "custom", message: `${JSON.stringify(entry)} ${problem}` });
          })
          .transform((entry) => entry.trim()),
        { error: `must be a list of CIDRs; set each entry with ${CIDRS_HINT}` },
      )
      .min(1, { error: `is empty; SSH is closed to everyone else, so list where you connect from: ${CIDRS_HINT}` }),
  ),
  domain: z
    .string()
    .trim()
    .refine((v) => HOSTNAME.test(hostOf(v)), { error: (iss) => `${JSON.stringify(iss.input)} is not a host name; set just the name, e.g. pulumi config set domain ai.example.com` })
    .transform(hostOf),
  acmeEmail: matching(/^[^\s@{}]+@[^\s@{}]+\.[^\s@{}]+$/, (v) => `${JSON.stringify(v)} is not an email address; it is given to Let's Encrypt for expiry notices`),
  acmeCa: matching(/^https:\/\/[^\s{}]+$/, (v) => `${JSON.stringify(v)} is not an https URL of an ACME directory, e.g. https://acme-staging-v02.api.letsencrypt.org/directory`),
  acmeCaRoot: matching(/^-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----$/, 'is not a PEM certificate; set the file\'s contents: pulumi config set acmeCaRoot -- "$(cat root.pem)"'),
  masterKey: z
    .string()
    .trim()
    .refine((v) => /^[A-Za-z0-9+/]{43}=$/.test(v) && Buffer.from(v, "base64").length === 32, {
      error: "is not 32 bytes written as base64 (44 characters); restore the value of pulumi stack output --show-secrets masterKey",
    }),
  nodeImage: image(DEFAULTS.nodeImage),
  caddyImage: image(DEFAULTS.caddyImage),
} satisfies Partial<Record<(typeof CONFIG_KEYS)[number], z.ZodType>>;

/** A text setting through its rule: null when unset or blank, or when the rule found a problem (recorded in `p`). */
function readText<S extends z.ZodType>(p: Problems, raw: RawConfig, key: keyof typeof TEXT_RULES, rule: S): z.output<S> | null {
  const v = raw[key];
  if (blank(v)) return null;
  return check(p, key, rule, v);
}

function readDataVolumeId(p: Problems, raw: RawConfig): number | null {
  const v = raw.dataVolumeId;
  if (blank(v)) return null;
  const rule = wholeNumber(1, Number.MAX_SAFE_INTEGER, () => `${JSON.stringify(v)} is not a Hetzner volume id; find it with hcloud volume list (the ID column)`);
  return check(p, "dataVolumeId", rule, v);
}

/** Whether a master key is given; the key itself is a secret the program reads. */
function checkMasterKey(p: Problems, raw: RawConfig): boolean {
  if (blank(raw.masterKey)) return false;
  readText(p, raw, "masterKey", TEXT_RULES.masterKey);
  return true;
}

function readSshPublicKey(p: Problems, raw: RawConfig, keyName: string | null): string {
  if (blank(raw.sshPublicKey) && keyName === null) {
    p.add(
      "sshPublicKey",
      'is not set; run pulumi config set sshPublicKey "$(cat ~/.ssh/id_ed25519.pub)", or name a key already in your Hetzner project with pulumi config set sshKeyName <name>',
    );
  }
  return readText(p, raw, "sshPublicKey", TEXT_RULES.sshPublicKey) ?? "";
}

function checkSshPrivateKey(p: Problems, raw: RawConfig): void {
  if (blank(raw.sshPrivateKey)) p.add("sshPrivateKey", "is not set; run pulumi config set --secret sshPrivateKey < ~/.ssh/id_ed25519");
  else readText(p, raw, "sshPrivateKey", TEXT_RULES.sshPrivateKey);
}

function readAdminCidrs(p: Problems, raw: RawConfig): string[] {
  if (blank(raw.adminCidrs)) {
    p.add("adminCidrs", `is not set; SSH is closed to everyone else, so list where you connect from: ${CIDRS_HINT}`);
    return [];
  }
  return readText(p, raw, "adminCidrs", TEXT_RULES.adminCidrs) ?? [];
}

/**
 * Without a domain the gateway is served at <ip>.nip.io, and every nip.io user shares one Let's
 * Encrypt rate-limit bucket. Caddy adds ZeroSSL as a second issuer only when it has an email, so
 * the default path needs one (or an explicit acmeCa).
 */
function readAcmeEmail(p: Problems, raw: RawConfig, needed: boolean): string | null {
  if (blank(raw.acmeEmail) && needed) {
    p.add(
      "acmeEmail",
      "is required when domain is not set: <ip>.nip.io shares one Let's Encrypt rate limit with every nip.io user, and Caddy falls back to ZeroSSL only with an email. " +
        "Run pulumi config set acmeEmail you@example.com, or set your own domain (pulumi config set domain ai.example.com)",
    );
  }
  return readText(p, raw, "acmeEmail", TEXT_RULES.acmeEmail);
}

function readAcmeCa(p: Problems, raw: RawConfig): { ca: string | null; root: string | null } {
  const ca = blank(raw.acmeCa) ? null : raw.acmeCa.trim();
  const root = blank(raw.acmeCaRoot) ? null : raw.acmeCaRoot.trim();
  readText(p, raw, "acmeCa", TEXT_RULES.acmeCa);
  readText(p, raw, "acmeCaRoot", TEXT_RULES.acmeCaRoot);
  if (root !== null && ca === null) p.add("acmeCaRoot", "is set without acmeCa; it only applies to your own ACME CA");
  return { ca, root };
}

const notAnAccountName = (v: unknown) =>
  `${JSON.stringify(v)} is not a valid account name; use lowercase letters, digits and dashes (1 to 32, starting with a letter or digit)`;

/** One entry of `accounts`: an object, or just its name. The name, concurrency and plan rules are the gateway's. */
function accountSchema(plans: readonly string[]) {
  const notAPlan = (v: unknown) => `${JSON.stringify(v)} is not a known plan; use one of ${plans.join(", ")} (or leave it out and set planPriceUsd)`;
  const knownPlan = (v: string) => plans.includes(resolvePlanName(v).plan);
  return z.preprocess(
    (v) => (typeof v === "string" ? { name: v } : v),
    z.strictObject(
      {
        name: z
          .string({ error: (iss) => notAnAccountName(iss.input) })
          .regex(LANE_NAME, { error: (iss) => notAnAccountName(iss.input) })
          .refine((n) => n !== API_LANE_NAME, { error: `"${API_LANE_NAME}" is reserved for the OpenAI API-key lane; choose another name` }),
        plan: z.string({ error: (iss) => notAPlan(iss.input) }).refine(knownPlan, { error: (iss) => notAPlan(iss.input) }).nullish(),
        concurrency: wholeNumber(CODEX_CONCURRENCY.min, CODEX_CONCURRENCY.max, (v) => `${JSON.stringify(v)} is not a whole number from ${CODEX_CONCURRENCY.min} to ${CODEX_CONCURRENCY.max}`).nullish(),
        planPriceUsd: z.preprocess(numeric, z.number({ error: (iss) => `${JSON.stringify(iss.input)} is not a price in USD per month` }).min(0, { error: (iss) => `${JSON.stringify(iss.input)} is not a price in USD per month` })).nullish(),
      },
      { error: (iss) => (iss.code === "unrecognized_keys" ? undefined : "must be an object like { name: plus-a, plan: plus }; set it with pulumi config set --path 'accounts[0].name' plus-a") },
    ),
  );
}

function readAccount(p: Problems, entry: unknown, i: number, seen: Set<string>, schema: ReturnType<typeof accountSchema>): AccountSpec | null {
  const key = `accounts[${i}]`;
  const a = check(p, key, schema, entry, "is not a known account setting; use name, plan, concurrency or planPriceUsd");
  if (!a) return null;
  if (seen.has(a.name)) {
    p.add(`${key}.name`, `"${a.name}" is used by an earlier account; account names must be unique`);
    return null;
  }
  seen.add(a.name);
  const plan = a.plan == null ? null : resolvePlanName(a.plan);
  if (plan?.deprecation) p.deprecated(`${key}.plan`, plan.deprecation);
  return { name: a.name, plan: plan?.plan ?? null, concurrency: a.concurrency ?? null, planPriceUsd: a.planPriceUsd ?? null };
}

/** `plans`: the plan table's names and the plans the stack adds under gateway.calc.plans. */
function readAccounts(p: Problems, raw: RawConfig, plans: readonly string[]): AccountSpec[] {
  const hint = "pulumi config set --path 'accounts[0].name' plus-a";
  const text = raw.accounts;
  if (blank(text)) {
    p.add("accounts", `no accounts are configured; add one ChatGPT account per entry, e.g. ${hint}`);
    return [];
  }
  const list = jsonValue(text);
  if (!Array.isArray(list)) {
    p.add("accounts", `must be a list of accounts; set each entry with ${hint}`);
    return [];
  }
  if (list.length === 0) {
    p.add("accounts", `is empty; add one ChatGPT account per entry, e.g. ${hint}`);
  }
  const seen = new Set<string>();
  const schema = accountSchema(plans);
  return list.flatMap((entry: unknown, i) => readAccount(p, entry, i, seen, schema) ?? []);
}

const GATEWAY_HINT = "e.g. pulumi config set --path gateway.limits.turnTimeoutMs 900000";

/** Sections of the gateway's config file that the program writes itself, and why. */
const PROGRAM_OWNED: Readonly<Record<string, string>> = {
  listen: `is set by the program (the gateway listens on port ${GATEWAY_PORT} of its container, behind Caddy); remove it`,
  dataDir: `is set by the program (gateway.db lives on the gateway's data volume, ${GATEWAY_DATA_DIR}); remove it`,
  lanes: "is set by the program: the lanes are your accounts, in order, then the API-key lane when openaiApiKey is set; remove it and use accounts",
};

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * `pulumi config set --path` stores whole numbers as numbers and true/false as booleans, but any
 * other number (1.25) as text, and YAML in the stack file may quote either. So text becomes a
 * number or a boolean wherever the gateway's schema expects one; the schema's rule then decides.
 */
function typedLike(schema: z.core.$ZodType, v: unknown): unknown {
  const def = schema._zod.def as z.core.$ZodTypeDef & { innerType?: z.core.$ZodType; shape?: Record<string, z.core.$ZodType>; valueType?: z.core.$ZodType };
  switch (def.type) {
    case "default":
    case "prefault":
    case "optional":
      return typedLike(def.innerType!, v);
    case "object":
      return isObject(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, def.shape![k] ? typedLike(def.shape![k], x) : x])) : v;
    case "record":
      return isObject(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, typedLike(def.valueType!, x)])) : v;
    case "number":
      return numeric(v);
    case "boolean":
      return v === "true" ? true : v === "false" ? false : v;
    default:
      return v;
  }
}

/**
 * The gateway's own settings, checked by the gateway's own schema with its own messages, each under
 * its full key (`gateway.limits.turnTimeoutMs`). `settings` is what the stack set (numbers typed), not
 * with the gateway's defaults filled in: the generated file carries only what the stack chose.
 * `plans` are the plan names an account may use: the plan table's and those gateway.calc.plans adds
 * (read even when another part of `gateway` is wrong, so an account naming one is not refused too).
 */
function readGateway(p: Problems, raw: RawConfig): { settings: TuningInput; plans: string[] } {
  if (blank(raw.gateway)) return { settings: {}, plans: knownPlanNames() };
  const value = jsonValue(raw.gateway);
  if (!isObject(value)) {
    p.add("gateway", `must be an object of the gateway's settings (limits, queue, policy, rateLimitPollMs, log, prices, calc); ${GATEWAY_HINT}`);
    return { settings: {}, plans: knownPlanNames() };
  }
  const owned = Object.keys(value).filter((k) => Object.hasOwn(PROGRAM_OWNED, k));
  for (const k of owned) p.add(`gateway.${k}`, PROGRAM_OWNED[k]!);
  const typed = typedLike(tuningSchema, Object.fromEntries(Object.entries(value).filter(([k]) => !owned.includes(k))));
  const r = tuningSchema.safeParse(typed);
  // zod skips the cross-field check (calc.plans) when a field failed; run it anyway, as the gateway does.
  const problems = [...(r.success ? [] : issueProblems(r.error.issues, typed)), ...crossCheck(typed)];
  // formatPath writes gateway.prices["gpt-5.5"].input, the path `pulumi config set --path` takes.
  for (const problem of problems) p.add(formatPath(["gateway", ...problem.path]), problem.message);
  const calc = isObject(typed) && isObject(typed.calc) ? typed.calc : {};
  const added = isObject(calc.plans) ? Object.keys(calc.plans).map((name) => resolvePlanName(name).plan) : [];
  return { settings: problems.length === 0 && owned.length === 0 ? (typed as TuningInput) : {}, plans: knownPlanNames(added) };
}

function readRepoDir(p: Problems, raw: RawConfig, defaultRepoDir: string, files: FileProbe): string {
  const dir = blank(raw.repoDir) ? defaultRepoDir : path.resolve(raw.repoDir);
  const missing = ["package.json", "package-lock.json", DOCKERFILE].filter(
    (f) => !files.isFile(path.join(dir, f)),
  );
  if (!files.isDirectory(dir)) {
    p.add("repoDir", `${JSON.stringify(dir)} is not a directory; point it at your clone of codex-lanes, or remove it`);
  } else if (missing.length > 0) {
    p.add("repoDir", `${JSON.stringify(dir)} is not a codex-lanes checkout (missing ${missing.join(", ")}); the images are built from it`);
  }
  return dir;
}

/** Validates everything, then throws one StackConfigError listing every problem, or returns the settings. */
export function validateSettings(raw: RawConfig, env: { defaultRepoDir: string; files: FileProbe }): Settings {
  const p = new Problems();
  checkSshPrivateKey(p, raw);
  const sshKeyName = readText(p, raw, "sshKeyName", TEXT_RULES.sshKeyName);
  const domain = readText(p, raw, "domain", TEXT_RULES.domain);
  const acme = readAcmeCa(p, raw);
  const gateway = readGateway(p, raw);
  const settings: Settings = {
    sshPublicKey: readSshPublicKey(p, raw, sshKeyName),
    sshKeyName,
    serverType: readText(p, raw, "serverType", TEXT_RULES.serverType) ?? DEFAULTS.serverType,
    location: readText(p, raw, "location", TEXT_RULES.location) ?? DEFAULTS.location,
    adminCidrs: readAdminCidrs(p, raw),
    domain,
    acmeEmail: readAcmeEmail(p, raw, domain === null && acme.ca === null),
    acmeCa: acme.ca,
    acmeCaRoot: acme.root,
    accounts: readAccounts(p, raw, gateway.plans),
    openaiLane: !blank(raw.openaiApiKey),
    volumeSizeGb: readInteger(p, raw, "volumeSizeGb", DEFAULTS.volumeSizeGb, 10, 10240),
    dataVolumeId: readDataVolumeId(p, raw),
    masterKeyGiven: checkMasterKey(p, raw),
    workerMemoryMb: readInteger(p, raw, "workerMemoryMb", DEFAULTS.workerMemoryMb, 256, 65536),
    nodeImage: readText(p, raw, "nodeImage", TEXT_RULES.nodeImage) ?? DEFAULTS.nodeImage,
    caddyImage: readText(p, raw, "caddyImage", TEXT_RULES.caddyImage) ?? DEFAULTS.caddyImage,
    repoDir: readRepoDir(p, raw, env.defaultRepoDir, env.files),
    gateway: gateway.settings,
  };
  if (p.list.length > 0) throw new StackConfigError(p.list);
  if (p.deprecations.length > 0) settings.deprecations = p.deprecations;
  return settings;
}

/** Every key the program reads from the `codex-lanes:` namespace. */
export const CONFIG_KEYS = [
  "sshPublicKey",
  "sshPrivateKey",
  "sshKeyName",
  "serverType",
  "location",
  "adminCidrs",
  "domain",
  "acmeEmail",
  "acmeCa",
  "acmeCaRoot",
  "accounts",
  "openaiApiKey",
  "volumeSizeGb",
  "dataVolumeId",
  "masterKey",
  "workerMemoryMb",
  "nodeImage",
  "caddyImage",
  "repoDir",
  "gateway",
] as const;
