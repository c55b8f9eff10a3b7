// gateway/config: loading, validation messages, price table.

import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import fc from "fast-check";
import {
  apiCostUsd,
  BUILTIN_PRICES,
  ConfigError,
  configFileSchema,
  DEFAULT_PRICE_MODEL,
  loadConfig,
  priceFor,
  type Config,
} from "../gateway/config";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "codex-lanes-config-test-"));
after(() => fs.rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => {
  const d = path.join(root, `c${++n}`);
  fs.mkdirSync(d, { recursive: true });
  return d;
};

const HOME = "/home/tester";

function write(dir: string, content: unknown, name = "codex-lanes.json"): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content, null, 2));
  return file;
}

/** Loads and expects a ConfigError; returns its lines. */
function problems(opts: { dir: string; env?: NodeJS.ProcessEnv; path?: string }): string[] {
  try {
    loadConfig({ cwd: opts.dir, env: { HOME, ...opts.env }, path: opts.path });
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    assert.equal(err.exitCode, 2);
    assert.equal(err.message, err.problems.join("\n"));
    assert.ok(!/\n\s+at /.test(err.message), "no stack trace in the message");
    return [...err.problems];
  }
  assert.fail("expected a ConfigError");
}

function badFile(content: unknown, env: NodeJS.ProcessEnv = {}): string[] {
  const dir = freshDir();
  write(dir, content);
  return problems({ dir, env });
}

const defaults = {
  limits: { maxBodyBytes: 10 * 1024 * 1024, maxUploadBytes: 512 * 1024 * 1024, turnTimeoutMs: 300_000 },
  queue: { maxWaiting: 256, maxWaitMs: 60_000 },
  policy: { defaultCooldownMs: 900_000, maxRetries: 2, circuitThreshold: 3, circuitOpenMs: 30_000 },
  rateLimitPollMs: 60_000,
  log: { bodies: false, retentionDays: 90 },
};

const codexDefaults = { worker: null, engine: "app-server", concurrency: 2, maxUsedPercent: null, config: {}, env: {}, models: null, planPriceUsd: null } as const;

describe("where the config comes from", () => {
  test("embedded default without OPENAI_API_KEY: one codex lane on ~/.codex", () => {
    const dir = freshDir();
    const c = loadConfig({ cwd: dir, env: { HOME } });
    assert.deepEqual(c, {
      source: "embedded default",
      listen: { host: "127.0.0.1", port: 8787 },
      dataDir: path.join(dir, "data"),
      lanes: [{ name: "local", type: "codex", home: path.join(HOME, ".codex"), ...codexDefaults }],
      ...defaults,
      prices: { ...BUILTIN_PRICES },
      adminKey: null,
      masterKey: null,
    } satisfies Config);
  });

  test("embedded default with OPENAI_API_KEY and CODEX_HOME: adds the api lane", () => {
    const dir = freshDir();
    const c = loadConfig({ cwd: dir, env: { HOME, OPENAI_API_KEY: "sk-test-key", CODEX_HOME: "homes/me" } });
    assert.deepEqual(c.lanes, [
      { name: "local", type: "codex", home: path.join(dir, "homes/me"), ...codexDefaults },
      {
        name: "api",
        type: "openai",
        baseUrl: "https://api.openai.com/v1",
        apiKey: "sk-test-key",
        apiKeyEnv: "OPENAI_API_KEY",
        concurrency: 8,
        models: "*",
        monthlySpendCapUsd: null,
        timeoutMs: 120_000,
        routes: "*",
      },
    ]);
  });

  test("<cwd>/codex-lanes.json, then CODEX_LANES_CONFIG, then the explicit path win in that order", () => {
    const dir = freshDir();
    write(dir, { lanes: [{ name: "from-cwd", type: "codex" }] });
    const envFile = write(dir, { lanes: [{ name: "from-env", type: "codex" }] }, "env/c.json");
    const argFile = write(dir, { lanes: [{ name: "from-arg", type: "codex" }] }, "arg/c.json");
    const laneOf = (o: { env?: NodeJS.ProcessEnv; path?: string }) => loadConfig({ cwd: dir, env: { HOME, ...o.env }, path: o.path }).lanes[0]!.name;
    assert.equal(laneOf({}), "from-cwd");
    assert.equal(loadConfig({ cwd: dir, env: { HOME } }).source, path.join(dir, "codex-lanes.json"));
    assert.equal(laneOf({ env: { CODEX_LANES_CONFIG: envFile } }), "from-env");
    assert.equal(laneOf({ env: { CODEX_LANES_CONFIG: envFile }, path: argFile }), "from-arg");
    assert.equal(laneOf({ path: "arg/c.json" }), "from-arg", "a relative --config resolves against cwd");
  });

  test("an explicitly given file that does not exist is an error naming it and who gave it", () => {
    const dir = freshDir();
    assert.deepEqual(problems({ dir, path: "missing.json" }), ["missing.json: file not found (given by --config); check the path"]);
    assert.deepEqual(problems({ dir, env: { CODEX_LANES_CONFIG: path.join(dir, "gone.json") } }), [
      "gone.json: file not found (given by CODEX_LANES_CONFIG); check the path",
    ]);
  });
});

describe("a full file", () => {
  const designExample = `{
  "listen": { "host": "0.0.0.0", "port": 9000 },
  "dataDir": "./state",                          // gateway.db; account homes in local mode
  "lanes": [                                     // array order = fallback order
    { "name": "plus-a", "type": "codex",
      "home": "./state/accounts/plus-a",
      "engine": "exec",
      "concurrency": 3,
      "maxUsedPercent": 95,
      "config": { "model_reasoning_effort": "medium", "hide": true, "n": 2 },
      "env": { "CODEX_CA_CERTIFICATE": "/etc/ssl/corp-ca.pem" },
      "models": ["gpt-5.5"], "planPriceUsd": 20 },
    { "name": "plus-b", "type": "codex", "worker": { "url": "http://worker-plus-b:8790/", "tokenEnv": "WORKER_TOKEN_PLUS_B" } },
    { "name": "plus-c", "type": "codex" },
    /* the metered fallback */
    { "name": "api", "type": "openai", "baseUrl": "https://proxy.example/v1/", "apiKeyEnv": "MY_OPENAI_KEY",
      "concurrency": 4, "models": ["gpt-4o", "gpt-5.5"], "monthlySpendCapUsd": 50, "timeoutMs": 60000,
      "routes": ["embeddings", "audio"] }
  ],
  "limits": { "maxBodyBytes": 2097152, "maxUploadBytes": 104857600, "turnTimeoutMs": 120000, "keepThreadMs": 300000 },
  "queue": { "maxWaiting": 10, "maxWaitMs": 5000 },
  "policy": { "defaultCooldownMs": 600000, "maxRetries": 1, "circuitThreshold": 5, "circuitOpenMs": 10000 },
  "rateLimitPollMs": 30000,
  "log": { "bodies": true, "retentionDays": 30 },
  "prices": { "gpt-5.5": { "input": 1, "cachedInput": 0.1, "output": 8 }, "my-model": { "input": 3, "cachedInput": 3, "output": 3 } }
}`;

  test("loads to the exact typed Config; relative paths resolve against the file's directory", () => {
    const cwd = freshDir();
    const file = write(cwd, designExample, "etc/codex-lanes.json");
    const fileDir = path.dirname(file);
    const masterHex = "ab".repeat(32);
    const c = loadConfig({
      cwd,
      path: file,
      env: { HOME, WORKER_TOKEN_PLUS_B: "worker-token-b", MY_OPENAI_KEY: "sk-mine", CODEX_LANES_ADMIN_KEY: "admin-key-that-is-long-enough-1234", CODEX_LANES_MASTER_KEY: masterHex },
    });
    assert.deepEqual(c, {
      source: file,
      listen: { host: "0.0.0.0", port: 9000 },
      dataDir: path.join(fileDir, "state"),
      lanes: [
        {
          name: "plus-a",
          type: "codex",
          home: path.join(fileDir, "state/accounts/plus-a"),
          worker: null,
          engine: "exec",
          concurrency: 3,
          maxUsedPercent: 95,
          config: { model_reasoning_effort: "medium", hide: true, n: 2 },
          env: { CODEX_CA_CERTIFICATE: "/etc/ssl/corp-ca.pem" },
          models: ["gpt-5.5"],
          planPriceUsd: 20,
        },
        { name: "plus-b", type: "codex", ...codexDefaults, home: null, worker: { url: "http://worker-plus-b:8790", token: "worker-token-b" } },
        { name: "plus-c", type: "codex", ...codexDefaults, home: path.join(fileDir, "state", "accounts", "plus-c") },
        {
          name: "api",
          type: "openai",
          baseUrl: "https://proxy.example/v1",
          apiKey: "sk-mine",
          apiKeyEnv: "MY_OPENAI_KEY",
          concurrency: 4,
          models: ["gpt-4o", "gpt-5.5"],
          monthlySpendCapUsd: 50,
          timeoutMs: 60_000,
          routes: ["embeddings", "audio"],
        },
      ],
      limits: { maxBodyBytes: 2_097_152, maxUploadBytes: 104_857_600, turnTimeoutMs: 120_000, keepThreadMs: 300_000 },
      queue: { maxWaiting: 10, maxWaitMs: 5000 },
      policy: { defaultCooldownMs: 600_000, maxRetries: 1, circuitThreshold: 5, circuitOpenMs: 10_000 },
      rateLimitPollMs: 30_000,
      log: { bodies: true, retentionDays: 30 },
      prices: { ...BUILTIN_PRICES, "gpt-5.5": { input: 1, cachedInput: 0.1, output: 8 }, "my-model": { input: 3, cachedInput: 3, output: 3 } },
      adminKey: "admin-key-that-is-long-enough-1234",
      masterKey: Buffer.from(masterHex, "hex"),
    } satisfies Config);
  });

  test("an OpenAI lane without its key in the environment loads with apiKey null", () => {
    const dir = freshDir();
    write(dir, { lanes: [{ name: "api", type: "openai" }] });
    const lane = loadConfig({ cwd: dir, env: { HOME } }).lanes[0]!;
    assert.equal(lane.type === "openai" && lane.apiKey, null);
  });

  test("~ in paths is the user's home; absolute paths stay", () => {
    const dir = freshDir();
    write(dir, { dataDir: "~/cl-data", lanes: [{ name: "a", type: "codex", home: "/abs/home-a" }, { name: "b", type: "codex", home: "~/b" }] });
    const c = loadConfig({ cwd: dir, env: { HOME } });
    assert.equal(c.dataDir, path.join(HOME, "cl-data"));
    assert.deepEqual(c.lanes.map((l) => l.type === "codex" && l.home), ["/abs/home-a", path.join(HOME, "b")]);
  });

  test("PORT, CODEX_LANES_PORT and CODEX_LANES_HOST override listen; ours wins over PORT", () => {
    const dir = freshDir();
    write(dir, { listen: { host: "127.0.0.1", port: 1000 }, lanes: [{ name: "a", type: "codex" }] });
    const listen = (env: NodeJS.ProcessEnv) => loadConfig({ cwd: dir, env: { HOME, ...env } }).listen;
    assert.deepEqual(listen({ PORT: "3000" }), { host: "127.0.0.1", port: 3000 });
    assert.deepEqual(listen({ PORT: "3000", CODEX_LANES_PORT: "4000", CODEX_LANES_HOST: "0.0.0.0" }), { host: "0.0.0.0", port: 4000 });
    assert.deepEqual(problems({ dir, env: { PORT: "80a" } }), ['environment variable PORT: must be a port number from 0 to 65535 (got "80a")']);
  });

  test("master key as base64, base64url or hex", () => {
    const dir = freshDir();
    const bytes = Buffer.from(Array.from({ length: 32 }, (_, i) => 250 - i));
    for (const v of [bytes.toString("base64"), bytes.toString("base64url"), bytes.toString("hex"), ` ${bytes.toString("base64")}\n`]) {
      assert.deepEqual(loadConfig({ cwd: dir, env: { HOME, CODEX_LANES_MASTER_KEY: v } }).masterKey, bytes, v);
    }
  });
});

describe("bad input: a ConfigError naming the file, the field and what to do", () => {
  test("invalid JSON gives line and column", () => {
    assert.deepEqual(badFile('{\n  "lanes": [\n    { "name": "a" "type": "codex" }\n  ]\n}'), [
      'codex-lanes.json: line 3, column 19: invalid JSON: expected "," or "}" after a property value',
    ]);
    assert.deepEqual(badFile('{\n  "lanes": [],\n}'), ['codex-lanes.json: line 3, column 1: invalid JSON: trailing comma before "}" is not allowed']);
    assert.deepEqual(badFile("{ 'lanes': [] }"), ["codex-lanes.json: line 1, column 3: invalid JSON: strings need double quotes, not single quotes"]);
    assert.deepEqual(badFile('{"lanes": [], "lanes": []}'), ['codex-lanes.json: line 1, column 15: invalid JSON: duplicate key "lanes"']);
    assert.deepEqual(badFile(""), ["codex-lanes.json: line 1, column 1: invalid JSON: unexpected end of file: a value is missing"]);
    assert.deepEqual(badFile('{"lanes": [1, 2]} x'), ["codex-lanes.json: line 1, column 19: invalid JSON: unexpected text after the end of the JSON value"]);
  });

  test("unknown key, with a suggestion", () => {
    const lines = badFile({ lanes: [{ name: "a", type: "codex", concurency: 3 }] });
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /^codex-lanes\.json: lanes\[0\]\.concurency: unknown key \(did you mean "concurrency"\?\); allowed here: name, type, home, worker/);
    assert.match(badFile({ lanes: [{ name: "a", type: "codex" }], extra: true })[0]!, /^codex-lanes\.json: extra: unknown key; allowed here: listen, dataDir, lanes/);
    assert.match(badFile({ lanes: [{ name: "a", type: "codex" }], log: { body: true } })[0]!, /^codex-lanes\.json: log\.body: unknown key \(did you mean "bodies"\?\)/);
    // A "__proto__" key is a plain unknown key, not a prototype change.
    assert.match(badFile('{"lanes": [{"name": "a", "type": "codex"}], "__proto__": {"x": 1}}')[0]!, /__proto__: unknown key/);
  });

  test("wrong types and out-of-range values", () => {
    assert.deepEqual(badFile({ lanes: [{ name: "a", type: "codex" }, { name: "b", type: "codex", concurrency: "two" }] }), [
      'codex-lanes.json: lanes[1].concurrency: must be an integer from 1 to 64 (got "two")',
    ]);
    assert.deepEqual(
      badFile({
        listen: { port: 70000 },
        lanes: [
          { name: "a", type: "codex", engine: "turbo", maxUsedPercent: 0 },
          { name: "api", type: "openai", baseUrl: "ftp://x", models: [], routes: ["embeddings", "chat.completions", "Audio/Speech"] },
          { name: "x", type: "claude" },
        ],
        log: { bodies: "yes" },
        limits: { keepThreadMs: -1 },
      }),
      [
        "codex-lanes.json: listen.port: must be an integer from 0 to 65535 (got 70000)",
        'codex-lanes.json: lanes[0].engine: must be "app-server" or "exec" (got "turbo")',
        "codex-lanes.json: lanes[0].maxUsedPercent: must be a number from 1 to 100 (got 0)",
        'codex-lanes.json: lanes[1].baseUrl: must be an http:// or https:// URL (got "ftp://x")',
        'codex-lanes.json: lanes[1].models: must be "*" (any model) or a non-empty list of model names (got an empty list)',
        'codex-lanes.json: lanes[1].routes[1]: is served by the gateway itself, not passed through; list only other routes (got "chat.completions")',
        'codex-lanes.json: lanes[1].routes[2]: must be a route name like "embeddings", "audio.speech" or "audio" (every audio route) (got "Audio/Speech")',
        'codex-lanes.json: lanes[2].type: must be "codex" (a ChatGPT account) or "openai" (an API key) (got "claude")',
        "codex-lanes.json: limits.keepThreadMs: must be an integer from 0 to 3600000 (got -1)",
        'codex-lanes.json: log.bodies: must be true or false (got "yes")',
      ],
    );
    assert.deepEqual(badFile({ lanes: [] }), ["codex-lanes.json: lanes: must list at least one lane (got an empty list)"]);
    assert.deepEqual(badFile({}), ["codex-lanes.json: lanes: missing; must be a list of lanes"]);
    assert.deepEqual(badFile([]), ["codex-lanes.json: must be an object { ... } (got an empty list)"]);
    assert.deepEqual(badFile({ lanes: [{ type: "codex" }] }), [
      'codex-lanes.json: lanes[0].name: missing; must be 1-32 characters of a-z, 0-9 and "-", starting with a letter or digit',
    ]);
  });

  test("bad and duplicate lane names", () => {
    assert.deepEqual(badFile({ lanes: [{ name: "Plus_A", type: "codex" }] }), [
      'codex-lanes.json: lanes[0].name: must be 1-32 characters of a-z, 0-9 and "-", starting with a letter or digit (got "Plus_A")',
    ]);
    assert.deepEqual(badFile({ lanes: [{ name: "-a", type: "codex" }, { name: "a".repeat(33), type: "codex" }] }).length, 2);
    assert.deepEqual(badFile({ lanes: [{ name: "a", type: "codex" }, { name: "b", type: "openai" }, { name: "a", type: "openai" }] }), [
      "codex-lanes.json: lanes[2].name: duplicate lane name (lanes[0] has it too); lane names must be unique",
    ]);
  });

  test("worker lanes: token variable missing, or both home and worker", () => {
    const worker = { url: "http://w:8790", tokenEnv: "WORKER_TOKEN_B" };
    assert.deepEqual(badFile({ lanes: [{ name: "b", type: "codex", worker }] }), [
      "codex-lanes.json: lanes[0].worker.tokenEnv: environment variable WORKER_TOKEN_B is not set; set it to the bearer token of the worker at http://w:8790",
    ]);
    // A URL with credentials in it is printed without them.
    assert.deepEqual(badFile({ lanes: [{ name: "b", type: "codex", worker: { ...worker, url: "https://me:pw-secret@w.example/base?k=q-secret" } }] }), [
      "codex-lanes.json: lanes[0].worker.tokenEnv: environment variable WORKER_TOKEN_B is not set; set it to the bearer token of the worker at https://w.example/base",
    ]);
    assert.deepEqual(badFile({ lanes: [{ name: "b", type: "codex", worker, home: "./h" }] }, { WORKER_TOKEN_B: "t" }), [
      'codex-lanes.json: lanes[0]: has both "home" and "worker": use "home" for an account run by this gateway, or "worker" for an account container, not both',
    ]);
  });

  test("bad master key and short admin key say how to generate one", () => {
    const dir = freshDir();
    assert.deepEqual(problems({ dir, env: { CODEX_LANES_MASTER_KEY: "too-short", CODEX_LANES_ADMIN_KEY: "short" } }), [
      "environment variable CODEX_LANES_ADMIN_KEY: too short (5 characters; at least 24); generate one with: openssl rand -base64 32",
      "environment variable CODEX_LANES_MASTER_KEY: must be exactly 32 bytes written as base64 (44 characters) or hex (64 characters); generate one with: openssl rand -base64 32",
    ]);
    // 31 and 33 bytes are refused too.
    for (const len of [31, 33]) {
      assert.equal(problems({ dir, env: { CODEX_LANES_MASTER_KEY: Buffer.alloc(len, 1).toString("base64") } }).length, 1);
    }
  });

  test("several problems are all reported, one per line, even when a cross-field check would be skipped", () => {
    const lines = badFile({ lanes: [{ name: "a", type: "codex", concurrency: 0 }, { name: "a", type: "codex", colour: "red" }] });
    assert.deepEqual(lines, [
      "codex-lanes.json: lanes[0].concurrency: must be an integer from 1 to 64 (got 0)",
      "codex-lanes.json: lanes[1].colour: unknown key; allowed here: name, type, home, worker, engine, concurrency, maxUsedPercent, config, env, models, plan, planPriceUsd",
      "codex-lanes.json: lanes[1].name: duplicate lane name (lanes[0] has it too); lane names must be unique",
    ]);
  });

  test("no secret value ever appears in an error message", () => {
    const secrets = {
      WORKER_TOKEN_A: "worker-secret-AAAA-1111",
      OPENAI_API_KEY: "sk-proj-openai-secret-9999",
      CODEX_LANES_ADMIN_KEY: "adm1n-Secret",
      CODEX_LANES_MASTER_KEY: "master-SECRET-not-base64-0123456789-abcdefgh",
    };
    const pasted = ["sk-proj-PASTEDkey1234567890", "ghp_PastedGithubToken123456", "AbCdEfGh1234567890XyZwVu", "url-pass-secret", "query-secret"];
    const lines = badFile(
      {
        lanes: [
          { name: "a", type: "codex", worker: { url: "http://w", tokenEnv: pasted[1] } },
          { name: "api", type: "openai", apiKeyEnv: pasted[0] },
          { name: "c", type: "codex", worker: { url: "http://admin:url-pass-secret@w/?token=query-secret", tokenEnv: "MISSING_TOKEN" } },
          { name: "e", type: "openai", baseUrl: "ftp://u:url-pass-secret2@x" },
          { name: "d", type: "codex", env: { X: 1 }, config: { model: pasted[2] }, home: pasted[2], concurrency: pasted[2] },
        ],
      },
      secrets,
    );
    assert.ok(lines.length >= 4, lines.join("\n"));
    const text = lines.join("\n");
    for (const s of [...Object.values(secrets), ...pasted]) assert.ok(!text.includes(s), `secret leaked: ${s.slice(0, 4)}...`);
    assert.match(text, /lanes\[1\]\.apiKeyEnv: must be the name of an environment variable .*not its value \(got a string of 27 characters\)/);

    const envLines = problems({ dir: freshDir(), env: secrets });
    for (const s of Object.values(secrets)) assert.ok(!envLines.join("\n").includes(s));
  });
});

describe("prices", () => {
  test("cached input at the cached rate, reasoning inside output, per million tokens", () => {
    const usage = { input_tokens: 1_000_000, cached_input_tokens: 200_000, output_tokens: 100_000, reasoning_tokens: 60_000 };
    // gpt-4o: 800k * 2.5 + 200k * 1.25 + 100k * 10, per 1M
    assert.equal(apiCostUsd("gpt-4o", usage, BUILTIN_PRICES), 2 + 0.25 + 1);
    assert.equal(apiCostUsd("gpt-4o-2024-08-06", usage, BUILTIN_PRICES), 3.25, "dated snapshot -> base model");
    assert.equal(apiCostUsd("gpt-4o-mini", usage, {}), 0.8 * 0.15 + 0.2 * 0.075 + 0.1 * 0.6);
    assert.equal(apiCostUsd("x", { input_tokens: 0, cached_input_tokens: 0, output_tokens: 0, reasoning_tokens: 0 }, {}), 0);
  });

  test("config prices override, unknown models fall back to the default model, variants to their family", () => {
    const dir = freshDir();
    write(dir, { lanes: [{ name: "a", type: "codex" }], prices: { "gpt-4o": { input: 1, cachedInput: 1, output: 1 } } });
    const { prices } = loadConfig({ cwd: dir, env: { HOME } });
    const usage = { input_tokens: 1_000_000, cached_input_tokens: 0, output_tokens: 1_000_000, reasoning_tokens: 0 };
    assert.equal(apiCostUsd("gpt-4o", usage, prices), 2);
    assert.deepEqual(priceFor("totally-unknown", prices), BUILTIN_PRICES[DEFAULT_PRICE_MODEL]);
    assert.deepEqual(priceFor("gpt-5.5-codex-high", prices), BUILTIN_PRICES["gpt-5.5"]);
    assert.deepEqual(priceFor("gpt-4o-mini-2024-07-18", prices), BUILTIN_PRICES["gpt-4o-mini"], "longest family prefix wins");
    for (const m of ["gpt-5.5", "gpt-5.4", "gpt-6.1-sol", "gpt-6-sol", "gpt-6-astra", "gpt-6-luna", "gpt-4.1", "gpt-4o", "gpt-4o-mini", "o3", "o4-mini", "gpt-5.1-codex", "gpt-5-codex"]) {
      assert.ok(BUILTIN_PRICES[m], `built-in price for ${m}`);
    }
  });
});

describe("property: any config the schema accepts round-trips through JSON and loads to the same Config", () => {
  const laneName = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,31}$/);
  const text = fc.string({ minLength: 1, maxLength: 12 });
  const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
  const codexLane = (name: string) =>
    fc.record(
      {
        name: fc.constant(name),
        type: fc.constant("codex" as const),
        home: opt(fc.constantFrom("./h", "/abs/h", "~/h", "rel/deeper")),
        engine: opt(fc.constantFrom("app-server" as const, "exec" as const)),
        concurrency: opt(fc.integer({ min: 1, max: 64 })),
        maxUsedPercent: opt(fc.double({ min: 1, max: 100, noNaN: true })),
        config: opt(fc.dictionary(text, fc.oneof(text, fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean()), { maxKeys: 3 })),
        env: opt(fc.dictionary(text, text, { maxKeys: 3 })),
        models: opt(fc.array(text, { maxLength: 3 })),
        planPriceUsd: opt(fc.double({ min: 0, max: 1000, noNaN: true })),
      },
      { requiredKeys: ["name", "type"] },
    );
  const workerLane = (name: string) =>
    fc.record({
      name: fc.constant(name),
      type: fc.constant("codex" as const),
      worker: fc.record({ url: fc.constantFrom("http://w:8790", "https://x.example/path/"), tokenEnv: fc.constant("TOKEN") }),
    });
  const openaiLane = (name: string) =>
    fc.record(
      {
        name: fc.constant(name),
        type: fc.constant("openai" as const),
        baseUrl: opt(fc.webUrl()),
        apiKeyEnv: opt(fc.constantFrom("OPENAI_API_KEY", "OTHER_KEY", "UNSET_KEY")),
        concurrency: opt(fc.integer({ min: 1, max: 1024 })),
        models: opt(fc.oneof(fc.constant("*" as const), fc.array(text, { minLength: 1, maxLength: 3 }))),
        monthlySpendCapUsd: opt(fc.double({ min: 0, max: 1e6, noNaN: true })),
        timeoutMs: opt(fc.integer({ min: 1000, max: 3_600_000 })),
      },
      { requiredKeys: ["name", "type"] },
    );
  const price = fc.record({ input: fc.double({ min: 0, max: 100, noNaN: true }), cachedInput: fc.double({ min: 0, max: 100, noNaN: true }), output: fc.double({ min: 0, max: 100, noNaN: true }) });
  const configFile = fc
    .uniqueArray(laneName, { minLength: 1, maxLength: 4 })
    .chain((names) => fc.tuple(...names.map((name) => fc.oneof(codexLane(name), workerLane(name), openaiLane(name)))))
    .chain((lanes) =>
      fc.record(
        {
          listen: opt(fc.record({ host: opt(fc.constantFrom("127.0.0.1", "0.0.0.0", "::1")), port: opt(fc.integer({ min: 0, max: 65535 })) }, { requiredKeys: [] })),
          dataDir: opt(fc.constantFrom("./data", "/var/lib/cl", "d")),
          lanes: fc.constant(lanes),
          limits: opt(fc.record({ maxBodyBytes: opt(fc.integer({ min: 1024, max: 512 * 1024 * 1024 })) }, { requiredKeys: [] })),
          queue: opt(fc.record({ maxWaiting: opt(fc.integer({ min: 0, max: 100_000 })), maxWaitMs: opt(fc.integer({ min: 0, max: 3_600_000 })) }, { requiredKeys: [] })),
          rateLimitPollMs: opt(fc.integer({ min: 1000, max: 86_400_000 })),
          log: opt(fc.record({ bodies: opt(fc.boolean()), retentionDays: opt(fc.integer({ min: 1, max: 3650 })) }, { requiredKeys: [] })),
          prices: opt(fc.dictionary(text, price, { maxKeys: 3 })),
        },
        { requiredKeys: ["lanes"] },
      ),
    );

  test("normalized file -> JSON -> load equals the original's Config", () => {
    const env = { HOME, TOKEN: "tok", OPENAI_API_KEY: "sk-a", OTHER_KEY: "sk-b" };
    fc.assert(
      fc.property(configFile, (raw) => {
        const parsed = configFileSchema.safeParse(raw);
        assert.ok(parsed.success, "the generator stays inside the schema");
        const dir = freshDir();
        const a = loadConfig({ cwd: dir, env, path: write(dir, raw, "a/c.json") });
        const b = loadConfig({ cwd: dir, env, path: write(dir, JSON.stringify(parsed.data), "a/c2.json") });
        assert.deepEqual({ ...b, source: a.source }, a);
        const json = JSON.stringify(parsed.data);
        assert.equal(JSON.stringify(configFileSchema.parse(JSON.parse(json))), json, "parsing its own output changes nothing");
      }),
      { numRuns: 150 },
    );
  });
});
