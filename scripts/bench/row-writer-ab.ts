// Issue 10 item 7: what committing each request-log row before the response's last byte costs. The same
// chat completions on the API-key lane, in interleaved rounds, through the gateway before the row writer
// (5fc104a: rows batched on a 50 ms timer, after the response) and after it (rows committed before the last
// byte, one transaction per event-loop turn). Prints CPU ms per request and p50 (first byte when streamed).
//
//   BEFORE_TREE=<a checkout of 5fc104a with node_modules> node --import tsx scripts/bench/row-writer-ab.ts   (R=rounds, default 6)
// BEFORE_LABEL and AFTER_LABEL name the two trees when BEFORE_TREE is another change (issue 14: the request inbox).
import path from "node:path";
import { burst, target } from "./lib/http-load";
import { cpuMs, forkTs, stop } from "./lib/procs";
const chat = (stream: boolean) => Buffer.from(JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "system", content: "You are terse." }, { role: "user", content: "Say hello in one short sentence." }], ...(stream ? { stream: true } : {}) }));
async function main() {
  const fake = await forkTs<{ baseUrl: string }>(path.join(__dirname, "lib/fake-openai-child.ts"), {});
  const env = { BENCH_UPSTREAM: fake.info.baseUrl };
  const a = await forkTs<{ url: string; key: string }>(path.join(process.env.BEFORE_TREE ?? "", "scripts/bench/lib/gateway-child.ts"), env);
  const b = await forkTs<{ url: string; key: string }>(path.join(__dirname, "lib/gateway-child.ts"), env);
  const ts = [{ t: target(process.env.BEFORE_LABEL ?? "before (50 ms timer)", `${a.info.url}/v1/chat/completions`, { authorization: `Bearer ${a.info.key}` }), pid: a.child.pid! }, { t: target(process.env.AFTER_LABEL ?? "after (row writer)", `${b.info.url}/v1/chat/completions`, { authorization: `Bearer ${b.info.key}` }), pid: b.child.pid! }];
  const R = Number(process.env.R ?? 6);
  for (const [label, conc, n, stream] of [["non-streamed c=1", 1, 300, false], ["non-streamed c=16", 16, 800, false], ["streamed c=1", 1, 300, true]] as const) {
    for (const { t } of ts) await burst(t, 200, conc, chat(stream), stream, stream ? "[DONE]" : "echo: ");
    const cpu = new Map<string, number>(); const lat = new Map<string, number[]>();
    for (let r = 0; r < R; r++) for (const { t, pid } of ts) {
      const c0 = cpuMs(pid); const s = await burst(t, n, conc, chat(stream), stream, stream ? "[DONE]" : "echo: ");
      cpu.set(t.name, (cpu.get(t.name) ?? 0) + cpuMs(pid) - c0); lat.set(t.name, [...(lat.get(t.name) ?? []), ...s.map((x) => (stream ? x.firstByte : x.total))]);
    }
    for (const { t } of ts) { const v = lat.get(t.name)!.sort((x, y) => x - y); console.log(`| ${label} | ${t.name} | ${(cpu.get(t.name)! / (R * n)).toFixed(3)} | ${v[Math.floor(v.length / 2)]!.toFixed(3)} |`); }
  }
  for (const c of [fake.child, a.child, b.child]) await stop(c);
}
main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
