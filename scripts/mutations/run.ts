// `npm run test:mutations`: puts each one-line bug from list.ts into a scratch copy of the repo, runs
// the test files named for it, puts the line back, and prints which bugs the tests caught.
// A mutation whose original text is gone (the code moved) is "stale" and fails the run, so the list
// keeps up with the code. Not part of `npm test`: it runs the named suites once per mutation.

import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { MUTATIONS, type Mutation } from "./list";

const ROOT = path.resolve(__dirname, "../..");
/** A mutation whose tests still run after this is counted as caught: they never pass. */
const RUN_LIMIT_MS = 15 * 60_000;
/** As in `npm test`: on Node 20 it bounds each test file as a whole, and names the test it cancels. */
const TEST_TIMEOUT_MS = 600_000;

type Result = "caught" | "survived" | "stale" | "ambiguous";

interface Row {
  mutation: Mutation;
  result: Result;
  detail: string;
  /** How long its tests ran. */
  secs?: number;
}

interface Options {
  only: Set<string> | null;
  keep: boolean;
  list: boolean;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { only: null, keep: false, list: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--only") opts.only = new Set((argv[++i] ?? "").split(",").filter(Boolean));
    else if (a === "--keep") opts.keep = true;
    else if (a === "--list") opts.list = true;
    else {
      process.stderr.write(`unknown argument '${a}'. Usage: npm run test:mutations -- [--only id,id] [--list] [--keep]\n`);
      process.exit(2);
    }
  }
  return opts;
}

/** Tracked and untracked-but-not-ignored files: the working tree as it is, uncommitted edits included. */
function scratchCopy(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "codex-lanes-mutations-"));
  const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" })
    .split("\0")
    .filter(Boolean);
  for (const f of files) {
    const from = path.join(ROOT, f);
    if (!existsSync(from)) continue; // deleted in the working tree
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    cpSync(from, path.join(dir, f));
  }
  symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
  return dir;
}

function occurrences(text: string, needle: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length)) n++;
  return n;
}

/** The tests one mutation runs: its files, and only the tests whose names match its pattern when it has one. */
interface Selection {
  tests: readonly string[];
  names?: string;
}

function selectionKey(s: Selection): string {
  return JSON.stringify([s.tests, s.names ?? null]);
}

function runTests(dir: string, sel: Selection): Promise<{ code: number | null; timedOut: boolean; tail: string }> {
  const pattern = sel.names ? [`--test-name-pattern=${sel.names}`] : [];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--test", `--test-timeout=${TEST_TIMEOUT_MS}`, "--test-concurrency=2", "--test-reporter=dot", ...pattern, ...sel.tests], {
      cwd: dir,
      env: { ...process.env, NODE_ENV: "test" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    current = child;
    let out = "";
    const keep = (b: Buffer) => {
      out = (out + b.toString()).slice(-4000);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      stopCurrent();
    }, RUN_LIMIT_MS);
    child.on("close", (code) => {
      current = null;
      clearTimeout(timer);
      resolve({ code, timedOut, tail: out });
    });
  });
}

/** The test run in progress: its own process group, so that it and every server it started can be stopped together. */
let current: ChildProcess | null = null;

function stopCurrent(): void {
  if (!current?.pid) return;
  try {
    process.kill(-current.pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/** The first failing test's name, from the dot reporter's summary. */
function firstFailure(tail: string): string {
  const m = /^\s*(?:✖|not ok \d+ -)\s+(.+)$/m.exec(tail.split("Failed tests:")[1] ?? tail);
  return m ? m[1]!.replace(/\s*\([\d.]+m?s\)\s*$/, "").trim().slice(0, 90) : "";
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const chosen = MUTATIONS.filter((m) => !opts.only || opts.only.has(m.id));
  const unknown = [...(opts.only ?? [])].filter((id) => !MUTATIONS.some((m) => m.id === id));
  if (unknown.length) {
    process.stderr.write(`no mutation with id ${unknown.join(", ")}; --list shows them\n`);
    process.exitCode = 2;
    return;
  }
  if (opts.list) {
    for (const m of chosen) process.stdout.write(`${m.id.padEnd(28)} ${m.file}  (${m.tests.join(", ")})\n  ${m.why}\n`);
    return;
  }
  const dir = scratchCopy();
  process.stdout.write(`scratch copy: ${dir}\n`);
  const cleanUp = () => {
    if (opts.keep) process.stdout.write(`kept ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  };
  process.once("SIGINT", () => {
    stopCurrent();
    cleanUp();
    process.exit(130);
  });
  try {
    if (!(await baselinesPass(dir, chosen))) {
      process.exitCode = 1;
      return;
    }
    const rows: Row[] = [];
    for (const m of chosen) {
      rows.push(await judge(dir, m));
      const r = rows.at(-1)!;
      process.stdout.write(`${m.id}: ${r.result === "survived" ? "SURVIVED" : r.result}${r.secs === undefined ? "" : ` (${r.secs}s)`} ${r.detail}\n`);
    }
    printTable(rows);
    process.exitCode = rows.every((r) => r.result === "caught") ? 0 : 1;
  } finally {
    cleanUp();
  }
}

/** Each distinct selection once without mutations: if one fails there, no catch would mean anything. */
async function baselinesPass(dir: string, chosen: readonly Mutation[]): Promise<boolean> {
  const runnable = chosen.filter((m) => m.tests.every((t) => existsSync(path.join(dir, t))));
  const plain = runnable.filter((m) => !m.names);
  const selections: Selection[] = [{ tests: [...new Set(plain.flatMap((m) => m.tests))] }];
  for (const m of runnable) if (m.names && !selections.some((b) => selectionKey(b) === selectionKey(m))) selections.push(m);
  for (const sel of selections.filter((b) => b.tests.length > 0)) {
    process.stdout.write(`baseline: ${sel.names ? `'${sel.names}' in ` : ""}${sel.tests.join(" ")} ...\n`);
    const base = await runTests(dir, sel);
    if (base.code !== 0) {
      process.stderr.write(`these tests fail without any mutation; fix them first:\n${base.tail}\n`);
      return false;
    }
  }
  return true;
}

/** Applies one mutation in the scratch copy, runs its tests, and puts the original back. */
async function judge(dir: string, m: Mutation): Promise<Row> {
  const missing = m.tests.filter((t) => !existsSync(path.join(dir, t)));
  if (missing.length) return { mutation: m, result: "stale", detail: `no test file ${missing.join(", ")}` };
  const file = path.join(dir, m.file);
  const original = existsSync(file) ? readFileSync(file, "utf8") : "";
  const n = occurrences(original, m.from);
  if (n === 0) return { mutation: m, result: "stale", detail: "original text not found" };
  if (n > 1) return { mutation: m, result: "ambiguous", detail: `original text found ${n} times` };
  writeFileSync(file, original.replace(m.from, () => m.to));
  const started = Date.now();
  try {
    const r = await runTests(dir, m);
    const secs = Math.round((Date.now() - started) / 1000);
    if (r.code === 0) return { mutation: m, result: "survived", detail: "", secs };
    return { mutation: m, result: "caught", detail: r.timedOut ? `tests still running after ${RUN_LIMIT_MS / 60_000} min` : firstFailure(r.tail), secs };
  } finally {
    writeFileSync(file, original);
  }
}

function printTable(rows: Row[]): void {
  const count = (r: Result) => rows.filter((x) => x.result === r).length;
  const lines = [
    "",
    "| mutation | file | result | first failing test |",
    "|---|---|---|---|",
    ...rows.map((r) => `| ${r.mutation.id} | \`${r.mutation.file}\` | ${r.result} | ${r.detail.replace(/\|/g, "\\|")} |`),
    "",
    `${count("caught")} caught, ${count("survived")} survived, ${count("stale") + count("ambiguous")} stale of ${rows.length}`,
  ];
  process.stdout.write(lines.join("\n") + "\n");
}

main().catch((err: unknown) => {
  process.stderr.write(`mutation check failed: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
