// A fake ChatGPT backend + OAuth issuer that the real Codex 0.169 binary accepts in ChatGPT mode
// ("Recipe A" of the Codex reference: HTTPS with a test CA, Responses over WebSocket).
import * as fs from 'node:fs';
import * as https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import {
  AccountStore,
  defaultUsage,
  type AccountInput,
  type FakeAccount,
  type Scenario,
  type ScenarioName,
  type TokenUsage,
  type Usage,
} from './accounts';
import { flatHeaders, parseJson, parseJsonOrForm, readBody, sendJson, sleep } from './http-util';
import { modelsCatalog } from './models-catalog';
import { FakeOAuth, type DeviceAutoApprove, type OAuthLogEntry } from './oauth';
import { effectiveScenario, lastUserText, modelInputChars, newId, offeredToolNames, rateLimitHeaders, replyFor, type Reply, type ResponseEvent } from './responses';
import { testTls } from './tls';

export type { DeviceAutoApprove, OAuthLogEntry } from './oauth';
export type { AccountInput, FakeAccount, PlanType, Scenario, ScenarioName, TokenUsage, Usage } from './accounts';
export { SCENARIO_NAMES } from './accounts';

export interface ModelRequest {
  accountId: string;
  transport: 'websocket' | 'http';
  /** Request headers (HTTP POST) or WebSocket upgrade headers. */
  headers: Record<string, string>;
  /** The full parsed `response.create` / POST body, exactly as received. */
  body: Record<string, unknown>;
  /**
   * The whole conversation the request stands for. Over WebSocket Codex sends only new items plus
   * `previous_response_id` (the first request of a connection chains onto a `generate:false`
   * prewarm that carried the developer messages), so `body.input` alone is incomplete: this is
   * the previous response's full input + its output + `body.input`.
   */
  fullInput: unknown[];
  lastUserText: string;
  /** The tools offered to the model: `tools` plus `additional_tools` items (names; a namespace by its name). */
  toolNames: string[];
  /** Characters of everything before the model: instructions, the whole input, the tools (modelInputChars). */
  inputChars: number;
  /** Text of every developer/system message in fullInput, plus `body.instructions`, joined by newlines. */
  instructionsText: string;
  scenario: ScenarioName;
  at: number;
}

export interface HttpCall {
  method: string;
  path: string;
  accountId?: string;
  status: number;
  /** The `thread-id` header, for WebSocket upgrades (Codex opens one per thread). */
  threadId?: string;
}

export interface FakeChatGPTOptions {
  /** Directory for ca.pem (default: a fresh dir under the user's home). */
  dir?: string;
  /** Approve every device code automatically after N polls. */
  deviceAutoApprove?: DeviceAutoApprove;
  /**
   * Refuse the Responses WebSocket (404), to exercise Codex's SSE fallback
   * (`POST /backend-api/codex/responses`). Costs ~6 s of WebSocket retries per Codex session.
   */
  disableWebSocket?: boolean;
  /** Address to listen on (default 127.0.0.1; the container entry uses 0.0.0.0). */
  host?: string;
  /** Port to listen on (default 0: any free port). */
  port?: number;
  /**
   * Host name in `origin` and every URL handed to Codex (default "localhost"). When it is not
   * localhost, the certificate is valid for it too (e.g. the fake's network alias in a container).
   */
  publicHost?: string;
  /**
   * Port in `origin` and every URL handed to Codex (default: the port it listens on). A benchmark
   * sets it to a latency proxy's port, so every byte Codex exchanges with the fake crosses it.
   */
  publicPort?: number;
}

export interface WriteAuthOptions {
  /** Write an access token whose `exp` is in the past, so Codex refreshes proactively. */
  accessTokenExpired?: boolean;
}

export interface FakeChatGPT {
  /** https://localhost:PORT */
  origin: string;
  /** The port the fake itself listens on (differs from origin's when `publicPort` is set). */
  port: number;
  caPath: string;
  /** origin + '/backend-api/' */
  chatgptBaseUrl: string;
  /** `-c key=value` overrides a Codex process needs (string values; quote with configArgs()). */
  codexConfig(): Record<string, string>;
  /** Environment variables a Codex process needs (CA, token/revoke URLs, app-server issuer). */
  codexEnv(): Record<string, string>;
  addAccount(input: AccountInput): FakeAccount;
  /** Writes $home/auth.json (mode 0600) with fresh fake ChatGPT tokens for the account. */
  writeAuth(home: string, accountId: string, opts?: WriteAuthOptions): void;
  /** The text of an auth.json with fresh fake tokens for the account (for a home this process cannot write). */
  authJson(accountId: string, opts?: WriteAuthOptions): string;
  setScenario(accountId: string, scenario: ScenarioName | Scenario): void;
  setUsage(accountId: string, usage: Partial<Usage>): void;
  setTokenUsage(accountId: string, usage: Partial<TokenUsage>): void;
  /** Generating model requests (prewarm `generate:false` frames are not included). */
  requests: ModelRequest[];
  /** Counts since start: prewarm `generate:false` requests and Responses WebSocket connections. */
  counters(): { warmups: number; webSockets: number };
  /** The `thread-id` of each warm-up, in the order they arrived. */
  warmupThreads: string[];
  /** The `thread-id` of each warm-up on this account, in the order they arrived. */
  warmupThreadsFor(accountId: string): string[];
  /** Closes every open Responses WebSocket, as a backend does with idle ones; returns how many. */
  dropWebSockets(): number;
  requestsFor(accountId: string): ModelRequest[];
  /** Every HTTP request seen (method, path, account), including background calls. */
  calls: HttpCall[];
  /** OAuth token-endpoint activity (grant, refresh_reason, outcome). */
  oauthLog: OAuthLogEntry[];
  /** Tokens posted to /oauth/revoke. */
  revokedTokens: string[];
  /** Argv for the CLI device-code login against this fake: ['login', '--device-auth', '--experimental_issuer', origin]. */
  deviceLoginArgs(): string[];
  approveDeviceCode(userCode: string, accountId: string): void;
  /** Approve every device code after N polls of the token endpoint (undefined = manual approval only). */
  setDeviceAutoApprove(auto: DeviceAutoApprove | undefined): void;
  /** User codes handed out and not yet approved. */
  pendingDeviceCodes(): string[];
  close(): Promise<void>;
}

function defaultDir(): string {
  const base = path.join(os.homedir(), '.codex-lanes-test');
  fs.mkdirSync(base, { recursive: true });
  return fs.mkdtempSync(path.join(base, 'fake-chatgpt-'));
}

export async function startFakeChatGPT(opts: FakeChatGPTOptions = {}): Promise<FakeChatGPT> {
  const ownsDir = !opts.dir;
  const dir = opts.dir ?? defaultDir();
  const publicHost = opts.publicHost ?? 'localhost';
  const tls = testTls(dir, { extraHostnames: publicHost === 'localhost' ? [] : [publicHost] });
  let origin = '';
  const accounts = new AccountStore(() => origin);
  const oauth = new FakeOAuth(accounts);
  oauth.autoApprove = opts.deviceAutoApprove;
  const requests: ModelRequest[] = [];
  const calls: HttpCall[] = [];
  const ctx: Ctx = { accounts, oauth, requests, calls, origin: () => origin, closed: false, webSocket: !opts.disableWebSocket, conversations: new Map(), warmups: 0, webSockets: 0, warmupThreads: [], warmupAccounts: [] };

  const server = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    handleHttp(ctx, req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: `fake error: ${(err as Error).message}` } });
      else res.destroy();
    });
  });
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => handleUpgrade(ctx, wss, req, socket, head));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  // Codex needs a host name that matches the cert; "localhost" resolves to 127.0.0.1 here.
  origin = `https://${publicHost}:${opts.publicPort ?? port}`;
  const chatgptBaseUrl = `${origin}/backend-api/`;

  return {
    origin,
    port,
    caPath: tls.caPath,
    chatgptBaseUrl,
    codexConfig: () => ({
      chatgpt_base_url: chatgptBaseUrl,
      openai_base_url: `${origin}/backend-api/codex`,
    }),
    codexEnv: () => ({
      CODEX_CA_CERTIFICATE: tls.caPath,
      CODEX_REFRESH_TOKEN_URL_OVERRIDE: `${origin}/oauth/token`,
      CODEX_REVOKE_TOKEN_URL_OVERRIDE: `${origin}/oauth/revoke`,
      CODEX_APP_SERVER_LOGIN_ISSUER: origin,
    }),
    addAccount: (input) => accounts.add(input),
    writeAuth: (home, accountId, wopts = {}) => writeAuthFile(accounts, home, accountId, wopts),
    authJson: (accountId, wopts = {}) => authJsonText(accounts, accountId, wopts),
    setScenario: (accountId, scenario) => {
      accounts.get(accountId).scenario = typeof scenario === 'string' ? { name: scenario } : { ...scenario };
    },
    setUsage: (accountId, usage) => {
      const account = accounts.get(accountId);
      account.usage = { ...account.usage, ...usage };
    },
    setTokenUsage: (accountId, usage) => {
      const account = accounts.get(accountId);
      account.tokenUsage = { ...account.tokenUsage, ...usage };
    },
    requests,
    counters: () => ({ warmups: ctx.warmups, webSockets: ctx.webSockets }),
    warmupThreads: ctx.warmupThreads,
    warmupThreadsFor: (accountId) => ctx.warmupThreads.filter((_, i) => ctx.warmupAccounts[i] === accountId),
    dropWebSockets: () => {
      const open = [...wss.clients];
      for (const ws of open) ws.close(1001, 'idle');
      return open.length;
    },
    requestsFor: (accountId) => requests.filter((r) => r.accountId === accountId),
    calls,
    oauthLog: oauth.log,
    revokedTokens: oauth.revoked,
    deviceLoginArgs: () => ['login', '--device-auth', '--experimental_issuer', origin],
    approveDeviceCode: (userCode, accountId) => oauth.approve(userCode, accountId),
    setDeviceAutoApprove: (auto) => {
      oauth.autoApprove = auto;
    },
    pendingDeviceCodes: () => oauth.pendingUserCodes(),
    close: async () => {
      ctx.closed = true;
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (ownsDir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface Ctx {
  accounts: AccountStore;
  oauth: FakeOAuth;
  requests: ModelRequest[];
  calls: HttpCall[];
  origin: () => string;
  closed: boolean;
  webSocket: boolean;
  /** response id → the full input + output of that response, to resolve previous_response_id. */
  conversations: Map<string, unknown[]>;
  warmups: number;
  webSockets: number;
  warmupThreads: string[];
  /** The account of each warm-up in warmupThreads. */
  warmupAccounts: string[];
}

function authJsonText(accounts: AccountStore, accountId: string, opts: WriteAuthOptions): string {
  const tokens = accounts.issueTokens(accountId, opts);
  const auth = {
    auth_mode: 'chatgpt',
    OPENAI_API_KEY: null,
    tokens: { ...tokens, account_id: accountId },
    last_refresh: new Date().toISOString(),
  };
  return JSON.stringify(auth, null, 2);
}

function writeAuthFile(accounts: AccountStore, home: string, accountId: string, opts: WriteAuthOptions): void {
  const text = authJsonText(accounts, accountId, opts);
  fs.mkdirSync(home, { recursive: true });
  const file = path.join(home, 'auth.json');
  fs.writeFileSync(file, text, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
}

function accountIdOf(req: IncomingMessage): string | undefined {
  const v = req.headers['chatgpt-account-id'];
  return typeof v === 'string' && v ? v : undefined;
}

async function handleHttp(ctx: Ctx, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', ctx.origin());
  const accountId = accountIdOf(req);
  const raw = await readBody(req);
  const log = (status: number) => ctx.calls.push({ method: req.method ?? 'GET', path: url.pathname, accountId, status });

  const oauthReply = req.method === 'POST' ? ctx.oauth.handle(url.pathname, parseJsonOrForm(req, raw)) : undefined;
  if (oauthReply) {
    log(oauthReply.status);
    return sendJson(res, oauthReply.status, oauthReply.body);
  }
  const route = backendRoute(ctx, req.method ?? 'GET', url.pathname, accountId);
  if (route) {
    log(route.status);
    return sendJson(res, route.status, route.body, route.headers);
  }
  if (req.method === 'POST' && url.pathname === '/backend-api/codex/responses') {
    const account = ctx.accounts.get(accountId ?? 'unknown');
    const body = parseJson(raw);
    const reply = recordAndReply(ctx, account, 'http', flatHeaders(req), body);
    log(reply.kind === 'error' ? reply.status : 200);
    return sendSse(ctx, res, account, reply);
  }
  if (req.method === 'GET' && url.pathname === '/codex/device') {
    log(200);
    res.writeHead(200, { 'content-type': 'text/html' });
    return void res.end('<html><body>Fake device sign-in page</body></html>');
  }
  if (req.method === 'POST' && url.pathname === '/backend-api/ps/mcp') {
    // Remote-plugin MCP server (streamable HTTP). Anything but valid JSON-RPC makes Codex log an
    // ERROR line on stderr, so answer as an MCP server with no tools.
    const reply = mcpReply(parseJson(raw));
    log(reply ? 200 : 202);
    if (!reply) return void res.writeHead(202).end();
    return sendJson(res, 200, reply);
  }
  // Other background calls (plugins, analytics, settings...): a harmless empty answer.
  log(200);
  return sendJson(res, 200, {});
}

function mcpReply(msg: Record<string, unknown>): Record<string, unknown> | undefined {
  if (msg.id === undefined) return undefined; // a notification
  const params = (msg.params ?? {}) as Record<string, unknown>;
  const results: Record<string, unknown> = {
    initialize: {
      protocolVersion: typeof params.protocolVersion === 'string' ? params.protocolVersion : '2025-06-18',
      capabilities: { tools: {} },
      serverInfo: { name: 'fake-chatgpt-plugins', version: '0.0.0' },
    },
    'tools/list': { tools: [] },
    'resources/list': { resources: [] },
    'prompts/list': { prompts: [] },
  };
  const result = results[String(msg.method)];
  if (result) return { jsonrpc: '2.0', id: msg.id, result };
  return { jsonrpc: '2.0', id: msg.id, error: { code: -32601, message: 'method not found' } };
}

interface RouteReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

function backendRoute(ctx: Ctx, method: string, pathname: string, accountId: string | undefined): RouteReply | undefined {
  if (method !== 'GET') return undefined;
  const account = accountId ? ctx.accounts.get(accountId) : undefined;
  switch (pathname) {
    case '/backend-api/wham/accounts/check':
      return { status: 200, body: accountsCheck(ctx, account) };
    case '/backend-api/wham/usage':
      return account ? { status: 200, body: whamUsage(account) } : { status: 401, body: { detail: 'missing chatgpt-account-id' } };
    case '/backend-api/codex/models':
      return { status: 200, body: modelsCatalog(), headers: { etag: '"fake-models-1"' } };
    default:
      return undefined;
  }
}

/** Workspace-routing discovery: must name the account and route it back to this HTTPS origin. */
function accountsCheck(ctx: Ctx, account: FakeAccount | undefined): unknown {
  const list = account ? [account] : [];
  return {
    accounts: list.map((a) => ({
      id: a.accountId,
      name: `Fake workspace ${a.accountId}`,
      structure: 'personal',
      plan_type: a.plan,
      workspace_backend_origin: ctx.origin(),
      account_routing_override: 'NO_CONSTRAINT',
    })),
    account_ordering: list.map((a) => a.accountId),
    default_account_id: account?.accountId ?? null,
  };
}

function whamUsage(account: FakeAccount): unknown {
  const now = Math.floor(Date.now() / 1000);
  const limited = account.scenario.name === 'usage_limit';
  const u = account.usage;
  const primaryReset = limited && typeof account.scenario.resetsAt === 'number' ? account.scenario.resetsAt : u.primaryResetsAt;
  const window = (used: number, mins: number, resetAt: number) => ({
    used_percent: used,
    limit_window_seconds: mins * 60,
    reset_after_seconds: Math.max(0, resetAt - now),
    reset_at: resetAt,
  });
  return {
    plan_type: account.plan,
    rate_limit: {
      allowed: !limited,
      limit_reached: limited,
      primary_window: window(limited ? 100 : u.primaryUsedPercent, u.primaryWindowMins, primaryReset),
      secondary_window: window(u.secondaryUsedPercent, u.secondaryWindowMins, u.secondaryResetsAt),
    },
    credits: { has_credits: u.credits.hasCredits, unlimited: u.credits.unlimited, balance: u.credits.balance },
  };
}

function resolveInput(ctx: Ctx, body: Record<string, unknown>): unknown[] {
  const input = Array.isArray(body.input) ? (body.input as unknown[]) : [];
  const prev = typeof body.previous_response_id === 'string' ? ctx.conversations.get(body.previous_response_id) : undefined;
  return [...(prev ?? []), ...input];
}

function recordAndReply(
  ctx: Ctx, account: FakeAccount, transport: ModelRequest['transport'], headers: Record<string, string>, body: Record<string, unknown>,
): Reply {
  const fullInput = resolveInput(ctx, body);
  const fullBody = { ...body, input: fullInput };
  ctx.requests.push({
    accountId: account.accountId, transport, headers, body, fullInput,
    lastUserText: lastUserText(fullBody), instructionsText: instructionsText(fullBody),
    toolNames: offeredToolNames(fullBody), inputChars: modelInputChars(fullBody),
    scenario: effectiveScenario(account, fullBody).name, at: Date.now(),
  });
  const reply = replyFor(account, fullBody);
  if (reply.kind === 'stream') {
    const done = reply.steps.map((s) => s.event).find((e) => e.type === 'response.completed');
    const response = done?.response as { id?: string; output?: unknown[] } | undefined;
    if (response?.id) ctx.conversations.set(response.id, [...fullInput, ...(response.output ?? [])]);
  }
  return reply;
}

function instructionsText(body: Record<string, unknown>): string {
  const parts: string[] = typeof body.instructions === 'string' && body.instructions ? [body.instructions] : [];
  for (const item of body.input as Array<{ role?: string; content?: unknown }>) {
    if (item?.role !== 'developer' && item?.role !== 'system') continue;
    if (typeof item.content === 'string') parts.push(item.content);
    else if (Array.isArray(item.content)) {
      for (const c of item.content as Array<{ text?: unknown }>) if (typeof c.text === 'string') parts.push(c.text);
    }
  }
  return parts.join('\n');
}

async function sendSse(ctx: Ctx, res: ServerResponse, account: FakeAccount, reply: Reply): Promise<void> {
  if (reply.kind === 'error') return sendJson(res, reply.status, reply.body, reply.headers);
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...rateLimitHeaders(account.usage) });
  if (reply.kind === 'hang') return; // left open until the client gives up or close() runs
  for (const step of reply.steps) {
    if (step.delayMs) await sleep(step.delayMs);
    if (ctx.closed || res.destroyed) return;
    res.write(`event: ${step.event.type}\ndata: ${JSON.stringify(step.event)}\n\n`);
  }
  res.end();
}

function handleUpgrade(ctx: Ctx, wss: WebSocketServer, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  const url = new URL(req.url ?? '/', ctx.origin());
  const accountId = accountIdOf(req) ?? 'unknown';
  const threadId = flatHeaders(req)['thread-id'];
  ctx.calls.push({ method: 'WS', path: url.pathname, accountId, status: 101, ...(threadId === undefined ? {} : { threadId }) });
  if (url.pathname !== '/backend-api/codex/responses' || !ctx.webSocket) return rejectUpgrade(socket, 404, { detail: 'Not Found' });
  const account = ctx.accounts.get(accountId);
  if (account.scenario.name === 'unauthorized' || account.pendingUnauthorized) {
    return rejectUpgrade(socket, 401, { error: { message: 'Your authentication token has expired. Please try signing in again.', code: 'token_expired' } });
  }
  const headers = flatHeaders(req);
  wss.handleUpgrade(req, socket, head, (ws) => {
    ctx.webSockets++;
    ws.on('message', (data) => {
      const msg = parseJson(Buffer.from(data as Buffer));
      if (msg.type !== 'response.create') return; // e.g. response.processed acknowledgements
      void answerWs(ctx, ws, account, headers, msg);
    });
  });
}

function rejectUpgrade(socket: Duplex, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  const reason = status === 401 ? 'Unauthorized' : 'Not Found';
  socket.end(`HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`);
}

async function answerWs(ctx: Ctx, ws: WebSocket, account: FakeAccount, headers: Record<string, string>, msg: Record<string, unknown>): Promise<void> {
  const send = (event: ResponseEvent | Record<string, unknown>) => {
    if (!ctx.closed && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(event));
  };
  // Codex opens each connection with a prewarm `generate:false` request; it only needs a
  // created/completed pair back, with no output.
  if (msg.generate === false) {
    ctx.warmups++;
    ctx.warmupThreads.push(headers['thread-id'] ?? '');
    ctx.warmupAccounts.push(account.accountId);
    const id = newId('resp');
    ctx.conversations.set(id, resolveInput(ctx, msg));
    send({ type: 'response.created', response: { id, object: 'response', status: 'in_progress' } });
    send({ type: 'response.completed', response: { id, object: 'response', status: 'completed', output: [], usage: zeroUsage() } });
    return;
  }
  const { type: _type, ...body } = msg;
  const reply = recordAndReply(ctx, account, 'websocket', headers, body);
  if (reply.kind === 'hang') return;
  if (reply.kind === 'error') {
    // WrappedWebsocketErrorEvent (reference §2.2).
    send({ type: 'error', status: reply.status, error: reply.body.error ?? reply.body, headers: reply.headers });
    return;
  }
  for (const step of reply.steps) {
    if (step.delayMs) await sleep(step.delayMs);
    send(step.event);
  }
}

function zeroUsage(): Record<string, unknown> {
  return { input_tokens: 0, input_tokens_details: { cached_tokens: 0 }, output_tokens: 0, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 0 };
}

export { defaultUsage };
