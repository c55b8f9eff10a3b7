// SSH the way the program's resources use it: remote commands with the private key and the pinned
// host key (command.remote's connection), and the Docker Engine API over `ssh ... docker system
// dial-stdio` with the Docker provider's own `sshOpts` (what Docker's ssh connection helper runs).

import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import { Duplex } from "node:stream";

export interface Connection {
  host: string;
  user: string;
  privateKey: string;
  hostKey?: string;
  dialErrorLimit?: number;
  perDialTimeout?: number;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], input?: Buffer | string, timeoutMs = 20 * 60_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => err.push(d));
    child.on("error", reject);
    // ssh that cannot connect (a rebooting server) exits before reading stdin; its exit code says so.
    child.stdin.on("error", () => undefined);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
    child.stdin.end(input ?? "");
  });
}

/** Writes the connection's key and known_hosts to `dir` and returns the ssh options that use them. */
export function connectionOpts(c: Connection, dir: string): string[] {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const key = path.join(dir, "id");
  const hosts = path.join(dir, "known_hosts");
  fs.writeFileSync(key, c.privateKey.endsWith("\n") ? c.privateKey : `${c.privateKey}\n`, { mode: 0o600 });
  // command.remote checks the host key when the connection names one, else accepts any.
  const check = c.hostKey ? ["-o", "StrictHostKeyChecking=yes", "-o", `UserKnownHostsFile=${hosts}`] : ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"];
  if (c.hostKey) fs.writeFileSync(hosts, `${c.host} ${c.hostKey.trim()}\n`, { mode: 0o600 });
  return ["-i", key, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", `ConnectTimeout=${c.perDialTimeout ?? 15}`, ...check, "-l", c.user];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `command` on the host as command.remote does: one SSH session, the command given to the
 * remote user's shell. Dial failures (ssh's exit 255 before a session) are retried like the
 * provider's dialErrorLimit.
 */
export async function remoteRun(c: Connection, dir: string, command: string, stdin?: Buffer): Promise<RunResult> {
  const opts = connectionOpts(c, dir);
  const limit = c.dialErrorLimit ?? 10;
  for (let attempt = 1; ; attempt++) {
    const r = await run("ssh", [...opts, c.host, "--", command], stdin);
    const dialFailed = r.code === 255 && /Connection refused|timed out|No route|Connection reset|closed by remote|kex_exchange/i.test(r.stderr);
    if (!dialFailed || attempt >= limit) return r;
    await sleep(2_000);
  }
}

/** An http request to the Docker Engine API through `ssh <sshOpts> <host> docker system dial-stdio`. */
export class DialStdioEngine {
  constructor(
    private readonly sshHost: string,
    private readonly sshOpts: string[],
  ) {}

  /** One connection: an ssh process whose stdin and stdout carry the HTTP exchange. */
  private connect(): Duplex {
    const child = spawn("ssh", [...this.sshOpts, "-o", "BatchMode=yes", "--", this.sshHost, "docker", "system", "dial-stdio"], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const duplex = new Duplex({
      write(chunk, _enc, cb) {
        child.stdin.write(chunk, cb);
      },
      final(cb) {
        child.stdin.end();
        cb();
      },
      read() {
        child.stdout.resume();
      },
      destroy(err, cb) {
        child.kill();
        cb(err);
      },
    });
    child.stdout.on("data", (d: Buffer) => {
      if (!duplex.push(d)) child.stdout.pause();
    });
    child.stdout.on("end", () => duplex.push(null));
    child.stdin.on("error", (err) => duplex.destroy(err));
    child.on("close", (code) => {
      if (code !== 0 && code !== null && !duplex.destroyed) duplex.destroy(new Error(`ssh dial-stdio exited ${code}: ${stderr.trim().slice(-300)}`));
    });
    return duplex;
  }

  /** Transport failures (not HTTP statuses) are retried: every call here is safe to repeat. */
  async request(method: string, route: string, body?: unknown, opts: { raw?: Buffer; contentType?: string; timeoutMs?: number } = {}): Promise<{ status: number; body: string }> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(method, route, body, opts);
      } catch (err) {
        if (attempt >= 4) throw err;
        await new Promise((r) => setTimeout(r, 1_000 * attempt));
      }
    }
  }

  private once(method: string, route: string, body: unknown, opts: { raw?: Buffer; contentType?: string; timeoutMs?: number }): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const payload = opts.raw ?? (body === undefined ? undefined : Buffer.from(JSON.stringify(body)));
      const req = http.request(
        {
          createConnection: () => this.connect(),
          method,
          path: `/v1.41${route}`,
          headers: {
            Host: "docker",
            ...(payload ? { "Content-Type": opts.contentType ?? "application/json", "Content-Length": payload.length } : {}),
          },
          timeout: opts.timeoutMs ?? 120_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (d: Buffer) => chunks.push(d));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
          res.on("error", reject);
        },
      );
      req.on("timeout", () => req.destroy(new Error(`${method} ${route}: timed out`)));
      req.on("error", reject);
      req.end(payload);
    });
  }

  async json<T>(method: string, route: string, body?: unknown, okStatuses: number[] = [200, 201, 204, 304]): Promise<T> {
    const r = await this.request(method, route, body);
    if (!okStatuses.includes(r.status)) throw new Error(`docker ${method} ${route}: HTTP ${r.status} ${r.body.slice(0, 500)}`);
    return (r.body ? JSON.parse(r.body) : {}) as T;
  }
}
