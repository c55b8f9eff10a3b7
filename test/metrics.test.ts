// GET /metrics through real HTTP: who may scrape it, and its Prometheus text checked by a strict
// parser against the traffic the test sent with the official openai client. Also the access log:
// one structured line per request with its request id.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import OpenAI from "openai";
import { ConfigError, loadConfig } from "../gateway/config";
import { codexLane, openaiLane, startTestGateway, tempDir, type TestGateway } from "./helpers/gateway";
import { answer, failure, ScriptedAdapter } from "./helpers/scripted-adapter";
import { gate, waitFor } from "./helpers/wait";

// ---------- a strict parser of the Prometheus text exposition format 0.0.4 ----------

interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

interface ParsedFamily {
  name: string;
  type: "counter" | "gauge" | "histogram" | "summary" | "untyped";
  help: string | null;
  samples: ParsedSample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function parseValue(text: string, line: number): number {
  if (text === "+Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  if (text === "NaN") return NaN;
  if (!/^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`line ${line}: bad value ${JSON.stringify(text)}`);
  return Number(text);
}

/** Label set `{a="x",b="y"}` starting at s[i] === "{"; returns the labels and the index after "}". */
function parseLabels(s: string, i: number, line: number): [Record<string, string>, number] {
  const labels: Record<string, string> = {};
  i++;
  for (;;) {
    if (s[i] === "}") return [labels, i + 1];
    const eq = s.indexOf("=", i);
    if (eq < 0) throw new Error(`line ${line}: label without "="`);
    const name = s.slice(i, eq);
    if (!LABEL_NAME.test(name)) throw new Error(`line ${line}: bad label name ${JSON.stringify(name)}`);
    if (name in labels) throw new Error(`line ${line}: label ${name} twice`);
    if (s[eq + 1] !== '"') throw new Error(`line ${line}: label value not quoted`);
    let j = eq + 2;
    let value = "";
    for (;;) {
      const ch = s[j];
      if (ch === undefined) throw new Error(`line ${line}: unterminated label value`);
      if (ch === '"') break;
      if (ch === "\\") {
        const next = s[j + 1];
        if (next === "\\") value += "\\";
        else if (next === '"') value += '"';
        else if (next === "n") value += "\n";
        else throw new Error(`line ${line}: bad escape \\${next}`);
        j += 2;
        continue;
      }
      if (ch === "\n") throw new Error(`line ${line}: raw newline in label value`);
      value += ch;
      j++;
    }
    labels[name] = value;
    i = j + 1;
    if (s[i] === ",") i++;
    else if (s[i] !== "}") throw new Error(`line ${line}: expected "," or "}" after a label`);
  }
}

function familyOf(sample: string, families: Map<string, ParsedFamily>): ParsedFamily | undefined {
  if (families.has(sample)) return families.get(sample);
  for (const suffix of ["_bucket", "_sum", "_count"]) {
    if (sample.endsWith(suffix)) {
      const f = families.get(sample.slice(0, -suffix.length));
      if (f && (f.type === "histogram" || f.type === "summary")) return f;
    }
  }
  return undefined;
}

function parsePrometheus(text: string): Map<string, ParsedFamily> {
  if (!text.endsWith("\n")) throw new Error("the exposition must end with a newline");
  const families = new Map<string, ParsedFamily>();
  const seenSeries = new Set<string>();
  const closed = new Set<string>();
  let current: ParsedFamily | null = null;
  text.slice(0, -1).split("\n").forEach((raw, idx) => {
    const line = idx + 1;
    if (raw === "") return;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(raw);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      if (!METRIC_NAME.test(name)) throw new Error(`line ${line}: bad metric name ${name}`);
      let f = families.get(name);
      if (!f) {
        if (closed.has(name)) throw new Error(`line ${line}: family ${name} appears twice`);
        f = { name, type: "untyped", help: null, samples: [] };
        families.set(name, f);
      }
      if (f.samples.length) throw new Error(`line ${line}: ${kind} of ${name} after its samples`);
      if (kind === "TYPE") {
        if (!["counter", "gauge", "histogram", "summary", "untyped"].includes(rest)) throw new Error(`line ${line}: bad type ${rest}`);
        f.type = rest as ParsedFamily["type"];
      } else {
        if (f.help !== null) throw new Error(`line ${line}: second HELP for ${name}`);
        f.help = rest.replace(/\\n/g, "\n").replace(/\\\\/g, "\\");
      }
      if (current && current !== f) closed.add(current.name);
      current = f;
      return;
    }
    if (raw.startsWith("#")) return;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(raw);
    if (!m) throw new Error(`line ${line}: not a sample: ${raw}`);
    const name = m[1]!;
    let i = name.length;
    let labels: Record<string, string> = {};
    if (raw[i] === "{") [labels, i] = parseLabels(raw, i, line);
    if (raw[i] !== " ") throw new Error(`line ${line}: expected a space before the value`);
    const parts = raw.slice(i + 1).split(" ");
    if (parts.length > 2 || parts[0] === "") throw new Error(`line ${line}: expected "value [timestamp]"`);
    const value = parseValue(parts[0]!, line);
    const f = familyOf(name, families);
    if (!f) throw new Error(`line ${line}: sample ${name} without a TYPE`);
    if (f !== current) throw new Error(`line ${line}: samples of ${f.name} are not together`);
    const series = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seenSeries.has(series)) throw new Error(`line ${line}: duplicate series ${series}`);
    seenSeries.add(series);
    if (f.type === "counter" && !(value >= 0)) throw new Error(`line ${line}: counter ${name} is ${value}`);
    f.samples.push({ name, labels, value });
  });
  for (const f of families.values()) if (f.type === "histogram") checkHistogram(f);
  return families;
}

function checkHistogram(f: ParsedFamily): void {
  const groups = new Map<string, ParsedSample[]>();
  for (const s of f.samples) {
    const { le: _le, ...rest } = s.labels;
    const k = JSON.stringify(Object.entries(rest).sort());
    groups.set(k, [...(groups.get(k) ?? []), s]);
  }
  for (const [k, samples] of groups) {
    const buckets = samples.filter((s) => s.name === `${f.name}_bucket`);
    const count = samples.find((s) => s.name === `${f.name}_count`);
    const sum = samples.find((s) => s.name === `${f.name}_sum`);
    assert.ok(count && sum, `${f.name}${k}: _sum and _count`);
    let prevLe = -Infinity;
    let prev = 0;
    for (const b of buckets) {
      const le = parseValue(b.labels.le!, 0);
      assert.ok(le > prevLe, `${f.name}${k}: le ascending`);
      assert.ok(b.value >= prev, `${f.name}${k}: buckets cumulative`);
      prevLe = le;
      prev = b.value;
    }
    assert.equal(buckets.at(-1)?.labels.le, "+Inf", `${f.name}${k}: a +Inf bucket last`);
    assert.equal(buckets.at(-1)!.value, count.value, `${f.name}${k}: +Inf bucket = _count`);
  }
}

function value(families: Map<string, ParsedFamily>, name: string, labels: Record<string, string>): number | undefined {
  const f = familyOf(name, families);
  const s = f?.samples.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v) && Object.keys(x.labels).length === Object.keys(labels).length);
  return s?.value;
}

test("the parser rejects what Prometheus would", () => {
  assert.throws(() => parsePrometheus("a 1"), /newline/);
  assert.throws(() => parsePrometheus("a 1\n"), /without a TYPE/);
  assert.throws(() => parsePrometheus('# TYPE a gauge\na{x="1} 2\n'), /unterminated|expected/);
  assert.throws(() => parsePrometheus("# TYPE a counter\na -1\n"), /counter/);
  assert.throws(() => parsePrometheus('# TYPE a gauge\na{x="1"} 1\na{x="1"} 2\n'), /duplicate/);
  assert.throws(() => parsePrometheus('# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n'), /cumulative/);
  const ok = parsePrometheus('# HELP a A "quoted" one\n# TYPE a gauge\na{x="q\\"uote\\\\d\\n"} 1.5e3\n');
  assert.equal(value(ok, "a", { x: 'q"uote\\d\n' }), 1500);
});

// ---------- the gateway ----------

describe("GET /metrics", () => {
  let gw: TestGateway;
  let client: OpenAI;
  const afters: (() => unknown)[] = [];
  const METRICS_TOKEN = "scrape-token-0123456789abcdefghij";
  const resetsAt = Date.now() + 3_600_000;
  let hold = gate();
  const ids: string[] = [];

  before(async () => {
    const plusA = new ScriptedAdapter("plus-a", {
      async *script(req) {
        const text = JSON.stringify(req.messages.at(-1)?.content ?? "");
        if (text.includes("SPENT")) {
          yield* failure("usage_limit", "usage_limit_reached", { resetsAt });
          return;
        }
        if (text.includes("HOLD")) await hold.promise;
        yield { type: "rate_limits", rateLimits: { primary: { usedPercent: 42, windowMinutes: 300, resetsAt: Date.now() + 7_200_000 }, secondary: null, planType: "plus", observedAt: Date.now() } };
        yield* answer("fine");
      },
    });
    gw = await startTestGateway(
      { after: (f: () => unknown) => afters.push(f) },
      {
        lanes: [codexLane("plus-a", { concurrency: 1 }), openaiLane("api", "http://127.0.0.1:9/v1", "sk-metrics-test-0123456789")],
        adapters: { "plus-a": plusA, api: new ScriptedAdapter("api", { kind: "openai" }) },
        config: { metricsToken: METRICS_TOKEN },
      },
    );
    client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
  });

  after(async () => {
    hold.open();
    for (const f of afters.reverse()) await f();
  });

  const scrape = async (token = gw.adminKey) => {
    const r = await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(r.status, 200);
    assert.match(r.headers.get("content-type")!, /^text\/plain; version=0\.0\.4/);
    return parsePrometheus(await r.text());
  };
  const ask = async (content: string) => {
    const r = await client.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content }] }).withResponse();
    ids.push(r.response.headers.get("x-request-id")!);
    return r;
  };

  test("scrapes back to back both parse: a metric with no sample since the last scrape is NaN as the format spells it", async () => {
    const texts = [];
    for (let i = 0; i < 3; i++) {
      const r = await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      texts.push(await r.text());
    }
    for (const text of texts) parsePrometheus(text);
  });

  test("opens with an admin key or the metrics token; not with a client key, a wrong token or none", async () => {
    const status = async (headers: Record<string, string>) => (await fetch(`${gw.url}/metrics`, { headers })).status;
    assert.equal(await status({}), 401);
    assert.equal(await status({ authorization: "Bearer wrong-token-0123456789abcdef" }), 401);
    assert.equal(await status({ authorization: `Bearer ${gw.key}` }), 403);
    assert.equal(await status({ authorization: `Bearer ${gw.adminKey}` }), 200);
    assert.equal(await status({ authorization: `Bearer ${METRICS_TOKEN}` }), 200);
    const r = await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` }, method: "POST" });
    assert.equal(r.status, 404, "read-only: nothing but GET");
  });

  test("queue depth and turns in flight per lane", async (t) => {
    hold = gate();
    t.after(hold.open);
    const held = [ask("HOLD 1"), ask("HOLD 2")];
    await waitFor("one turn running and one queued", () => {
      const v = gw.server.dispatcher.laneViewsNow()[0]!;
      return v.inFlight === 1 && v.queued === 1;
    });
    const m = await scrape(METRICS_TOKEN);
    hold.open();
    await Promise.all(held);
    assert.equal(value(m, "codex_lanes_in_flight", { lane: "plus-a" }), 1);
    assert.equal(value(m, "codex_lanes_queue_depth", { lane: "plus-a" }), 1);
    assert.equal(value(m, "codex_lanes_queue_depth", { lane: "api" }), 0);
  });

  test("requests by lane and status, the latency histogram, attempts, tokens and lane gauges match the traffic sent", async () => {
    await ask("one");
    const stream = await client.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "streamed" }], stream: true });
    for await (const _ of stream) void _;
    await ask("SPENT: plus-a hits its limit, api answers");
    await ask("api again");
    await ask("and again");
    const bad = await fetch(`${gw.baseURL}/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${gw.key}`, "content-type": "application/json" }, body: JSON.stringify({ model: "gpt-test" }) });
    assert.equal(bad.status, 400);
    ids.push(bad.headers.get("x-request-id")!);
    const unauthorized = await fetch(`${gw.baseURL}/chat/completions`, { method: "POST", headers: { authorization: "Bearer nope", "content-type": "application/json" }, body: "{}" });
    assert.equal(unauthorized.status, 401, "no row, not counted");

    const m = await scrape();
    // Sent: 2 held + 1 + 1 streamed on plus-a; the limited one and 2 more on api; one bad body.
    assert.equal(value(m, "codex_lanes_requests_total", { lane: "plus-a", status: "ok" }), 4);
    assert.equal(value(m, "codex_lanes_requests_total", { lane: "api", status: "ok" }), 3);
    assert.equal(value(m, "codex_lanes_requests_total", { lane: "(none)", status: "error" }), 1);
    const total = m.get("codex_lanes_requests_total")!.samples.reduce((n, s) => n + s.value, 0);
    assert.equal(total, 8);
    assert.equal(total, gw.requests().count(), "one count per request-log row");

    for (const [lane, n] of [["plus-a", 4], ["api", 3], ["(none)", 1]] as const) {
      assert.equal(value(m, "codex_lanes_request_duration_seconds_count", { lane }), n);
      assert.ok(value(m, "codex_lanes_request_duration_seconds_sum", { lane })! >= 0);
    }
    assert.equal(value(m, "codex_lanes_attempts_total", { lane: "plus-a", outcome: "ok" }), 4);
    assert.equal(value(m, "codex_lanes_attempts_total", { lane: "plus-a", outcome: "usage_limit" }), 1);
    assert.equal(value(m, "codex_lanes_attempts_total", { lane: "api", outcome: "ok" }), 3);

    const s = gw.requests().summary({ since: 0, until: Date.now() + 1 });
    for (const l of s.lanes.filter((x) => x.lane !== null)) {
      assert.equal(value(m, "codex_lanes_tokens_total", { lane: l.lane!, kind: "input" }), l.inputTokens);
      assert.equal(value(m, "codex_lanes_tokens_total", { lane: l.lane!, kind: "output" }), l.outputTokens);
      assert.ok(Math.abs(value(m, "codex_lanes_api_cost_usd_total", { lane: l.lane! })! - l.apiCostUsd) < 1e-9);
    }

    assert.equal(value(m, "codex_lanes_lane_state", { lane: "plus-a", state: "cooling" }), 1);
    assert.equal(value(m, "codex_lanes_lane_state", { lane: "plus-a", state: "ready" }), 0);
    assert.equal(value(m, "codex_lanes_lane_state", { lane: "api", state: "ready" }), 1);
    assert.equal(value(m, "codex_lanes_lane_until_timestamp_seconds", { lane: "plus-a" }), resetsAt / 1000);
    const view = gw.server.dispatcher.laneViewsNow()[0]!;
    assert.equal(value(m, "codex_lanes_window_used_percent", { lane: "plus-a", window: "primary" }), view.window!.primary!.usedPercent);
    assert.equal(value(m, "codex_lanes_window_resets_timestamp_seconds", { lane: "plus-a", window: "primary" }), Date.parse(view.window!.primary!.resetsAt!) / 1000);
    assert.equal(value(m, "codex_lanes_build_info", { version: require("../gateway/version").VERSION }), 1);
    for (const f of m.values()) assert.ok(f.help, `${f.name} has HELP`);
  });

  test("the process's own metrics come along: CPU, resident memory, heap, event-loop lag and GC, under their standard names", async () => {
    const m = await scrape(METRICS_TOKEN);
    const types = Object.fromEntries([...m.values()].map((f) => [f.name, f.type]));
    assert.equal(types.process_cpu_seconds_total, "counter");
    assert.equal(types.process_resident_memory_bytes, "gauge");
    assert.equal(types.nodejs_heap_size_used_bytes, "gauge");
    assert.equal(types.nodejs_eventloop_lag_p99_seconds, "gauge");
    assert.equal(types.nodejs_gc_duration_seconds, "histogram");
    assert.ok(value(m, "process_resident_memory_bytes", {})! > 0);
    assert.ok(value(m, "nodejs_heap_size_used_bytes", {})! > 0);
    assert.ok(value(m, "process_start_time_seconds", {})! * 1000 <= Date.now());
  });

  test("one structured access-log line per request, with its request id", async () => {
    await fetch(`${gw.url}/healthz`);
    await fetch(`${gw.url}/metrics`);
    const lines = gw.logs.lines().filter((l) => l.msg === "http");
    for (const id of ids) {
      const line = lines.find((l) => l.requestId === id);
      assert.ok(line, `access line of ${id}`);
      assert.equal(line.path, "/v1/chat/completions");
      assert.equal(line.method, "POST");
      assert.ok(line.status === 200 || line.status === 400);
      assert.equal(typeof line.ms, "number");
      assert.equal(line.key, "test-client");
    }
    const health = lines.filter((l) => l.path === "/healthz");
    assert.ok(health.length >= 1 && health.every((l) => l.level === "debug"), "health checks at debug level");
    const denied = lines.filter((l) => l.path === "/metrics" && l.status === 401);
    assert.ok(denied.length >= 1 && denied.every((l) => l.level === "info" && typeof l.requestId === "string"));
    assert.ok(!gw.logs.text().includes(gw.key) && !gw.logs.text().includes(METRICS_TOKEN), "no key or token in the log");
  });
});

describe("CODEX_LANES_METRICS_TOKEN", () => {
  test("is read from the environment, and refused when short", () => {
    const dir = tempDir("codex-lanes-metrics-config-");
    const base = { cwd: dir, env: { HOME: dir, CODEX_HOME: dir } };
    assert.equal(loadConfig(base).metricsToken, undefined);
    assert.equal(loadConfig({ ...base, env: { ...base.env, CODEX_LANES_METRICS_TOKEN: "t".repeat(30) } }).metricsToken, "t".repeat(30));
    assert.throws(
      () => loadConfig({ ...base, env: { ...base.env, CODEX_LANES_METRICS_TOKEN: "tok9876" } }),
      (err: unknown) => err instanceof ConfigError && /CODEX_LANES_METRICS_TOKEN: too short/.test(err.message) && !err.message.includes("tok9876"),
    );
    require("node:fs").rmSync(dir, { recursive: true, force: true });
  });
});
