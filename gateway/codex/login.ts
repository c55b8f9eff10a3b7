// Device-code sign-in and sign-out for one CODEX_HOME, by running the official CLI
// (`codex login --device-auth`, `codex logout`). No password or token passes through us: we only
// read the link and the one-time code that Codex prints for the user.

import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, statSync } from "node:fs";
import path from "node:path";
import { codexBinary } from "./binary";
import { childEnv, configArgs, type CodexProcessSpec } from "./hardening";

export type DeviceLoginState =
  | { state: "idle" }
  | { state: "pending"; verificationUrl: string; userCode: string }
  | { state: "succeeded" }
  | { state: "failed"; error: string };

export class LoginError extends Error {}

/** Strips ANSI colour codes: the device prompt carries them even when stdout is not a TTY. */
function plain(text: string): string {
  return text.replace(/\u001b\[[0-9;]*[A-Za-z]/g, "");
}

/** Finds the link and the code in the device prompt (reference §1.3), once both have been printed. */
export function parseDevicePrompt(output: string): { verificationUrl: string; userCode: string } | null {
  const text = plain(output);
  const url = /https?:\/\/\S+/.exec(text.slice(text.indexOf("Open this link") >= 0 ? text.indexOf("Open this link") : 0));
  const codeAt = text.indexOf("one-time code");
  if (!url || codeAt < 0) return null;
  const after = text.slice(codeAt).split("\n").slice(1).map((l) => l.trim()).find((l) => l.length > 0);
  if (!after || !/^[A-Z0-9]+(-[A-Z0-9]+)+$/i.test(after)) return null;
  return { verificationUrl: url[0], userCode: after };
}

/**
 * Test deployments point sign-in at a fake OAuth issuer with this variable; it is passed to Codex's
 * own hidden `--experimental_issuer` flag and never set in production.
 */
function issuerArgs(): string[] {
  const issuer = process.env.CODEX_LANES_AUTH_ISSUER;
  return issuer ? ["--experimental_issuer", issuer] : [];
}

/** One device-code sign-in in progress for one account home. */
export class DeviceLogin {
  private child: ChildProcess | null = null;
  private current: DeviceLoginState = { state: "idle" };
  private finished: Promise<DeviceLoginState> | null = null;

  constructor(private readonly spec: CodexProcessSpec) {}

  get state(): DeviceLoginState {
    return this.current;
  }

  /** Starts the flow and resolves with the link and code as soon as Codex prints them. */
  start(timeoutMs = 30_000): Promise<{ verificationUrl: string; userCode: string }> {
    if (this.current.state === "pending") return Promise.resolve(this.current);
    mkdirSync(this.spec.home, { recursive: true, mode: 0o700 });
    const child = spawn(codexBinary(), ["login", "--device-auth", ...issuerArgs(), ...configArgs(this.spec.config)], {
      env: childEnv(this.spec),
      cwd: this.spec.home,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    let out = "";
    let err = "";
    this.finished = new Promise((resolve) => {
      child.on("close", (code) => {
        this.child = null;
        const lastErr = plain(err).trim().split("\n").filter(Boolean).pop() ?? `codex login exited with code ${code}`;
        this.current = code === 0 ? { state: "succeeded" } : { state: "failed", error: lastErr.replace(/^Error logging in with device code: /, "") };
        resolve(this.current);
      });
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        void this.cancel();
        reject(new LoginError("Codex did not print a device code in time"));
      }, timeoutMs);
      child.stdout!.on("data", (c: Buffer) => {
        out += c.toString("utf8");
        const prompt = this.current.state === "idle" || this.current.state === "failed" ? parseDevicePrompt(out) : null;
        if (prompt) {
          clearTimeout(timer);
          this.current = { state: "pending", ...prompt };
          resolve(prompt);
        }
      });
      child.stderr!.on("data", (c: Buffer) => (err += c.toString("utf8")));
      void this.finished!.then((s) => {
        clearTimeout(timer);
        if (s.state === "failed") reject(new LoginError(s.error));
      });
    });
  }

  /** Resolves when the flow ends (the user approved, the code expired, or it was cancelled). */
  wait(): Promise<DeviceLoginState> {
    return this.finished ?? Promise.resolve(this.current);
  }

  async cancel(): Promise<void> {
    this.child?.kill("SIGTERM");
    await this.finished;
  }
}

/** `codex logout`: revokes the refresh token upstream and deletes auth.json. */
export function logout(spec: CodexProcessSpec): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(codexBinary(), ["logout", ...configArgs(spec.config)], { env: childEnv(spec), cwd: spec.home, stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    child.stderr.on("data", (c: Buffer) => (err += c.toString("utf8")));
    child.on("close", (code) => (code === 0 ? resolve() : reject(new LoginError(plain(err).trim().split("\n").pop() || `codex logout exited with code ${code}`))));
  });
}

/** When auth.json last changed (a sign-in or a token refresh), or null when the account is not signed in. */
export function authUpdatedAt(home: string): number | null {
  const file = path.join(home, "auth.json");
  if (!existsSync(file)) return null;
  try {
    return statSync(file).mtimeMs;
  } catch {
    return null;
  }
}
