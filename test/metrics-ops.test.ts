// Operations around a running gateway: the request-log retention prune at start-up,
// `codex-lanes stats` printing the dashboard's summary, and `codex-lanes backup` making a
// consistent copy while the gateway serves.

import assert from "node:assert/strict";
import { existsSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Readable, Writable } from "node:stream";
import { test } from "node:test";
import Database from "better-sqlite3";
import OpenAI from "openai";
import { main } from "../gateway/cli";
import type { CliIO } from "../gateway/cli/io";
import { savingsLedger } from "../gateway/calc";
import { usd } from "../gateway/http/dashboard/format";
import type { Overview } from "../gateway/metrics";
import { openStore, type NewRequestRow } from "../gateway/store";
import { FormClient, section } from "./dashboard-client";
import { codexLane, openaiLane, startTestGateway, tempDir } from "./helpers/gateway";
import { ScriptedAdapter } from "./helpers/scripted-adapter";
import { waitFor } from "./helpers/wait";

const DAY = 86_400_000;

async function cli(argv: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: CliIO = {
    out: new Writable({ write: (c, _e, cb) => ((out += String(c)), cb()) }),
    err: new Writable({ write: (c, _e, cb) => ((err += String(c)), cb()) }),
    stdin: Readable.from([]),
    env: {},
    cwd,
    signal: new AbortController().signal,
  };
  const code = await main(argv, io);
  return { code, out, err };
}

function row(id: string, createdAt: number, extra: Partial<NewRequestRow> = {}): NewRequestRow {
  return { id, createdAt, keyName: "k", model: "gpt-test", stream: false, lane: "plus-a", attempts: [{ lane: "plus-a", outcome: "ok", code: null, ms: 5 }], status: "ok", httpStatus: 200, queueMs: 0, latencyMs: 20, apiCostUsd: 1.5, ...extra };
}

/** A project directory whose codex-lanes.json points the CLI at the gateway's data dir. */
function project(t: { after(fn: () => void): void }, dataDir: string): string {
  const dir = tempDir("codex-lanes-ops-");
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const lanes = [
    { name: "plus-a", type: "codex", planPriceUsd: 20 },
    { name: "api", type: "openai", baseUrl: "http://127.0.0.1:9/v1" },
  ];
  writeFileSync(path.join(dir, "codex-lanes.json"), JSON.stringify({ dataDir, lanes }));
  return dir;
}

const lanes = () => [codexLane("plus-a", { planPriceUsd: 20 }), openaiLane("api", "http://127.0.0.1:9/v1", "sk-ops-test-0123456789")];
const adapters = () => ({ "plus-a": new ScriptedAdapter("plus-a"), api: new ScriptedAdapter("api", { kind: "openai" }) });

test("start-up prunes request-log rows older than log.retentionDays, and keeps the rest", async (t) => {
  const dataDir = tempDir();
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const now = Date.now();
  const seed = openStore(dataDir);
  seed.requests.insert(row("old-1", now - 11 * DAY));
  seed.requests.insert(row("old-2", now - 30 * DAY));
  seed.requests.insert(row("recent", now - 9 * DAY));
  seed.close();
  const gw = await startTestGateway(t, { dataDir, lanes: lanes(), adapters: adapters(), config: { log: { bodies: false, retentionDays: 10 } } });
  const store = gw.requests();
  assert.equal(store.get("old-1"), null);
  assert.equal(store.get("old-2"), null);
  assert.ok(store.get("recent"));
  const line = gw.logs.lines().find((l) => l.msg === "pruned old request-log rows");
  assert.deepEqual([line?.rows, line?.retentionDays], [2, 10]);
});

test("`codex-lanes stats` prints the dashboard's summary: lanes, traffic per lane for 24 h and 7 d, the savings ledger", async (t) => {
  const gw = await startTestGateway(t, { lanes: lanes(), adapters: adapters() });
  const now = Date.now();
  gw.server.store.transaction(() => {
    for (let i = 0; i < 6; i++) gw.server.store.requests.insert(row(`a-${i}`, now - (i + 1) * 60_000, i === 0 ? { status: "error", httpStatus: 502, errorCode: "upstream_error", apiCostUsd: 0 } : {}));
    gw.server.store.requests.insert(row("api-1", now - 3 * DAY, { lane: "api", attempts: [{ lane: "api", outcome: "ok", code: null, ms: 9 }], apiCostUsd: 2.25 }));
  });
  const client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
  await client.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "hello" }] });
  gw.server.dispatcher.flush();
  const dir = project(t, gw.dataDir);

  const text = await cli(["stats"], dir);
  assert.equal(text.code, 0, text.err);
  const [day, week] = text.out.split("Requests in the last ").slice(1);
  assert.match(day!, /^24h/);
  assert.match(day!, /^plus-a\s+7\s+1\s+0\s+14\.3%/m, "6 seeded + 1 sent, one error");
  assert.ok(!/^api\s/m.test(day!), "the api row is older than 24 h");
  assert.match(week!, /^7d/);
  assert.match(week!, /^api\s+1\s+0\s+0\s+0\.0%/m);
  assert.match(text.out, /^plus-a\s+codex\s+ready/m);
  // The ledger is this calendar month's: early in a month some seeded rows belong to the last one.
  const expected = savingsLedger({ lanes: lanes() }, gw.requests(), Date.now());
  const money = (n: number) => `\\$${n.toFixed(2)}`;
  assert.match(text.out, new RegExp(`^plus-a\\s+subscription\\s+-\\s+${money(expected.subscription[0]!.apiEquivalentUsd)}\\s+-\\s+\\$20\\.00`, "m"));
  assert.match(text.out, new RegExp(`^api\\s+API key(\\s+-){4}\\s+${money(expected.metered[0]!.spendUsd)}`, "m"));

  const json = await cli(["stats", "--json"], dir);
  const o = JSON.parse(json.out) as Overview;
  assert.deepEqual(o.traffic.map((p) => p.label), ["24h", "7d"]);
  assert.equal(o.traffic[0]!.summary.total.requests, 7);
  assert.equal(o.traffic[1]!.summary.total.requests, 8);
  // The projection divides by the share of the month gone by, which moves between the two reads.
  const { projectedApiOnlyUsd: projected, ...totals } = o.ledger.totals;
  const { projectedApiOnlyUsd: projectedExpected, ...totalsExpected } = expected.totals;
  assert.deepEqual(totals, totalsExpected);
  assert.ok(Math.abs(projected - projectedExpected) <= projectedExpected * 1e-3, `projected ${projected} vs ${projectedExpected}`);

  // The dashboard shows the same ledger.
  const b = new FormClient(gw.url);
  assert.equal((await b.signIn(gw.adminKey)).status, 303);
  const ledger = section((await b.get("/dashboard")).text, "ledger");
  const net = o.ledger.totals.netUsd;
  assert.ok(ledger.includes(net >= 0 ? `${usd(net)} saved` : `${usd(-net)} more than the API`), `dashboard net ${usd(net)}`);
  assert.match(text.out, new RegExp(`Net: \\$${Math.abs(net).toFixed(2)} (saved|more than the API)`));

  const since = await cli(["stats", "--since", "90m"], dir);
  assert.equal(since.code, 0);
  assert.match(since.out, /Requests in the last 90m/);
  assert.equal((await cli(["stats", "--since", "0h"], dir)).code, 2);
});

test("`codex-lanes backup <file>` makes a consistent copy while the gateway serves", async (t) => {
  const gw = await startTestGateway(t, { lanes: lanes(), adapters: adapters() });
  gw.server.store.transaction(() => {
    for (let i = 0; i < 3000; i++) gw.server.store.requests.insert(row(`seed-${i}`, Date.now() - i * 1000));
  });
  const dir = project(t, gw.dataDir);
  const client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
  let stop = false;
  let sent = 0;
  // Traffic keeps writing rows while the copy is made (bounded in count).
  const traffic = Promise.all(
    [0, 1, 2].map(async () => {
      for (let i = 0; i < 200 && !stop; i++) {
        await client.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: `n${i}` }] });
        sent++;
      }
    }),
  );
  await waitFor("ten answers while traffic runs", () => sent >= 10, 30_000);
  const file = path.join(dir, "backups-gateway.db");
  const res = await cli(["backup", file], dir);
  stop = true;
  await traffic;
  assert.equal(res.code, 0, res.err);
  assert.match(res.out, /^Backed up .*gateway\.db to .*backups-gateway\.db/);
  assert.ok(!readdirSync(dir).some((f) => f.includes(".partial-")), "no partial file left");

  const copy = new Database(file, { readonly: true });
  try {
    assert.equal(copy.pragma("integrity_check", { simple: true }), "ok");
    const rows = copy.prepare("SELECT count(*) FROM requests").pluck().get() as number;
    const rolled = copy.prepare("SELECT coalesce(sum(requests), 0) FROM request_hourly").pluck().get() as number;
    assert.ok(rows >= 3000, `seeded rows in the copy (${rows})`);
    assert.equal(rolled, rows, "the rollup and the log agree: one snapshot");
    assert.ok(copy.prepare("SELECT count(*) FROM api_keys").pluck().get() as number >= 2);
  } finally {
    copy.close();
  }

  const again = await cli(["backup", file], dir);
  assert.equal(again.code, 2);
  assert.match(again.err, /exists; choose a new file name/);
  assert.equal((await cli(["backup"], dir)).code, 2);
  assert.equal((await cli(["backup", path.join(dir, "no-such-dir", "x.db")], dir)).code, 2);
  assert.ok(existsSync(file));
});
