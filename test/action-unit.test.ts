// The action's pieces through its ActionIO facade, with fakes for the runner, the network and
// the Codex process: input parsing, masking order, failure paths that are hard to reach with the
// real binary (a crash, a timeout, npm missing, a non-Error throw), the child's environment, and
// action.yml staying in step with the code. The bundle itself is tested in action.test.ts.

import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, describe, test } from "node:test";
import { parseAuthAccounts, secretValues, AuthJsonError } from "../action/auth-json";
import { childEnv } from "../action/codex-lane";
import { DEFAULTS } from "../action/inputs";
import type { ActionIO, ChildHandle, ExecResult, SpawnOptions } from "../action/io";
import { runPost } from "../action/post-run";
import { run } from "../action/run";
import { parseArgs, ArgsSyntaxError } from "../action/shell-words";
import { PINNED_CODEX_VERSION } from "../action/version";
import { makeHome } from "./fakes/codex-run";

const ROOT = path.resolve(__dirname, "..");
const dirs: Array<{ cleanup(): void }> = [];
after(() => dirs.forEach((d) => d.cleanup()));

// ---------------------------------------------------------------------------------------------
// A fake runner

type Event = { kind: "mask" | "info" | "warning" | "failed" | "output" | "state"; text: string };

interface SpawnCall {
  cmd: string;
  args: string[];
  opts: SpawnOptions;
  /** auth.json in the child's CODEX_HOME at spawn time, or null. */
  authJson: string | null;
}

interface CodexScript {
  stdout?: string[];
  stderr?: string[];
  code?: number | null;
  /** Written to --output-last-message before exit. */
  last?: string;
  /** Never exits until killed. */
  hang?: boolean;
}

interface FakeRunner extends ActionIO {
  events: Event[];
  outputs: Record<string, string>;
  state: Record<string, string>;
  summary: string;
  failed: string[];
  spawns: SpawnCall[];
  execs: Array<{ cmd: string; args: string[]; env?: Record<string, string> }>;
  lines(): string[];
}

interface FakeOptions {
  inputs: Record<string, string>;
  env?: Record<string, string>;
  fetch?: typeof fetch;
  exec?: (cmd: string, args: string[]) => ExecResult;
  codex?: (call: SpawnCall) => CodexScript;
}

function fakeRunner(o: FakeOptions): FakeRunner {
  const dir = makeHome("action-unit-");
  dirs.push(dir);
  const temp = path.join(dir.dir, "temp");
  mkdirSync(temp);
  const io: FakeRunner = {
    env: { RUNNER_TEMP: temp, GITHUB_WORKSPACE: dir.dir, PATH: "/usr/bin", ...o.env },
    cwd: dir.dir,
    events: [], outputs: {}, state: {}, summary: "", failed: [], spawns: [], execs: [],
    lines: () => io.events.filter((e) => e.kind === "info").map((e) => e.text),
    getInput: (name) => (o.inputs[name] ?? "").trim(),
    setOutput: (name, value) => {
      io.outputs[name] = value;
      io.events.push({ kind: "output", text: `${name}=${value}` });
    },
    setSecret: (v) => io.events.push({ kind: "mask", text: v }),
    info: (line) => io.events.push({ kind: "info", text: line }),
    warning: (m) => io.events.push({ kind: "warning", text: m }),
    setFailed: (m) => {
      io.failed.push(m);
      io.events.push({ kind: "failed", text: m });
    },
    saveState: (name, value) => {
      io.state[name] = value;
      io.events.push({ kind: "state", text: `${name}=${value}` });
    },
    getState: (name) => io.state[name] ?? "",
    appendSummary: async (text) => {
      io.summary += text;
    },
    exec: async (cmd, args, opts) => {
      io.execs.push({ cmd, args, env: opts?.env });
      if (o.exec) return o.exec(cmd, args);
      if (args[0] === "--version") return { exitCode: 0, stdout: `codex-cli ${PINNED_CODEX_VERSION}\n`, stderr: "" };
      return { exitCode: 1, stdout: "", stderr: "unexpected command" };
    },
    spawn: (cmd, args, opts) => {
      const home = opts.env.CODEX_HOME!;
      const authFile = path.join(home, "auth.json");
      const call: SpawnCall = { cmd, args, opts, authJson: existsSync(authFile) ? readFileSync(authFile, "utf8") : null };
      io.spawns.push(call);
      return scriptedChild(call, o.codex?.(call) ?? { stdout: agentAnswer("done"), last: "done", code: 0 });
    },
    fetch: o.fetch ?? (async () => Promise.reject(new TypeError("fetch failed"))),
    now: () => Date.now(),
    sleep: async () => {},
    random: () => 0,
  };
  return io;
}

function scriptedChild(call: SpawnCall, s: CodexScript): ChildHandle {
  let kill!: () => void;
  const done = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    kill = () => resolve({ code: null, signal: "SIGTERM" });
    setImmediate(() => {
      for (const l of s.stdout ?? []) call.opts.onStdoutLine(l);
      for (const l of s.stderr ?? []) call.opts.onStderrLine(l);
      if (s.last !== undefined) writeFileSync(call.args[call.args.indexOf("--output-last-message") + 1]!, s.last);
      if (!s.hang) resolve({ code: s.code ?? 0, signal: null });
    });
  });
  return { done, kill: () => kill() };
}

function agentAnswer(text: string): string[] {
  return [
    JSON.stringify({ type: "thread.started", thread_id: "t1" }),
    JSON.stringify({ type: "item.completed", item: { id: "i0", type: "agent_message", text } }),
    JSON.stringify({ type: "turn.completed", usage: { input_tokens: 10, cached_input_tokens: 2, output_tokens: 3, reasoning_output_tokens: 1 } }),
  ];
}

function turnFailed(message: string): string[] {
  return [JSON.stringify({ type: "error", message }), JSON.stringify({ type: "turn.failed", error: { message } })];
}

/** A fetch that answers with the given SSE events (each a JSON-able object or "[DONE]"). */
function sseFetch(events: unknown[], headers: Record<string, string> = {}): typeof fetch {
  return async () => {
    const body = events.map((e) => `data: ${e === "[DONE]" ? e : JSON.stringify(e)}\n\n`).join("");
    return new Response(body, { status: 200, headers: { "content-type": "text/event-stream", ...headers } });
  };
}

function chunk(content: string) {
  return { object: "chat.completion.chunk", choices: [{ index: 0, delta: { content }, finish_reason: null }], usage: null };
}

const AUTH = (n: number) => ({
  auth_mode: "chatgpt",
  OPENAI_API_KEY: null,
  tokens: {
    id_token: `eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1c2VyLSR7bn0iLCJhY2NvdW50Ijoib25lIn0.sig-${n}`,
    access_token: `eyJhbGciOiJub25lIn0.eyJhY2Nlc3MiOiJ0b2tlbi1mb3ItdGVzdHMtb25seSJ9.acc-${n}`,
    refresh_token: `rt_unit_test_refresh_token_${n}_abcdef`,
    account_id: `acct-unit-${n}`,
  },
  last_refresh: "2026-11-22T01:52:50.328159959Z",
});

const GW = { "gateway-url": "https://gw.example.test", "gateway-key": "gwkey-unit-test-0123456789" };

// ---------------------------------------------------------------------------------------------

describe("codex-args", () => {
  test("takes a JSON array or a shell-like string", () => {
    assert.deepEqual(parseArgs('["-c", "model_verbosity=\\"low\\""]'), ["-c", 'model_verbosity="low"']);
    assert.deepEqual(parseArgs(`--config 'a=b c' -c "x=\\"y\\"" plain\\ word`), ["--config", "a=b c", "-c", 'x="y"', "plain word"]);
    assert.deepEqual(parseArgs("  "), []);
  });
  test("refuses what it cannot split", () => {
    assert.throws(() => parseArgs('["-c", 3]'), ArgsSyntaxError);
    assert.throws(() => parseArgs("[not json"), ArgsSyntaxError);
    assert.throws(() => parseArgs('say "hi'), /never closed/);
  });
});

describe("codex-auth-json", () => {
  const a = JSON.stringify(AUTH(1), null, 2);
  const b = JSON.stringify(AUTH(2));
  test("one object, an array, or objects one after another", () => {
    assert.deepEqual(parseAuthAccounts(a).map((x) => x.index), [1]);
    assert.deepEqual(parseAuthAccounts(`[${a}, ${b}]`).map((x) => (x.json.tokens as { account_id: string }).account_id), ["acct-unit-1", "acct-unit-2"]);
    assert.deepEqual(parseAuthAccounts(`${a}\n\n${b}\n`).map((x) => x.index), [1, 2]);
    assert.deepEqual(parseAuthAccounts(`${a},\n${b}`).length, 2);
  });
  test("errors say what to do and never quote the content", () => {
    const cases: Array<[string, RegExp]> = [
      [JSON.stringify({ auth_mode: "apikey", OPENAI_API_KEY: "sk-unit-should-not-leak-123" }), /API-key auth\.json.*openai-api-key/],
      [JSON.stringify({ tokens: { id_token: "x", access_token: "y" } }), /account 1 has no tokens\.refresh_token; run `codex login` again/],
      [`${a}\n${a}`, /accounts 1 and 2 are the same sign-in/],
      ['{"tokens": {"refresh_token": "rt_unit_unclosed_secret_value"}', /never closed/],
      ["garbage rt_unit_garbage_secret", /unexpected text at character 1/],
      ["[]", /array is empty/],
    ];
    for (const [raw, re] of cases) {
      assert.throws(() => parseAuthAccounts(raw), (err: unknown) => {
        assert.ok(err instanceof AuthJsonError);
        assert.match(err.message, re);
        for (const secret of ["sk-unit-should-not-leak-123", "rt_unit", "eyJ"]) assert.ok(!err.message.includes(secret), "the message quotes a secret");
        return true;
      });
    }
  });
  test("every token field and every long nested string is a secret", () => {
    const values = secretValues([AUTH(1)]);
    for (const v of Object.values(AUTH(1).tokens)) assert.ok(values.includes(v));
    assert.ok(values.includes(AUTH(1).last_refresh));
    assert.ok(!values.includes("chatgpt"));
  });
});

describe("action.yml", () => {
  const yml = readFileSync(path.join(ROOT, "action.yml"), "utf8");
  const inputsBlock = yml.slice(yml.indexOf("\ninputs:"), yml.indexOf("\noutputs:"));
  const declared = [...inputsBlock.matchAll(/^ {2}([a-z-]+):$/gm)].map((m) => m[1]!);
  const defaultOf = (name: string) => new RegExp(`^ {2}${name}:\\n(?: {4}.*\\n)*? {4}default: (.*)$`, "m").exec(yml)?.[1]?.replace(/^"(.*)"$/, "$1");

  test("declares openai/codex-action's inputs and ours, and nothing the code does not read", () => {
    const codexAction = ["prompt", "prompt-file", "output-file", "model", "effort", "sandbox", "working-directory", "codex-args", "output-schema", "output-schema-file", "codex-version", "openai-api-key"];
    const ours = ["gateway-url", "gateway-key", "codex-auth-json", "lanes", "timeout-minutes"];
    assert.deepEqual([...declared].sort(), [...codexAction, ...ours].sort());
    const source = ["inputs.ts", "run.ts"].map((f) => readFileSync(path.join(ROOT, "action", f), "utf8")).join("\n");
    for (const name of declared) assert.ok(source.includes(`"${name}"`), `action/ never reads the input ${name}`);
  });
  test("defaults match the code's", () => {
    assert.equal(defaultOf("sandbox"), DEFAULTS.sandbox);
    assert.equal(defaultOf("lanes"), DEFAULTS.lanes);
    assert.equal(defaultOf("timeout-minutes"), DEFAULTS["timeout-minutes"]);
    assert.equal(defaultOf("codex-version"), "", "empty means the pinned version");
  });
  test("runs the committed bundle on node24 with a post step that always runs", () => {
    assert.match(yml, /using: node24\n\s+main: action\/dist\/index\.js\n\s+post: action\/dist\/index\.js\n\s+post-if: always\(\)/);
    for (const out of ["final-message", "lane", "attempts", "usage", "codex-version"]) assert.match(yml, new RegExp(`^ {2}${out}:$`, "m"));
  });
  test("the default codex-version is the one package.json pins", () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    assert.equal(PINNED_CODEX_VERSION, pkg.dependencies["@openai/codex"]);
    assert.ok(yml.includes(`(${PINNED_CODEX_VERSION})`), "action.yml names the pinned version");
  });
});

describe("run(io)", () => {
  test("masks every secret before it logs anything, even when an input is bad", async () => {
    const io = fakeRunner({ inputs: { prompt: "x", ...GW, "openai-api-key": "sk-unit-key-abcdef123456", "codex-auth-json": JSON.stringify([AUTH(1), AUTH(2)]), sandbox: "nope" } });
    await run(io);
    const firstOther = io.events.findIndex((e) => e.kind !== "mask");
    const masks = io.events.slice(0, firstOther).map((e) => e.text);
    for (const v of ["gwkey-unit-test-0123456789", "sk-unit-key-abcdef123456", ...Object.values(AUTH(1).tokens), ...Object.values(AUTH(2).tokens)]) {
      assert.ok(masks.includes(v), "a secret was not masked first");
    }
    assert.equal(io.events.slice(firstOther).filter((e) => e.kind === "mask").length, 0, "all masks come first");
    assert.deepEqual(io.failed, ['Input "sandbox": "nope" is not one of: read-only, workspace-write, danger-full-access.']);
    assert.equal(io.spawns.length, 0);
  });

  test("a non-Error throw still fails the step", async () => {
    const io = fakeRunner({ inputs: { prompt: "x", "openai-api-key": "sk-unit-key-abcdef123456" } });
    io.spawn = () => {
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- what this test is about
      throw "boom";
    };
    await run(io);
    assert.deepEqual(io.failed, ["boom"]);
    assert.deepEqual(JSON.parse(io.outputs.attempts!).map((a: { lane: string; code: string }) => `${a.lane}:${a.code}`), ["api-key:action_error"]);
    assert.match(io.summary, /Codex lanes: failed/);
    assert.ok(!existsSync(io.state["run-dir"]!), "the run directory is removed on the way out");
  });

  test("gateway: the streamed text is logged line by line, with usage and the gateway's lane", async () => {
    const usage = { prompt_tokens: 50, completion_tokens: 7, prompt_tokens_details: { cached_tokens: 20 }, completion_tokens_details: { reasoning_tokens: 2 } };
    const io = fakeRunner({
      inputs: { prompt: "hi", ...GW },
      fetch: sseFetch([chunk("first li"), chunk("ne\nsecond"), chunk(" line"), { object: "chat.completion.chunk", choices: [], usage }, "[DONE]"], { "x-codex-lanes-lane": "plus-b" }),
    });
    await run(io);
    assert.deepEqual(io.failed, []);
    assert.equal(io.outputs["final-message"], "first line\nsecond line");
    const lines = io.lines();
    assert.ok(lines.indexOf("first line") >= 0 && lines.indexOf("second line") > lines.indexOf("first line"));
    assert.deepEqual(JSON.parse(io.outputs.usage!), { input_tokens: 50, cached_input_tokens: 20, output_tokens: 7, reasoning_tokens: 2 });
    assert.match(io.summary, /gateway lane <code>plus-b<\/code>/);
  });

  test("gateway: an all_lanes_exhausted error inside the stream moves on to the next lane", async () => {
    const io = fakeRunner({
      inputs: { prompt: "hi", ...GW, "openai-api-key": "sk-unit-key-abcdef123456" },
      fetch: sseFetch([chunk("par"), { error: { message: "Every lane is cooling down.", type: "rate_limit_error", code: "all_lanes_exhausted", param: null } }]),
    });
    await run(io);
    assert.deepEqual(io.failed, []);
    assert.equal(io.outputs.lane, "api-key");
    assert.deepEqual(JSON.parse(io.outputs.attempts!).map((a: { code: string }) => a.code), ["all_lanes_exhausted", null]);
  });

  test("gateway: a refused key moves on, and the summary says to check gateway-key", async () => {
    const io = fakeRunner({
      inputs: { prompt: "hi", ...GW, "openai-api-key": "sk-unit-key-abcdef123456" },
      fetch: async () => Response.json({ error: { message: "Incorrect or missing API key.", type: "invalid_request_error", param: null, code: "invalid_api_key" } }, { status: 401 }),
    });
    await run(io);
    assert.deepEqual(io.failed, []);
    assert.deepEqual(JSON.parse(io.outputs.attempts!).map((a: { lane: string; outcome: string }) => `${a.lane}:${a.outcome}`), ["gateway:unauthorized", "api-key:ok"]);
    assert.match(io.summary, /the gateway refused the key: check the gateway-key secret/);
  });

  test("gateway: a stream cut before [DONE] is transient: retried once, then the next lane", async () => {
    const io = fakeRunner({ inputs: { prompt: "hi", ...GW, "openai-api-key": "sk-unit-key-abcdef123456" }, fetch: sseFetch([chunk("partial")]) });
    await run(io);
    assert.deepEqual(JSON.parse(io.outputs.attempts!).map((a: { lane: string; code: string }) => `${a.lane}:${a.code}`), ["gateway:stream_incomplete", "gateway:stream_incomplete", "api-key:null"]);
  });

  test("direct lanes: the child's environment and CODEX_HOME hold only that lane's credentials", async () => {
    const io = fakeRunner({
      inputs: { prompt: "task", "codex-auth-json": JSON.stringify(AUTH(1)), "openai-api-key": "sk-unit-key-abcdef123456", lanes: "chatgpt, api-key", effort: "high", model: "gpt-5.5", "codex-args": "--config x=1" },
      env: { "INPUT_OPENAI-API-KEY": "sk-unit-key-abcdef123456", "INPUT_CODEX-AUTH-JSON": "{…}", ACTIONS_RUNTIME_TOKEN: "runtime-token", OPENAI_API_KEY: "sk-from-env", KEEP_ME: "1" },
      codex: (call) => (call.opts.env.CODEX_API_KEY ? { stdout: agentAnswer("from api"), last: "from api" } : { stdout: turnFailed("You’ve hit your usage limit. Try again at 3:18 AM.") , code: 1 }),
    });
    await run(io);
    assert.deepEqual(io.failed, []);
    const [gpt, api] = io.spawns;
    assert.ok(gpt && api);
    for (const s of [gpt, api]) {
      assert.equal(s.opts.stdin, "task");
      assert.equal(s.opts.env.TZ, "UTC");
      assert.equal(s.opts.env.CODEX_INTERNAL_ORIGINATOR_OVERRIDE, "codex_github_action");
      assert.equal(s.opts.env.KEEP_ME, "1");
      for (const k of ["INPUT_OPENAI-API-KEY", "INPUT_CODEX-AUTH-JSON", "ACTIONS_RUNTIME_TOKEN", "OPENAI_API_KEY"]) assert.equal(s.opts.env[k], undefined, `${k} reached Codex`);
      assert.deepEqual(s.args.slice(0, 4), ["exec", "--skip-git-repo-check", "--cd", io.cwd]);
      assert.ok(s.args.includes("--json"));
      assert.deepEqual(s.args.slice(-3), ["--config", "x=1", "-"]);
      assert.ok(s.args.join(" ").includes('--model gpt-5.5 -c model_reasoning_effort="high"'));
      assert.ok(!s.args.some((a) => a.includes("sk-unit") || a.includes("rt_unit")), "a credential is on the command line");
    }
    assert.equal(gpt.opts.env.CODEX_API_KEY, undefined);
    assert.deepEqual(JSON.parse(gpt.authJson!), AUTH(1));
    assert.equal(api.opts.env.CODEX_API_KEY, "sk-unit-key-abcdef123456");
    assert.equal(api.authJson, null, "the API-key lane's home has no ChatGPT sign-in");
    assert.notEqual(gpt.opts.env.CODEX_HOME, api.opts.env.CODEX_HOME);
    assert.equal(io.outputs["final-message"], "from api");
    assert.deepEqual(JSON.parse(io.outputs.usage!), { input_tokens: 10, cached_input_tokens: 2, output_tokens: 3, reasoning_tokens: 1 });
  });

  test("a retry on a ChatGPT lane reuses its CODEX_HOME, so a refreshed token is not thrown away", async () => {
    let n = 0;
    const io = fakeRunner({
      inputs: { prompt: "task", "codex-auth-json": JSON.stringify(AUTH(1)) },
      codex: (call) => {
        if (n++ === 0) {
          // Codex refreshed the token during the first attempt, then the stream dropped.
          writeFileSync(path.join(call.opts.env.CODEX_HOME!, "auth.json"), JSON.stringify({ ...AUTH(1), refreshed: true }));
          return { stdout: turnFailed("stream disconnected before completion: idle timeout"), code: 1 };
        }
        return { stdout: agentAnswer("ok"), last: "ok" };
      },
    });
    await run(io);
    assert.deepEqual(io.failed, []);
    assert.equal(io.spawns.length, 2);
    assert.equal(io.spawns[0]!.opts.env.CODEX_HOME, io.spawns[1]!.opts.env.CODEX_HOME);
    assert.equal(JSON.parse(io.spawns[1]!.authJson!).refreshed, true);
  });

  test("a refresh during the run masks the new tokens and warns that the secret's refresh token is spent", async () => {
    const fresh = { ...AUTH(1), tokens: { ...AUTH(1).tokens, access_token: "eyJhbGciOiJub25lIn0.eyJuZXciOiJhY2Nlc3MtdG9rZW4tdjIifQ.new2", refresh_token: "rt_unit_test_rotated_refresh_token_v2" } };
    const io = fakeRunner({
      inputs: { prompt: "task", "codex-auth-json": JSON.stringify(AUTH(1)) },
      codex: (call) => {
        writeFileSync(path.join(call.opts.env.CODEX_HOME!, "auth.json"), JSON.stringify(fresh));
        return { stdout: agentAnswer("ok"), last: "ok" };
      },
    });
    await run(io);
    assert.deepEqual(io.failed, []);
    const masks = io.events.filter((e) => e.kind === "mask").map((e) => e.text);
    assert.ok(masks.includes(fresh.tokens.refresh_token) && masks.includes(fresh.tokens.access_token), "the rotated tokens are masked");
    const warnings = io.events.filter((e) => e.kind === "warning").map((e) => e.text);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /refreshed the ChatGPT sign-in of chatgpt-1 .* account 1 in codex-auth-json is now used up .* refresh_token_reused\. This action does not write the new auth\.json back/);
    assert.match(io.summary, /Warning:<\/strong> Codex refreshed the ChatGPT sign-in of chatgpt-1/);
  });

  test("a Codex crash fails the step with its last words and what to do", async () => {
    const io = fakeRunner({
      inputs: { prompt: "task", "openai-api-key": "sk-unit-key-abcdef123456" },
      codex: () => ({ stderr: ["thread 'main' panicked at core/src/lib.rs:1"], code: 101 }),
    });
    await run(io);
    assert.equal(io.failed.length, 1);
    assert.match(io.failed[0]!, /No lane could serve\. Tried: api-key \(codex_crashed ×2\)\. The last failure, on lane api-key: codex exec exited with code 101 before finishing the turn: thread 'main' panicked/);
    assert.match(io.failed[0]!, /re-run the job, and if it keeps crashing try another codex-version/);
  });

  test("an attempt past timeout-minutes is stopped and reported as a timeout", async () => {
    const io = fakeRunner({ inputs: { prompt: "task", "openai-api-key": "sk-unit-key-abcdef123456", "timeout-minutes": "0.0005" }, codex: () => ({ hang: true }) });
    await run(io);
    assert.match(io.failed[0] ?? "", /Codex did not finish within timeout-minutes \(0\.0005\) on lane api-key\. Raise timeout-minutes/);
  });

  test("a signed-out ChatGPT lane says how to sign in again; a reused refresh token says why", async () => {
    const io = fakeRunner({
      inputs: { prompt: "task", "codex-auth-json": JSON.stringify([AUTH(1), AUTH(2)]) },
      codex: (call) =>
        call.authJson!.includes("acct-unit-1")
          ? { stdout: turnFailed("Your access token could not be refreshed because your refresh token was already used. Please log out and sign in again."), code: 1 }
          : { stdout: turnFailed("Your access token could not be refreshed because your refresh token has expired. Please log out and sign in again."), code: 1 },
    });
    await run(io);
    const msg = io.failed[0] ?? "";
    assert.match(msg, /Every lane is out of its usage window or signed out\. Tried: chatgpt-1 \(refresh_token_reused\), chatgpt-2 \(refresh_token_expired\)\./);
    assert.match(msg, /chatgpt-1: this sign-in's refresh token was already used elsewhere \(a copied auth\.json\)/);
    assert.match(msg, /chatgpt-2: the ChatGPT sign-in expired or was revoked: run `codex login`/);
  });

  test("model output that looks like a workflow command is printed with commands stopped", async () => {
    const io = fakeRunner({ inputs: { prompt: "hi", ...GW }, fetch: sseFetch([chunk("::error::pwned\n::add-mask::x\n"), "[DONE]"]) });
    await run(io);
    assert.deepEqual(io.failed, []);
    const lines = io.lines();
    const at = lines.indexOf("::error::pwned");
    const stop = lines.findLastIndex((l, i) => i < at && l.startsWith("::stop-commands::"));
    assert.ok(stop >= 0, "no ::stop-commands:: before the model's text");
    const token = lines[stop]!.slice("::stop-commands::".length);
    assert.ok(token.length >= 32);
    assert.ok(lines.indexOf(`::${token}::`) > at, "commands resume only after the model's text");
  });

  test("codex is installed with npm when PATH has another version", async () => {
    const io = fakeRunner({
      inputs: { prompt: "task", "openai-api-key": "sk-unit-key-abcdef123456" },
      env: { "INPUT_OPENAI-API-KEY": "sk-unit-key-abcdef123456", KEEP_ME: "1" },
      exec: (cmd, args) => {
        if (cmd === "codex") return { exitCode: 0, stdout: "codex-cli 0.100.0\n", stderr: "" };
        if (cmd === "npm" && args[0] === "install") return { exitCode: 0, stdout: "added 1 package", stderr: "" };
        if (cmd === "npm" && args[0] === "prefix") return { exitCode: 0, stdout: "/opt/npm-global\n", stderr: "" };
        if (cmd === "/opt/npm-global/bin/codex") return { exitCode: 0, stdout: `codex-cli ${PINNED_CODEX_VERSION}\n`, stderr: "" };
        return { exitCode: 127, stdout: "", stderr: "not found" };
      },
    });
    await run(io);
    assert.deepEqual(io.failed, []);
    const install = io.execs.find((e) => e.cmd === "npm" && e.args.join(" ") === `install -g @openai/codex@${PINNED_CODEX_VERSION}`);
    assert.ok(install, "npm install -g ran");
    assert.equal(install.env?.["INPUT_OPENAI-API-KEY"], undefined, "npm does not see the inputs");
    assert.equal(install.env?.KEEP_ME, "1");
    assert.equal(io.spawns[0]!.cmd, "/opt/npm-global/bin/codex");
    assert.equal(io.outputs["codex-version"], PINNED_CODEX_VERSION);
  });

  test("without npm, the step fails saying the runner needs it", async () => {
    const io = fakeRunner({
      inputs: { prompt: "task", "openai-api-key": "sk-unit-key-abcdef123456" },
      exec: () => ({ exitCode: 127, stdout: "", stderr: "Unable to locate executable file: npm" }),
    });
    await run(io);
    assert.match(io.failed[0] ?? "", /Could not install @openai\/codex@0\.169\.0 with npm \(exit code 127\).*need Node\.js and npm on the runner/);
    assert.equal(io.spawns.length, 0);
  });

  test("outputs and summary never carry a secret the model repeats", async () => {
    const io = fakeRunner({ inputs: { prompt: "hi", ...GW }, fetch: sseFetch([chunk("the key is gwkey-unit-test-0123456789"), "[DONE]"]) });
    await run(io);
    assert.equal(io.outputs["final-message"], "the key is ***");
    assert.ok(!io.summary.includes("gwkey-unit-test-0123456789"));
    assert.ok(io.lines().every((l) => !l.includes("gwkey-unit-test-0123456789")));
  });
});

describe("childEnv", () => {
  test("drops inputs, runner tokens and other credentials, case-insensitively", () => {
    const env = childEnv({ "input_gateway-key": "g", Codex_Home: "/x", PATH: "/bin", CODEX_ACCESS_TOKEN: "t" }, "/home/lane", null);
    assert.deepEqual(env, { PATH: "/bin", CODEX_HOME: "/home/lane", TZ: "UTC", CODEX_INTERNAL_ORIGINATOR_OVERRIDE: "codex_github_action" });
  });
});

describe("runPost(io)", () => {
  test("removes the run directory it is given, and only one this action made", async () => {
    const home = makeHome("action-post-");
    try {
      const ours = path.join(home.dir, "codex-lanes-abc123");
      const other = path.join(home.dir, "important");
      mkdirSync(path.join(ours, "chatgpt-1"), { recursive: true });
      mkdirSync(other);
      const io = fakeRunner({ inputs: {} });
      io.state["run-dir"] = ours;
      runPost(io);
      assert.ok(!existsSync(ours));
      io.state["run-dir"] = other;
      runPost(io);
      assert.ok(statSync(other).isDirectory(), "a directory the action did not make is left alone");
      assert.deepEqual(io.failed, []);
    } finally {
      home.cleanup();
    }
  });
});
