// How Codex is started, seen from outside and inside the real pinned Codex process (Linux /proc)
// while it works on a turn against the fake ChatGPT backend: chat-only argv, the read-only sandbox
// Codex reports upstream, and an environment with none of the gateway's secrets in it.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import type { ChatRequest, TurnEvent } from "../gateway/chat/types";
import type { CodexLaneConfig, Engine } from "../gateway/config/types";
import { codexBinary } from "../gateway/codex/binary";
import { configArgs, DEFAULT_ON_FEATURES, disabledFeatures } from "../gateway/codex/hardening";
import { LocalCodexLane } from "../gateway/codex/local-lane";
import { startFakeChatGPT, type FakeChatGPT } from "./fakes/chatgpt";
import { makeHome } from "./fakes/codex-run";
import { waitFor } from "./helpers/wait";

const quiet = { info() {}, warn() {} };

/** What a deployed gateway has in its environment: none of it may reach a Codex child. */
const GATEWAY_SECRETS: Record<string, string> = {
  CODEX_LANES_MASTER_KEY: "master-key-SECRET-AAAAAAAAAAAAAAAAAAAAAAAAAAAA",
  CODEX_LANES_ADMIN_KEY: "admin-key-SECRET-BBBBBBBBBBBBBBBB",
  WORKER_TOKEN_PLUS_B: "worker-token-SECRET-CCCCCCCCCCCC",
  OPENAI_API_KEY: "sk-SECRET-parent-DDDDDDDDDDDDDDDD",
  CODEX_API_KEY: "sk-SECRET-codex-EEEEEEEEEEEEEEEE",
  CODEX_ACCESS_TOKEN: "access-SECRET-FFFFFFFFFFFFFFFF",
  // Secrets under names a deployment chooses (apiKeyEnv, tokenEnv) or a CI runner sets: only an
  // allowlist keeps these out.
  MY_OPENAI_KEY: "sk-SECRET-custom-apikeyenv-HHHHHHHHHH",
  PLUS_B_WORKER_SECRET: "worker-SECRET-custom-tokenenv-IIIII",
  GITHUB_TOKEN: "ghp_SECRET_JJJJJJJJJJJJJJJJJJJJJJJJ",
};
/** A lane's own env may not bring an API key back either: it would replace the ChatGPT sign-in. */
const LANE_ENV_KEY = "sk-SECRET-lane-env-GGGGGGGGGGGGGG";

interface Proc {
  pid: number;
  argv: string[];
  env: Map<string, string>;
}

/** Codex processes (the native binary) whose CODEX_HOME is `home`. */
function codexProcesses(home: string): Proc[] {
  const out: Proc[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const env = readFileSync(`/proc/${entry}/environ`, "utf8").split("\0").filter(Boolean);
      if (!env.includes(`CODEX_HOME=${home}`)) continue;
      const argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").filter(Boolean);
      out.push({ pid: Number(entry), argv, env: new Map(env.map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)])) });
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

/** The value of each `-c key=value` and every `--disable` feature on a command line. */
function flags(argv: string[]): { config: Map<string, string>; disabled: string[] } {
  const config = new Map<string, string>();
  const disabled: string[] = [];
  for (let i = 0; i < argv.length - 1; i++) {
    if (argv[i] === "-c") {
      const kv = argv[i + 1]!;
      config.set(kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1));
    } else if (argv[i] === "--disable") disabled.push(argv[i + 1]!);
  }
  return { config, disabled };
}

function chat(text: string): ChatRequest {
  return { model: "gpt-5.5", messages: [{ role: "user", content: [{ type: "text", text }] }], stream: true, includeUsage: true };
}

/** `codex features list` of the pinned binary: name, stage, on by default. */
function pinnedFeatures(): Array<{ name: string; stage: string; on: boolean }> {
  const home = makeHome("features-");
  try {
    const out = execFileSync(codexBinary(), ["features", "list"], { env: { PATH: process.env.PATH, HOME: process.env.HOME, CODEX_HOME: home.dir }, encoding: "utf8" });
    return out
      .trim()
      .split("\n")
      .map((line) => line.trim().split(/\s+/))
      .map((w) => ({ name: w[0]!, stage: w.slice(1, -1).join(" "), on: w.at(-1) === "true" }));
  } finally {
    home.cleanup();
  }
}

describe("codex features by allowlist", () => {
  test("every feature the pinned codex turns on by default is classified, and every one a chat turn does not keep is disabled", () => {
    const features = pinnedFeatures();
    assert.ok(features.length > 100, `codex features list gave ${features.length} lines`);
    const onByDefault = features.filter((f) => f.on && f.stage !== "removed").map((f) => f.name);
    const unclassified = onByDefault.filter((n) => !(n in DEFAULT_ON_FEATURES));
    assert.deepEqual(unclassified, [], "classify these in gateway/codex/hardening.ts DEFAULT_ON_FEATURES (keep, with why, or off)");
    const kept = onByDefault.filter((n) => !disabledFeatures().includes(n));
    assert.deepEqual(kept.sort(), Object.keys(DEFAULT_ON_FEATURES).filter((n) => DEFAULT_ON_FEATURES[n] !== "off").sort());
    assert.ok(disabledFeatures().every((n) => configArgs({}).join(" ").includes(`--disable ${n}`)));
  });
});

const ENGINES: { engine: Engine; verb: string }[] = [
  { engine: "app-server", verb: "app-server" },
  { engine: "exec", verb: "exec" },
];

for (const { engine, verb } of ENGINES) {
  describe(`codex process hardening: ${engine} engine`, () => {
    let fake: FakeChatGPT;
    let lane: LocalCodexLane;
    const home = makeHome("hardening-home-");
    const data = makeHome("hardening-data-");
    const acct = `acct-hardening-${engine}`;
    const saved = new Map<string, string | undefined>();

    before(async () => {
      for (const [k, v] of Object.entries(GATEWAY_SECRETS)) {
        saved.set(k, process.env[k]);
        process.env[k] = v;
      }
      fake = await startFakeChatGPT();
      fake.addAccount({ accountId: acct, email: "alice@example.com", plan: "plus" });
      fake.writeAuth(home.dir, acct);
      const cfg: CodexLaneConfig = {
        name: "plus-a", type: "codex", home: home.dir, worker: null, engine, concurrency: 1, maxUsedPercent: null,
        config: fake.codexConfig(), env: { ...fake.codexEnv(), OPENAI_API_KEY: LANE_ENV_KEY, CODEX_API_KEY: LANE_ENV_KEY },
        models: null, planPriceUsd: null,
      };
      lane = new LocalCodexLane(cfg as CodexLaneConfig & { home: string }, { dataDir: data.dir, turnTimeoutMs: 60_000, rateLimitPollMs: 0, log: quiet });
    });
    after(async () => {
      await lane?.close();
      await fake?.close();
      home.cleanup();
      data.cleanup();
      for (const [k, v] of saved) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    });

    test("while a turn runs, the real Codex process has chat-only flags and none of the gateway's secrets in its environment", async () => {
      fake.setScenario(acct, "hang");
      const ac = new AbortController();
      const events: TurnEvent[] = [];
      const before = fake.requestsFor(acct).length;
      const turn = (async () => {
        for await (const ev of lane.turn(chat("probe the process"), { signal: ac.signal })) events.push(ev);
      })();
      let procs: Proc[];
      try {
        await waitFor("the turn to reach the backend", () => fake.requestsFor(acct).length > before, 30_000);
        procs = codexProcesses(home.dir).filter((p) => p.argv.includes(verb));
      } finally {
        ac.abort();
        await turn;
        fake.setScenario(acct, "ok");
      }
      assert.ok(procs.length >= 1, `a codex ${verb} process was running for the turn`);
      for (const p of procs) {
        const secretValues = [...Object.values(GATEWAY_SECRETS), LANE_ENV_KEY];
        for (const [k, v] of p.env) {
          assert.ok(!/^(CODEX_LANES_|WORKER_TOKEN_)/.test(k), `codex (pid ${p.pid}) got ${k}`);
          for (const s of secretValues) assert.ok(!v.includes(s), `codex (pid ${p.pid}) got a secret in ${k}`);
        }
        for (const k of ["OPENAI_API_KEY", "CODEX_API_KEY", "CODEX_ACCESS_TOKEN"]) assert.ok(!p.env.has(k), `codex (pid ${p.pid}) got ${k}`);
        assert.ok(!p.argv.join(" ").includes("SECRET"), "no secret on the command line");
        assert.equal(p.env.get("TZ"), "UTC");
        for (const k of Object.keys(GATEWAY_SECRETS)) assert.ok(!p.env.has(k), `codex (pid ${p.pid}) got ${k}`);
        assert.equal(p.env.get("CODEX_CA_CERTIFICATE"), fake.codexEnv().CODEX_CA_CERTIFICATE, "the lane's own Codex settings do reach it");
        assert.ok(p.env.get("PATH"), "PATH reaches it");

        const { config, disabled } = flags(p.argv);
        assert.equal(config.get("sandbox_mode"), '"read-only"', p.argv.join(" "));
        assert.equal(config.get("approval_policy"), '"never"');
        assert.equal(config.get("web_search"), '"disabled"');
        assert.ok(disabled.includes("shell_tool"), "the shell tool is disabled");
        assert.ok(disabled.includes("shell_snapshot"), "no login shell is run for a thread");
        assert.ok(disabled.includes("multi_agent"), "no multi-agent namespace");
      }
    });

    test("Codex tells the backend its turn runs in the read-only sandbox", async () => {
      const before = fake.requestsFor(acct).length;
      for await (const ev of lane.turn(chat("which sandbox?"), { signal: new AbortController().signal })) void ev;
      const req = fake.requestsFor(acct).slice(before).at(-1);
      assert.ok(req, "the turn reached the backend");
      const meta = JSON.parse(req.headers["x-codex-turn-metadata"] ?? "{}") as { sandbox_mode?: string };
      assert.equal(meta.sandbox_mode, "read-only");
    });
  });
}
