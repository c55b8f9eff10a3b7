// Issue 10: a lane serves its other requests at full speed whatever one request does. One codex
// lane (app-server engine, concurrency 2) against the fake ChatGPT backend in its own process:
// normal chat requests one after another with the lane idle, then the same while another request
// on the same lane hangs (its model never answers; it holds one slot for the whole phase). Phases
// alternate so drift in the shared machine's load touches both alike. Reports p50/p90 per phase.

import * as http from "node:http";
import { target, post, type Sample } from "./lib/http-load";
import { fakeAccountLane, startBenchGateway } from "./lib/codex-gateway";
import { RemoteFake } from "./lib/remote-fake";
import { intFlags, loadLine, machineLine, ms, quantile, table } from "./lib/stats";
import type { TestHome } from "../../test/fakes/codex-run";

const flags = intFlags({ requests: 30, rounds: 2 });

function chat(text: string): Buffer {
  return Buffer.from(JSON.stringify({ model: "gpt-5.5", messages: [{ role: "user", content: text }] }));
}

/** A request left open until `cancel` (the client then goes away, as a real one would). */
function hanging(url: string, key: string): { cancel(): void } {
  const body = chat("SCENARIO=hang this one is never answered");
  const req = http.request(url, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json", "content-length": String(body.length) } });
  req.on("error", () => {}); // cancelled below
  req.end(body);
  return { cancel: () => req.destroy() };
}

async function main(): Promise<void> {
  console.log(machineLine());
  console.log(loadLine("at start"));
  const fake = await RemoteFake.start();
  const homes: TestHome[] = [];
  const lane = await fakeAccountLane(fake, "plus-a", "app-server", homes);
  // A deadline longer than any phase: the hanging request holds its slot throughout.
  const gw = await startBenchGateway([lane], { config: { limits: { maxBodyBytes: 1 << 20, maxUploadBytes: 1 << 20, turnTimeoutMs: 600_000 } } });
  const t = target("gateway", `${gw.url}/v1/chat/completions`, { authorization: `Bearer ${gw.key}` });
  const idle: Sample[] = [];
  const withHang: Sample[] = [];
  const run = async (into: Sample[], label: string) => {
    for (let i = 0; i < flags.requests; i++) into.push(await post(t, chat(`${label} ${i}`), false, `echo: ${label} ${i}`));
  };
  try {
    await run([], "warm-up");
    for (let r = 0; r < flags.rounds; r++) {
      await run(idle, `idle ${r}`);
      const before = await fake.count("acct-plus-a");
      const hang = hanging(t.url.toString(), gw.key);
      while ((await fake.count("acct-plus-a")) === before) await new Promise((res) => setTimeout(res, 20));
      try {
        await run(withHang, `beside a hang ${r}`);
      } finally {
        hang.cancel();
      }
      console.error(`round ${r + 1} of ${flags.rounds} done; ${loadLine("now")}`);
    }
  } finally {
    await gw.close();
    await fake.close();
    for (const h of homes) h.cleanup();
  }
  const row = (name: string, s: Sample[]) => [name, String(s.length), ms(quantile(s.map((x) => x.total), 0.5)), ms(quantile(s.map((x) => x.total), 0.9))];
  console.log();
  console.log(table(["lane", "requests", "p50 ms", "p90 ms"], [row("idle", idle), row("one request hanging on it", withHang)]));
  console.log();
  console.log(loadLine("at end"));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
