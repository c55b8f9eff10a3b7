// Summarizes a V8 .cpuprofile (from `node --cpu-prof`): the frames with the most self time, and the
// share of time under a few groups of files, to see where a gateway process spends its CPU.
//
//   node --import tsx scripts/bench/lib/profile-top.ts <file.cpuprofile> [top=30]

import { readFileSync } from "node:fs";

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const GROUPS: [string, RegExp][] = [
  ["gateway/ (our code)", /\/gateway\//],
  ["hono + @hono/node-server", /node_modules\/(hono|@hono)\//],
  ["better-sqlite3", /better-sqlite3/],
  ["zod", /node_modules\/zod\//],
  ["node:internal (http, streams, net, timers)", /^node:/],
];

function main(): void {
  const file = process.argv[2];
  if (!file) throw new Error("usage: profile-top.ts <file.cpuprofile> [top]");
  const top = Number(process.argv[3] ?? 30);
  const p = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const selfUs = new Map<number, number>();
  p.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const byFrame = new Map<string, number>();
  const byGroup = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const n of p.nodes) {
    const us = selfUs.get(n.id) ?? 0;
    total += us;
    const { functionName, url, lineNumber } = n.callFrame;
    if (functionName === "(idle)") idle += us;
    const where = url ? `${url.replace(/^file:\/\//, "").replace(/^.*node_modules\//, "nm/").replace(/^.*\/(gateway|scripts|test)\//, "$1/")}:${lineNumber + 1}` : "";
    const key = `${functionName || "(anonymous)"} ${where}`.trim();
    byFrame.set(key, (byFrame.get(key) ?? 0) + us);
    const group = GROUPS.find(([, re]) => re.test(url))?.[0] ?? (functionName.startsWith("(") ? functionName : "other JS / native");
    byGroup.set(group, (byGroup.get(group) ?? 0) + us);
  }
  const busy = total - idle;
  const pct = (us: number) => `${((100 * us) / busy).toFixed(1).padStart(5)}%`;
  console.log(`busy ${(busy / 1000).toFixed(0)} ms of ${(total / 1000).toFixed(0)} ms sampled; shares below are of busy time\n`);
  console.log("by group (self time):");
  for (const [g, us] of [...byGroup].filter(([g]) => g !== "(idle)").sort((a, b) => b[1] - a[1])) console.log(`  ${pct(us)}  ${g}`);
  console.log(`\ntop ${top} frames (self time):`);
  for (const [k, us] of [...byFrame].filter(([k]) => !k.startsWith("(idle)")).sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(us)}  ${k}`);
  console.log(`\ntop ${top} frames of gateway/ (inclusive time: the frame and everything it called):`);
  for (const [k, us] of inclusive(p, selfUs).slice(0, top)) console.log(`  ${pct(us)}  ${k}`);
}

/** Inclusive time per gateway/ frame; a frame that recurses is counted once per stack. */
function inclusive(p: Profile, selfUs: Map<number, number>): [string, number][] {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const out = new Map<string, number>();
  const walk = (id: number, onStack: Set<string>): number => {
    const n = byId.get(id)!;
    const { functionName, url, lineNumber } = n.callFrame;
    const key = /\/gateway\//.test(url) ? `${functionName || "(anonymous)"} ${url.replace(/^.*\/gateway\//, "gateway/")}:${lineNumber + 1}` : null;
    const fresh = key !== null && !onStack.has(key);
    if (fresh) onStack.add(key);
    let us = selfUs.get(id) ?? 0;
    for (const c of n.children ?? []) us += walk(c, onStack);
    if (fresh) {
      onStack.delete(key);
      out.set(key, (out.get(key) ?? 0) + us);
    }
    return us;
  };
  walk(p.nodes[0]!.id, new Set());
  return [...out].sort((a, b) => b[1] - a[1]);
}

main();
