// Failover cost (issue 3). Real codex lanes (the pinned Codex CLI) against the fake ChatGPT backend,
// requests from the official openai client. Gateway G1 has lanes [a, b]; gateway G2 has one lane
// "b-solo", configured exactly like b, for the baseline "a normal request on a lane like B". Each
// round:
//
//   1. baseline  one request to G2 (served by b-solo, one attempt)
//   2. first     account a is made usage-limited (reset far ahead); one request to G1: it meets a's
//                limit and is answered by b within the same HTTP request
//   3. later     N more requests to G1: a is known to be exhausted, so they must go to b without
//                any attempt on a (checked in each row's attempts and in the fake's request count)
//   4. back      a is healthy again and G1's clock is moved a minute past a's reset; one request to G1 must
//                be served by a again (a normal request on the first lane)
//
// G1's dispatcher clock runs ahead by a skew that grows each round, so no round waits for a reset.
//
//   node --import tsx scripts/bench/failover.ts [--rounds 20] [--later 3] [--exec 0|1]

import OpenAI from "openai";
import type { LaneConfig } from "../../gateway/config/types";
import type { TestHome } from "../../test/fakes/codex-run";
import { RemoteFake } from "./lib/remote-fake";
import { fakeAccountLane, startBenchGateway, type BenchGateway } from "./lib/codex-gateway";
import { intFlags, loadLine, machineLine, median, ms, plus, quantile, table } from "./lib/stats";

const flags = intFlags({ rounds: 20, later: 3, exec: 0, warmup: 2 });
const MODEL = "gpt-5.5";
const ENGINE = flags.exec ? "exec" : "app-server";

interface Answer {
  ms: number;
  lane: string | null;
  id: string;
}

async function main(): Promise<void> {
  const homes: TestHome[] = [];
  const cleanups: (() => unknown)[] = [];
  console.log(`# Failover cost\n\n${machineLine()}`);
  console.log(`${loadLine("at start")}`);
  console.log(`Engine: ${ENGINE}. Flags: ${JSON.stringify(flags)}\n`);
  try {
    const fake = await RemoteFake.start();
    cleanups.push(() => fake.close());
    let skewMs = 0;
    const lanes: LaneConfig[] = [await fakeAccountLane(fake, "a", ENGINE, homes), await fakeAccountLane(fake, "b", ENGINE, homes)];
    const g1 = await startBenchGateway(lanes, { dispatch: { now: () => Date.now() + skewMs } });
    cleanups.unshift(() => g1.close());
    const g2 = await startBenchGateway([await fakeAccountLane(fake, "b-solo", ENGINE, homes)]);
    cleanups.unshift(() => g2.close());
    const ask = asker(g1);
    const askSolo = asker(g2);

    const t = { baseline: [] as number[], first: [] as number[], later: [] as number[], back: [] as number[], aAttempt: [] as number[], bAttempt: [] as number[], firstOutside: [] as number[], laterOutside: [] as number[], baseAttempt: [] as number[], baseOutside: [] as number[] };
    const checks = { firstRows: 0, firstRowsOk: 0, laterRows: 0, laterRowsOnlyB: 0, aCallsDuringLater: 0, aCallsPerFirst: [] as number[], backOnA: 0 };
    for (let r = 0; r < flags.warmup + flags.rounds; r++) {
      const keep = r >= flags.warmup;
      const base = await askSolo(`baseline ${r}`);
      if (base.lane !== "b-solo") throw new Error(`baseline served by ${base.lane}`);

      const resetSec = Math.floor((Date.now() + skewMs) / 1000) + 600;
      await fake.setScenario("acct-a", { name: "usage_limit", resetsAt: resetSec });
      const aBefore = await fake.count("acct-a");
      const first = await ask(`first ${r}`);
      const aAfterFirst = await fake.count("acct-a");
      const row = g1.row(first.id)!;
      const tried = row.attempts.map((a) => `${a.lane}:${a.outcome}`).join(" > ");
      if (first.lane !== "b") throw new Error(`first request served by ${first.lane} (${tried})`);

      const later: Answer[] = [];
      for (let i = 0; i < flags.later; i++) later.push(await ask(`later ${r}.${i}`));
      const aAfterLater = await fake.count("acct-a");

      await fake.setScenario("acct-a", "ok");
      // Past the reset by a minute: exec's message gives the reset only to the minute, rounded up.
      skewMs = resetSec * 1000 + 61_000 - Date.now();
      const back = await ask(`back ${r}`);

      if (!keep) continue;
      t.baseline.push(base.ms);
      const baseRow = g2.row(base.id)!;
      t.baseAttempt.push(baseRow.attempts[0]?.ms ?? NaN);
      t.baseOutside.push(base.ms - baseRow.attempts.reduce((sum, a) => sum + a.ms, 0));
      t.first.push(first.ms);
      t.aAttempt.push(row.attempts[0]?.ms ?? NaN);
      t.bAttempt.push(row.attempts[1]?.ms ?? NaN);
      t.firstOutside.push(first.ms - row.attempts.reduce((sum, a) => sum + a.ms, 0));
      checks.firstRows++;
      if (tried === "a:usage_limit > b:ok") checks.firstRowsOk++;
      else console.log(`round ${r}: first request's attempts: ${tried}`);
      checks.aCallsPerFirst.push(aAfterFirst - aBefore);
      checks.aCallsDuringLater += aAfterLater - aAfterFirst;
      for (const l of later) {
        t.later.push(l.ms);
        checks.laterRows++;
        const laterRow = g1.row(l.id)!;
        t.laterOutside.push(l.ms - laterRow.attempts.reduce((sum, a) => sum + a.ms, 0));
        const attempts = laterRow.attempts.map((a) => a.lane);
        if (l.lane === "b" && attempts.length === 1 && attempts[0] === "b") checks.laterRowsOnlyB++;
        else console.log(`round ${r}: a later request was served by ${l.lane} with attempts ${attempts.join(" > ")}`);
      }
      if (back.lane === "a") checks.backOnA++;
      t.back.push(back.ms);
    }
    report(t, checks);
    console.log(loadLine("at end"));
  } finally {
    for (const c of cleanups) await c();
    for (const h of homes) h.cleanup();
  }
}

function asker(gw: BenchGateway): (content: string) => Promise<Answer> {
  const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.key, maxRetries: 0 });
  return async (content) => {
    const t0 = performance.now();
    const { data, response } = await client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content }] }).withResponse();
    const took = performance.now() - t0;
    if (data.choices[0]?.message.content !== `echo: ${content}`) throw new Error(`unexpected answer: ${JSON.stringify(data)}`);
    return { ms: took, lane: response.headers.get("x-codex-lanes-lane"), id: response.headers.get("x-request-id")! };
  };
}

function report(t: Record<"baseline" | "first" | "later" | "back" | "aAttempt" | "bAttempt" | "firstOutside" | "laterOutside" | "baseAttempt" | "baseOutside", number[]>, c: { firstRows: number; firstRowsOk: number; laterRows: number; laterRowsOnlyB: number; aCallsDuringLater: number; aCallsPerFirst: number[]; backOnA: number }): void {
  const base = median(t.baseline);
  const row = (name: string, v: number[], added: boolean) => [name, String(v.length), ms(median(v), 1), ms(quantile(v, 0.95), 1), added ? plus(median(v) - base, 1) : ""];
  console.log(
    table(
      ["request", "n", "median ms", "p95 ms", "added vs baseline, median ms"],
      [
        row("baseline: normal request on a lane like B (G2, b-solo)", t.baseline, false),
        row("  of which: the attempt on b-solo", t.baseAttempt, false),
        row("  of which: outside the attempt (per request)", t.baseOutside, false),
        row("first request that meets exhausted A, served by B", t.first, true),
        row("  of which: the failed attempt on A (request log attempts[0].ms)", t.aAttempt, false),
        row("  of which: the attempt on B (attempts[1].ms)", t.bAttempt, false),
        row("  of which: outside the attempts (wall minus the attempts' ms, per request)", t.firstOutside, false),
        row(`later requests while A cools (${flags.later} per round), served by B`, t.later, true),
        row("  of which: outside the attempt (per request)", t.laterOutside, false),
        row("after A's reset: served by A again", t.back, true),
      ],
    ) + "\n",
  );
  const perFirst = [...new Set(c.aCallsPerFirst)].join(", ");
  console.log(
    table(
      ["check", "result"],
      [
        ["first requests whose attempts were exactly a:usage_limit > b:ok", `${c.firstRowsOk} of ${c.firstRows}`],
        ["model requests the fake saw on account a per first request", perFirst],
        ["later requests whose attempts were exactly [b]", `${c.laterRowsOnlyB} of ${c.laterRows}`],
        ["model requests the fake saw on account a during all later requests", String(c.aCallsDuringLater)],
        ["requests after A's reset served by a", `${c.backOnA} of ${t.back.length}`],
      ],
    ) + "\n",
  );
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
