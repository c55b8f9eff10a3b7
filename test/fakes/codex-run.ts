// Helpers for tests that run the real pinned Codex binary.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const REPO_ROOT = path.resolve(__dirname, '..', '..');

/**
 * Absolute path of the pinned native Codex binary.
 *
 * We spawn the native binary rather than the `node_modules/.bin/codex` Node shim: the shim only
 * locates this same file and re-execs it (adding CODEX_MANAGED_BY_NPM / CODEX_MANAGED_PACKAGE_ROOT,
 * which only matter for update hints), and skipping it saves ~70 ms of Node start-up per process.
 */
export function codexBin(): string {
  const triple = nativeTriple();
  const bin = path.join(
    REPO_ROOT, 'node_modules', '@openai', `codex-${platformPackageSuffix()}`, 'vendor', triple, 'bin', 'codex',
  );
  if (!fs.existsSync(bin)) throw new Error(`pinned codex binary not found at ${bin}`);
  return bin;
}

/** The Node shim (`node_modules/.bin/codex`), for tests that want the exact user-facing entry point. */
export function codexShim(): string {
  return path.join(REPO_ROOT, 'node_modules', '.bin', 'codex');
}

function nativeTriple(): string {
  if (process.platform === 'linux' && process.arch === 'x64') return 'x86_64-unknown-linux-musl';
  if (process.platform === 'linux' && process.arch === 'arm64') return 'aarch64-unknown-linux-musl';
  if (process.platform === 'darwin' && process.arch === 'arm64') return 'aarch64-apple-darwin';
  if (process.platform === 'darwin' && process.arch === 'x64') return 'x86_64-apple-darwin';
  throw new Error(`unsupported platform ${process.platform}/${process.arch}`);
}

function platformPackageSuffix(): string {
  const os = process.platform === 'darwin' ? 'darwin' : 'linux';
  return `${os}-${process.arch === 'arm64' ? 'arm64' : 'x64'}`;
}

export interface TestHome {
  /** Absolute path to use as CODEX_HOME. */
  dir: string;
  /** Removes the directory tree. Safe to call twice. */
  cleanup(): void;
}

/**
 * A fresh, empty CODEX_HOME under the user's home directory. Codex prints a warning for every
 * command whose CODEX_HOME is under /tmp ("Refusing to create helper binaries under temporary
 * dir"), which would pollute the output tests assert on.
 */
export function makeHome(prefix = 'codex-home-'): TestHome {
  const base = path.join(os.homedir(), '.codex-lanes-test');
  fs.mkdirSync(base, { recursive: true });
  const dir = fs.mkdtempSync(path.join(base, prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** A fresh empty working directory (for `codex exec -C`), outside any git repo. */
export function makeWorkdir(prefix = 'codex-cwd-'): TestHome {
  return makeHome(prefix);
}

/**
 * Environment for a Codex child: the parent's environment minus variables that would make Codex
 * leave ChatGPT mode (CODEX_API_KEY overrides auth.json) or reach for real credentials, plus the
 * given overrides.
 */
export function codexChildEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ['CODEX_API_KEY', 'OPENAI_API_KEY', 'CODEX_ACCESS_TOKEN', 'CODEX_HOME', 'OPENAI_BASE_URL']) delete env[k];
  return { ...env, TZ: 'UTC', ...extra };
}

/** Turns a `{key: value}` map into `-c key=value` argv pairs (values are TOML-quoted strings). */
export function configArgs(config: Record<string, string>): string[] {
  return Object.entries(config).flatMap(([k, v]) => ['-c', `${k}=${JSON.stringify(v)}`]);
}

export interface ExecResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout lines parsed as JSON (non-JSON lines skipped). */
  events: Array<Record<string, unknown>>;
  wallMs: number;
}

export interface RunCodexOptions {
  /** Arguments after the binary, e.g. ['exec', '--json', ..., 'prompt']. */
  args: string[];
  /** Extra environment (CODEX_HOME, fake.codexEnv(), ...), on top of codexChildEnv(). */
  env: Record<string, string>;
  /** Written to stdin, which is then closed (an open stdin makes `codex exec` wait forever). */
  stdin?: string;
  /** Kill the process (SIGKILL) after this long; default 60 s. */
  timeoutMs?: number;
}

/** Runs the pinned Codex binary to completion and collects its output. */
export function runCodex(opts: RunCodexOptions): Promise<ExecResult> {
  const started = Date.now();
  const child = spawn(codexBin(), opts.args, {
    env: codexChildEnv(opts.env),
    stdio: [opts.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (opts.stdin !== undefined) child.stdin?.end(opts.stdin);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, events: parseJsonLines(stdout), wallMs: Date.now() - started });
    });
  });
}

export function parseJsonLines(text: string): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // not JSON: progress text
    }
  }
  return out;
}
