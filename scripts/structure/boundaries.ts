// The import rules of gateway/, in one table: what each folder may import (other gateway folders,
// and packages), as its README states. test/boundaries.test.ts fails the build on any import
// outside them, and on any cycle between folders. Change a rule here and in that folder's README.

import { folderCycles, gatewayFolder, importsOf, sourceFiles, type ImportEdge } from "./imports";

export interface FolderRule {
  /** Gateway folders (or top-level files such as `log.ts`) this folder may import. */
  may: readonly string[];
  /** Of those, the ones it may import only as types (`import type`). */
  typesOnly?: readonly string[];
  /** Packages it may import: exact names, `node:*` for every Node built-in, or `node:x` for one. */
  packages: readonly string[];
}

const NODE = "node:*";

export const RULES: Readonly<Record<string, FolderRule>> = {
  // The pure lane core, bundled into the action: nothing but itself.
  lanes: { may: [], packages: [] },
  async: { may: [], packages: [] },
  errors: { may: ["lanes"], typesOnly: ["lanes"], packages: [] },
  chat: { may: ["lanes", "errors"], typesOnly: ["lanes"], packages: ["zod"] },
  store: { may: ["lanes", "chat", "errors"], typesOnly: ["lanes", "chat"], packages: ["better-sqlite3", NODE] },
  calc: { may: ["store"], typesOnly: ["store"], packages: [] },
  config: { may: ["calc", "chat", "lanes", "errors"], packages: ["zod", "node:fs", "node:os", "node:path"] },
  codex: { may: ["async", "chat", "config", "lanes", "errors", "log.ts"], packages: [NODE] },
  upstreams: { may: ["async", "chat", "codex", "config", "lanes", "errors", "log.ts"], packages: [NODE] },
  dispatch: { may: ["async", "chat", "config", "errors", "lanes", "store", "log.ts"], packages: [NODE] },
  metrics: { may: ["calc", "config", "dispatch", "lanes", "store"], typesOnly: ["dispatch"], packages: ["prom-client"] },
  http: {
    may: ["async", "calc", "chat", "config", "dispatch", "errors", "lanes", "metrics", "store", "log.ts", "version.ts"],
    packages: ["hono", "@hono/node-server", "node:crypto", "node:path", "node:fs", "node:stream", "node:timers"],
  },
  worker: { may: ["async", "chat", "codex", "config", "errors", "lanes", "log.ts", "version.ts"], packages: ["hono", "@hono/node-server", NODE] },
  cli: {
    may: ["calc", "chat", "config", "dispatch", "errors", "lanes", "metrics", "store", "upstreams", "log.ts", "version.ts", "server.ts"],
    packages: [NODE],
  },
  "log.ts": { may: ["lanes"], packages: [NODE] },
  "version.ts": { may: [], packages: ["node:fs", "node:path"] },
  // The composition roots: they wire everything together.
  "server.ts": { may: ["*"], packages: ["*"] },
  "cli.ts": { may: ["*"], packages: ["*"] },
};

/** Files with a rule of their own, stricter than their folder's. */
export const FILE_RULES: Readonly<Record<string, { why: string; check: (e: ImportEdge) => boolean }>> = {
  "gateway/calc/plans.ts": { why: "imports nothing (Pulumi loads it under its own ts-node)", check: () => false },
  "gateway/codex/exec-events.ts": { why: "imports only types (the action bundles it)", check: (e) => e.typeOnly },
};

export interface Violation {
  file: string;
  line: number;
  imports: string;
  why: string;
}

/** Every import under `<root>/gateway` that breaks a rule, and every cycle between its folders. */
export function checkBoundaries(root: string, rules = RULES): { violations: Violation[]; cycles: string[][] } {
  const files = sourceFiles(root, "gateway").filter((f) => !f.includes("/protocol/"));
  const edges = files.flatMap((f) => importsOf(root, f));
  const violations: Violation[] = [];
  for (const e of edges) {
    const why = breaks(e, rules);
    if (why) violations.push({ file: e.from, line: e.line, imports: e.to, why });
  }
  return { violations, cycles: folderCycles(edges) };
}

function breaks(e: ImportEdge, rules: Readonly<Record<string, FolderRule>>): string | null {
  const own = FILE_RULES[e.from];
  if (own && !own.check(e)) return `${e.from} ${own.why}`;
  const from = gatewayFolder(e.from)!;
  const rule = rules[from];
  if (!rule) return `gateway/${from} has no import rule in scripts/structure/boundaries.ts; add one (and say it in its README)`;
  if (e.to.startsWith("gateway/")) {
    const to = gatewayFolder(e.to)!;
    if (to === from || rule.may.includes("*")) return null;
    if (!rule.may.includes(to)) return `gateway/${from} must not import gateway/${to}`;
    if (rule.typesOnly?.includes(to) && !e.typeOnly) return `gateway/${from} may import gateway/${to} only as types (import type)`;
    return null;
  }
  if (e.to.startsWith(".") || e.to.startsWith("/")) return `imports ${e.to}, outside gateway/`;
  const pkg = e.to.startsWith("node:") ? e.to.split("/")[0]! : e.to.replace(/^(@[^/]+\/[^/]+|[^/]+).*$/, "$1");
  const ok = rule.packages.some((p) => p === "*" || p === pkg || (p === NODE && pkg.startsWith("node:")));
  return ok ? null : `gateway/${from} must not import the package ${pkg}`;
}
