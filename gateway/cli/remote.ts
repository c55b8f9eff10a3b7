// `login`, `logout` and `lanes` with `--gateway URL`: the same commands, run against a deployed
// gateway's admin API (admin key from CODEX_LANES_ADMIN_KEY) instead of local account homes.

import { runLoginFlow, runLogoutFlow } from "./login";
import type { LaneView } from "../dispatch/views";
import type { LoginStart, LoginState } from "../chat/lane-adapter";
import { renderLanes } from "./lanes";
import { EXIT_OK, UsageError, type CliIO } from "./io";

const CALL_TIMEOUT_MS = 30_000;

export class GatewayCallError extends Error {}

export class GatewayAdmin {
  private readonly base: string;

  constructor(url: string, private readonly adminKey: string) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new UsageError(`--gateway must be the gateway's URL, e.g. https://203-0-113-7.nip.io (got "${url}")`);
    }
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:") throw new UsageError(`--gateway must be an http(s) URL (got "${url}")`);
    this.base = parsed.origin + parsed.pathname.replace(/\/+$/, "");
  }

  static fromEnv(url: string, env: NodeJS.ProcessEnv): GatewayAdmin {
    const key = env.CODEX_LANES_ADMIN_KEY;
    if (!key) throw new UsageError("--gateway needs the gateway's admin key in CODEX_LANES_ADMIN_KEY (pulumi stack output --show-secrets adminKey)");
    return new GatewayAdmin(url, key);
  }

  async call<T>(method: "GET" | "POST", route: string): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.base + route, { method, headers: { authorization: `Bearer ${this.adminKey}` }, signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      throw new GatewayCallError(`cannot reach the gateway at ${this.base}: ${cause}`);
    }
    const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
    if (!res.ok) throw new GatewayCallError(body?.error?.message ?? `the gateway answered HTTP ${res.status}`);
    return body as T;
  }

  lane(name: string) {
    const path = `/admin/lanes/${encodeURIComponent(name)}`;
    return {
      name,
      login: () => this.call<LoginStart>("POST", `${path}/login`),
      loginStatus: () => this.call<LoginState>("GET", `${path}/login`),
      logout: async () => {
        await this.call("POST", `${path}/logout`);
      },
    };
  }
}

export async function remoteCommand(command: "login" | "logout" | "lanes", url: string, positionals: string[], flags: { json?: boolean }, io: CliIO): Promise<number> {
  const admin = GatewayAdmin.fromEnv(url, io.env);
  if (command === "lanes") {
    if (positionals.length > 0) throw new UsageError(`lanes takes no arguments (got "${positionals[0]}")`);
    const { lanes } = await admin.call<{ lanes: LaneView[] }>("GET", "/admin/lanes");
    io.out.write(flags.json ? JSON.stringify(lanes, null, 2) + "\n" : renderLanes(lanes.map(withRemoteFix(url)), Date.now()));
    return EXIT_OK;
  }
  if (positionals.length !== 1) throw new UsageError(`${command} --gateway needs exactly one lane: codex-lanes ${command} <lane> --gateway ${url}`);
  const lane = admin.lane(positionals[0]!);
  return command === "login" ? runLoginFlow(lane, { out: io.out, err: io.err, signal: io.signal }) : runLogoutFlow(lane, io);
}

/** The fix a deployed gateway suggests is run from the user's machine, against that gateway. */
function withRemoteFix(url: string) {
  return (v: LaneView): LaneView => (v.fix && v.fix.startsWith("codex-lanes login") && !v.fix.includes("--gateway") ? { ...v, fix: `${v.fix} --gateway ${url}` } : v);
}
