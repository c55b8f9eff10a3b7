// The config file's schema, exactly the contract in DESIGN.md plus optional tuning sections.
// Objects are strict: an unknown key (usually a typo) is an error, not silently ignored.
// Messages are written for the person editing the file; issues.ts adds the file, the path and
// the value that was found.

import { z } from "zod";
import { knownPlanNames, PLAN_NAMES, resolvePlanName } from "../calc/plans";
import { CODEX_CONCURRENCY, LANE_NAME } from "./rules";
import { looksSecret } from "./secret-shape";

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const ALLOWED_PREFIX = "allowed here: ";

const MB = 1024 * 1024;
const GB = 1024 * MB;
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

// ---------- field helpers: every failure of a field gets the same plain-language message ----------

/** A strict object whose unknown-key message lists the keys allowed there (issues.ts turns it into one line per key). */
function strict<S extends z.ZodRawShape>(shape: S) {
  const allowed = Object.keys(shape).join(", ");
  return z.strictObject(shape, {
    error: (iss) => (iss.code === "unrecognized_keys" ? `${ALLOWED_PREFIX}${allowed}` : "must be an object { ... }"),
  });
}

function int(min: number, max: number) {
  const error = `must be an integer from ${min} to ${max}`;
  return z.int({ error }).min(min, { error }).max(max, { error });
}

function num(min: number, max?: number) {
  const error = max === undefined ? `must be a number, at least ${min}` : `must be a number from ${min} to ${max}`;
  const n = z.number({ error }).min(min, { error });
  return max === undefined ? n : n.max(max, { error });
}

const nonEmpty = (what = "a non-empty string") => z.string({ error: `must be ${what}` }).min(1, { error: `must be ${what}` });

const LANE_NAME_ERROR = 'must be 1-32 characters of a-z, 0-9 and "-", starting with a letter or digit';
const laneName = z.string({ error: LANE_NAME_ERROR }).regex(LANE_NAME, { error: LANE_NAME_ERROR });

const ENV_NAME_ERROR = "must be the name of an environment variable (letters, digits and _), not its value";
// A token pasted here by mistake may still match ENV_NAME (ghp_..., long mixed-case): refuse it
// here, so no later message ("variable X is not set") can repeat it.
const envName = z
  .string({ error: ENV_NAME_ERROR })
  .regex(ENV_NAME, { error: ENV_NAME_ERROR })
  .refine((s) => !looksSecret(s), { error: `${ENV_NAME_ERROR}; this looks like a secret: put it in an environment variable and write that variable's name here` });

const httpUrl = z.string({ error: "must be an http:// or https:// URL" }).refine(
  (s) => {
    try {
      const u = new URL(s);
      return (u.protocol === "http:" || u.protocol === "https:") && u.host !== "";
    } catch {
      return false;
    }
  },
  { error: "must be an http:// or https:// URL" },
);

const modelList = z.array(nonEmpty("a model name"), { error: "must be a list of model names" });

// ---------- lanes ----------

export const codexLaneSchema = strict({
  name: laneName,
  type: z.literal("codex"),
  home: nonEmpty("a directory path").optional(),
  worker: strict({ url: httpUrl, tokenEnv: envName }).optional(),
  engine: z.enum(["app-server", "exec"], { error: 'must be "app-server" or "exec"' }).default("app-server"),
  concurrency: int(CODEX_CONCURRENCY.min, CODEX_CONCURRENCY.max).default(CODEX_CONCURRENCY.default),
  maxUsedPercent: num(1, 100).optional(),
  config: z
    .record(z.string(), z.union([z.string(), z.number(), z.boolean()], { error: "must be a string, number or boolean" }), {
      error: 'must be an object of codex "-c" overrides, e.g. { "model_reasoning_effort": "medium" }',
    })
    .default({}),
  env: z
    .record(z.string(), z.string({ error: "must be a string" }), { error: "must be an object of environment variables" })
    .default({}),
  models: modelList.optional(),
  // Checked against the plan table (and calc.plans) in crossCheck, which names the allowed plans.
  plan: z.string({ error: 'must be a plan name, e.g. "plus" or "pro-5x"' }).optional(),
  planPriceUsd: num(0).optional(),
});

const ROUTES_ERROR = 'must be "*" (every route) or a non-empty list of routes to pass through, e.g. ["embeddings", "audio"]';
/** Gateway-served routes are never passed through, so listing them would promise something that does not happen. */
const OWN_ROUTES = ["chat", "chat.completions", "responses", "models"];
const passRoute = z
  .string({ error: "must be a route name" })
  .regex(/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$/, { error: 'must be a route name like "embeddings", "audio.speech" or "audio" (every audio route)' })
  .refine((r) => !OWN_ROUTES.includes(r), { error: "is served by the gateway itself, not passed through; list only other routes" });

const ANY_OR_LIST = 'must be "*" (any model) or a non-empty list of model names';

export const openaiLaneSchema = strict({
  name: laneName,
  type: z.literal("openai"),
  baseUrl: httpUrl.default("https://api.openai.com/v1"),
  apiKeyEnv: envName.default("OPENAI_API_KEY"),
  concurrency: int(1, 1024).default(8),
  models: z
    .union([z.literal("*"), z.array(nonEmpty("a model name"), { error: ANY_OR_LIST }).min(1, { error: ANY_OR_LIST })], {
      error: ANY_OR_LIST,
    })
    .default("*"),
  monthlySpendCapUsd: num(0).optional(),
  timeoutMs: int(SECOND, HOUR).default(120_000),
  routes: z
    .union([z.literal("*"), z.array(passRoute, { error: ROUTES_ERROR }).min(1, { error: ROUTES_ERROR })], { error: ROUTES_ERROR })
    .default("*"),
});

const laneSchema = z.discriminatedUnion("type", [codexLaneSchema, openaiLaneSchema], {
  error: 'must be "codex" (a ChatGPT account) or "openai" (an API key)',
});

const modelPriceSchema = strict({ input: num(0), cachedInput: num(0), output: num(0) });

const PLAN_KEY_ERROR = 'must be 1-32 characters of a-z, 0-9 and "-" (e.g. "plus", "pro-5x")';
const calcSchema = strict({
  plans: z
    .record(
      z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, { error: PLAN_KEY_ERROR }),
      // A built-in plan takes any of these; a new one needs priceUsd and capacityUsd (crossCheck).
      strict({ priceUsd: num(0).optional(), capacityUsd: num(1).optional(), label: nonEmpty("a short label").optional() }),
      { error: 'must be an object of plans, e.g. { "pro-5x": { "capacityUsd": 3000 } }' },
    )
    .default({}),
});

// ---------- the file ----------

/**
 * The file's own settings: every section but listen, dataDir and lanes. A Pulumi stack sets exactly
 * these through its `gateway` setting, checked with `tuningSchema` (pulumi/settings.ts).
 */
export const tuningShape = {
  limits: strict({
    maxBodyBytes: int(1024, 512 * MB).default(10 * MB),
    // Multipart and binary bodies passed through to an API-key lane (files, audio, image edits). Streamed, never held in memory.
    maxUploadBytes: int(1024, 64 * GB).default(512 * MB),
    turnTimeoutMs: int(SECOND, HOUR).default(300_000),
    // Absent: the app-server engine's default (gateway/codex/held-turns.ts). 0 never holds a turn.
    toolHoldMs: int(0, HOUR).optional(),
    // Absent: the app-server engine's default (gateway/codex/kept-threads.ts). 0 keeps no thread.
    keepThreadMs: int(0, HOUR).optional(),
  }).prefault({}),
  queue: strict({ maxWaiting: int(0, 100_000).default(256), maxWaitMs: int(0, HOUR).default(60_000) }).prefault({}),
  policy: strict({
    defaultCooldownMs: int(SECOND, 7 * DAY).default(900_000),
    maxRetries: int(0, 10).default(2),
    circuitThreshold: int(1, 100).default(3),
    circuitOpenMs: int(SECOND, DAY).default(30_000),
  }).prefault({}),
  rateLimitPollMs: int(SECOND, DAY).default(60_000),
  log: strict({ bodies: z.boolean({ error: "must be true or false" }).default(false), retentionDays: int(1, 3650).default(90) }).prefault({}),
  prices: z
    .record(nonEmpty("a model name"), modelPriceSchema, { error: 'must be an object of model prices, e.g. { "gpt-5.5": { "input": 1.25, "cachedInput": 0.125, "output": 10 } }' })
    .default({}),
  calc: calcSchema.optional(),
};
export const tuningSchema = strict(tuningShape);
export type TuningInput = z.input<typeof tuningSchema>;

export const configFileSchema = strict({
  listen: strict({ host: nonEmpty("a host name or IP address").default("127.0.0.1"), port: int(0, 65535).default(8787) }).prefault({}),
  dataDir: nonEmpty("a directory path").default("./data"),
  lanes: z
    .array(laneSchema, { error: "must be a list of lanes" })
    .min(1, { error: "must list at least one lane" }),
  ...tuningShape,
}).superRefine((file, ctx) => {
  for (const p of crossCheck(file)) ctx.addIssue({ code: "custom", path: p.path, message: p.message, params: { crossField: true } });
});

export type ConfigFile = z.output<typeof configFileSchema>;
export type ConfigFileInput = z.input<typeof configFileSchema>;

// ---------- checks across fields ----------

export interface Problem {
  path: (string | number)[];
  message: string;
}

/**
 * Rules that span fields: unique lane names, home XOR worker, plan names known to the plan table
 * or calc.plans. Written against unknown input so the loader can run them even when zod stopped
 * early on another problem (all problems at once).
 */
export function crossCheck(raw: unknown): Problem[] {
  const problems = planProblems(raw);
  const lanes = (raw as { lanes?: unknown } | null)?.lanes;
  if (!Array.isArray(lanes)) return problems;
  const first = new Map<string, number>();
  lanes.forEach((lane: unknown, i) => {
    if (lane === null || typeof lane !== "object") return;
    const l = lane as Record<string, unknown>;
    if (typeof l.name === "string") {
      const prev = first.get(l.name);
      if (prev === undefined) first.set(l.name, i);
      else problems.push({ path: ["lanes", i, "name"], message: `duplicate lane name (lanes[${prev}] has it too); lane names must be unique` });
    }
    if (l.type === "codex" && l.home !== undefined && l.worker !== undefined) {
      problems.push({
        path: ["lanes", i],
        message: 'has both "home" and "worker": use "home" for an account run by this gateway, or "worker" for an account container, not both',
      });
    }
  });
  return problems;
}

function planProblems(raw: unknown): Problem[] {
  const problems: Problem[] = [];
  const calcPlans = (raw as { calc?: { plans?: unknown } } | null)?.calc?.plans;
  const custom: string[] = [];
  if (calcPlans !== null && typeof calcPlans === "object" && !Array.isArray(calcPlans)) {
    const seen = new Map<string, string>();
    for (const [name, row] of Object.entries(calcPlans as Record<string, unknown>)) {
      const key = resolvePlanName(name).plan;
      const other = seen.get(key);
      if (other !== undefined) problems.push({ path: ["calc", "plans", name], message: `names the same plan as "${other}"; keep one of them` });
      seen.set(key, name);
      if ((PLAN_NAMES as readonly string[]).includes(key)) continue;
      custom.push(key);
      const r = row !== null && typeof row === "object" ? (row as Record<string, unknown>) : {};
      if (r.priceUsd === undefined || r.capacityUsd === undefined) {
        problems.push({ path: ["calc", "plans", name], message: `is not a built-in plan (${PLAN_NAMES.join(", ")}), so it needs both "priceUsd" and "capacityUsd"` });
      }
    }
  }
  const lanes = (raw as { lanes?: unknown } | null)?.lanes;
  if (!Array.isArray(lanes)) return problems;
  const known = knownPlanNames(custom);
  lanes.forEach((lane: unknown, i) => {
    const plan = lane !== null && typeof lane === "object" ? (lane as Record<string, unknown>).plan : undefined;
    if (typeof plan !== "string" || known.includes(resolvePlanName(plan).plan)) return;
    problems.push({ path: ["lanes", i, "plan"], message: `${JSON.stringify(plan.slice(0, 40))} is not a known plan; use one of ${known.join(", ")} (or define it under calc.plans)` });
  });
  return problems;
}
