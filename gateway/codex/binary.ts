// Where the pinned Codex CLI lives. We spawn the native binary directly when we can find it: the
// npm shim costs ~70 ms per process (reference §5.4) and adds a Node process to every turn.

import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

const TRIPLES: Record<string, string> = {
  "linux-x64": "x86_64-unknown-linux-musl",
  "linux-arm64": "aarch64-unknown-linux-musl",
  "darwin-x64": "x86_64-apple-darwin",
  "darwin-arm64": "aarch64-apple-darwin",
  "win32-x64": "x86_64-pc-windows-msvc",
  "win32-arm64": "aarch64-pc-windows-msvc",
};

let cached: { bin: string; version: string } | null = null;

function codexPackageDir(): string {
  return path.dirname(require.resolve("@openai/codex/package.json"));
}

/** The version of the pinned `@openai/codex` package, e.g. "0.169.0". */
export function codexVersion(): string {
  return resolveCodex().version;
}

/** Absolute path of the binary to spawn; CODEX_LANES_CODEX_BIN overrides it (for a system install). */
export function codexBinary(): string {
  return resolveCodex().bin;
}

function resolveCodex(): { bin: string; version: string } {
  if (cached) return cached;
  const dir = codexPackageDir();
  const { version } = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { version: string };
  const override = process.env.CODEX_LANES_CODEX_BIN;
  cached = { bin: override || nativeBinary(dir) || path.join(dir, "bin", "codex.js"), version };
  return cached;
}

function nativeBinary(codexDir: string): string | null {
  const key = `${process.platform}-${process.arch}`;
  const triple = TRIPLES[key];
  if (!triple) return null;
  const exe = process.platform === "win32" ? "codex.exe" : "codex";
  const candidates = [
    path.join(codexDir, "..", `codex-${key}`, "vendor", triple, "bin", exe),
    path.join(codexDir, "node_modules", "@openai", `codex-${key}`, "vendor", triple, "bin", exe),
    path.join(codexDir, "vendor", triple, "codex", exe),
  ];
  return candidates.find((p) => existsSync(p)) ?? null;
}
