// The fake ChatGPT backend as a process of its own: the entry of test/containers/Dockerfile.fake.
// HTTPS on 0.0.0.0:8443 with a certificate valid for its network alias, so Codex in the worker
// containers reaches it as https://<alias>:8443; plus a small plain-HTTP control API on :8444 that
// the test on the host uses (through a port published on 127.0.0.1) to set scenarios, hand out
// auth.json and approve device codes.
//
// Environment:
//   FAKE_CHATGPT_HOST           host name in every URL handed to Codex (default fake-chatgpt)
//   FAKE_CHATGPT_PORT           HTTPS port (default 8443)
//   FAKE_CHATGPT_CONTROL_PORT   control port (default 8444)
//   FAKE_CHATGPT_CONTROL_TOKEN  bearer token the control API requires (when set)
//   FAKE_CHATGPT_DIR            where ca.pem is written (default /tmp/fake-chatgpt)
//   FAKE_CHATGPT_LISTEN         listen address of both servers (default 0.0.0.0; 127.0.0.1 on a host)
//
// Control API (JSON; `Authorization: Bearer <token>` when a token is set):
//   GET  /__control/health                 {origin}
//   GET  /__control/ca                     the test CA (PEM)
//   GET  /__control/codex                  {config, env}: what a Codex process needs (env's CA path is this container's)
//   POST /__control/account                {accountId, email?, plan?}
//   POST /__control/scenario               {accountId, scenario: name | {name, ...options}}
//   POST /__control/usage                  {accountId, usage: Partial<Usage>}
//   POST /__control/auth                   {accountId, accessTokenExpired?} -> {authJson}
//   GET  /__control/device-codes           {pending: [userCode]}
//   POST /__control/approve                {userCode, accountId}
//   POST /__control/auto-approve           {accountId, afterPolls?} | {} to turn it off
//   GET  /__control/requests               [{accountId, transport, lastUserText, scenario, at}]
//   GET  /__control/calls                  every HTTP/WS request seen: [{method, path, accountId, status}]

import { createHash, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startFakeChatGPT, type FakeChatGPT, type PlanType, type Scenario, type ScenarioName } from './chatgpt';
import { parseJson, readBody, sendJson } from './http-util';

export interface ServeOptions {
  publicHost: string;
  port: number;
  controlPort: number;
  controlToken: string | null;
  dir: string;
  /** Listen address of both servers (0.0.0.0 in a container). */
  host: string;
}

export interface ServedFake {
  fake: FakeChatGPT;
  controlUrl: string;
  close(): Promise<void>;
}

class ControlError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function optionsFromEnv(env: NodeJS.ProcessEnv): ServeOptions {
  const port = (name: string, fallback: number) => {
    const n = Number(env[name] ?? fallback);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name} must be a port number`);
    return n;
  };
  return {
    publicHost: env.FAKE_CHATGPT_HOST || 'fake-chatgpt',
    port: port('FAKE_CHATGPT_PORT', 8443),
    controlPort: port('FAKE_CHATGPT_CONTROL_PORT', 8444),
    controlToken: env.FAKE_CHATGPT_CONTROL_TOKEN || null,
    dir: env.FAKE_CHATGPT_DIR || '/tmp/fake-chatgpt',
    host: env.FAKE_CHATGPT_LISTEN || '0.0.0.0',
  };
}

function sameToken(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function str(body: Record<string, unknown>, key: string): string {
  const v = body[key];
  if (typeof v !== 'string' || !v) throw new ControlError(400, `"${key}" must be a non-empty string`);
  return v;
}

type Route = (body: Record<string, unknown>) => unknown;

function routes(fake: FakeChatGPT, caPem: string): Record<string, Route> {
  return {
    'GET /__control/health': () => ({ origin: fake.origin }),
    'GET /__control/ca': () => caPem,
    'GET /__control/codex': () => ({ config: fake.codexConfig(), env: fake.codexEnv() }),
    'POST /__control/account': (b) => {
      const a = fake.addAccount({ accountId: str(b, 'accountId'), email: b.email as string | undefined, plan: b.plan as PlanType | undefined });
      return { accountId: a.accountId, email: a.email, plan: a.plan };
    },
    'POST /__control/scenario': (b) => {
      const scenario = b.scenario as ScenarioName | Scenario;
      if (typeof scenario !== 'string' && (typeof scenario !== 'object' || scenario === null)) throw new ControlError(400, '"scenario" must be a name or an object');
      fake.setScenario(str(b, 'accountId'), scenario);
      return { ok: true };
    },
    'POST /__control/usage': (b) => {
      fake.setUsage(str(b, 'accountId'), b.usage ?? {});
      return { ok: true };
    },
    'POST /__control/auth': (b) => ({ authJson: fake.authJson(str(b, 'accountId'), { accessTokenExpired: b.accessTokenExpired === true }) }),
    'GET /__control/device-codes': () => ({ pending: fake.pendingDeviceCodes() }),
    'POST /__control/approve': (b) => {
      fake.approveDeviceCode(str(b, 'userCode'), str(b, 'accountId'));
      return { ok: true };
    },
    'POST /__control/auto-approve': (b) => {
      fake.setDeviceAutoApprove(typeof b.accountId === 'string' ? { accountId: b.accountId, afterPolls: b.afterPolls as number | undefined } : undefined);
      return { ok: true };
    },
    'GET /__control/calls': () => fake.calls,
    'GET /__control/requests': () =>
      fake.requests.map((r) => ({ accountId: r.accountId, transport: r.transport, lastUserText: r.lastUserText, scenario: r.scenario, at: r.at })),
  };
}

async function handleControl(table: Record<string, Route>, token: string | null, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  if (token) {
    const header = req.headers.authorization ?? '';
    if (!header.startsWith('Bearer ') || !sameToken(header.slice(7), token)) throw new ControlError(401, 'missing or wrong control token');
  }
  const route = table[`${req.method} ${new URL(req.url ?? '/', 'http://control').pathname}`];
  if (!route) throw new ControlError(404, `no control route ${req.method} ${req.url}`);
  const raw = await readBody(req);
  const out = route(raw.length ? parseJson(raw) : {});
  if (typeof out === 'string') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    return void res.end(out);
  }
  sendJson(res, 200, out);
}

/** Starts the fake backend and its control API. */
export async function serveFakeChatGPT(opts: ServeOptions): Promise<ServedFake> {
  const fake = await startFakeChatGPT({ dir: opts.dir, host: opts.host, port: opts.port, publicHost: opts.publicHost });
  const table = routes(fake, fs.readFileSync(fake.caPath, 'utf8'));
  const control = http.createServer((req, res) => {
    handleControl(table, opts.controlToken, req, res).catch((err: unknown) => {
      const status = err instanceof ControlError ? err.status : 500;
      if (!res.headersSent) sendJson(res, status, { error: { message: (err as Error).message } });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    control.once('error', reject);
    control.listen(opts.controlPort, opts.host, () => resolve());
  });
  const controlPort = (control.address() as AddressInfo).port;
  return {
    fake,
    controlUrl: `http://${opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host}:${controlPort}`,
    close: async () => {
      control.closeAllConnections();
      await new Promise<void>((r) => control.close(() => r()));
      await fake.close();
    },
  };
}

async function main(): Promise<void> {
  const served = await serveFakeChatGPT(optionsFromEnv(process.env));
  process.stdout.write(`fake-chatgpt: serving ${served.fake.origin}, control on ${served.controlUrl}\n`);
  const stop = () => {
    served.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (require.main === module) {
  main().catch((err: Error) => {
    process.stderr.write(`fake-chatgpt: ${err.message}\n`);
    process.exit(1);
  });
}
