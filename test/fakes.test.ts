// Proves the test fakes against the REAL pinned Codex binary (and the official openai package),
// so every end-to-end test built on them tests Codex's real wire behaviour.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { AppServerClient } from './fakes/app-server';
import OpenAI from 'openai';
import { startFakeChatGPT, type FakeChatGPT } from './fakes/chatgpt';
import { FAKE_OPENAI_USAGE, startFakeOpenAI, type FakeOpenAI } from './fakes/openai';
import { codexBin, codexChildEnv, configArgs, makeHome, makeWorkdir, runCodex, type TestHome } from './fakes/codex-run';

function execArgs(fake: FakeChatGPT, cwd: string, prompt: string, extra: string[] = []): string[] {
  return ['exec', '--json', '--skip-git-repo-check', '--ephemeral', '-C', cwd, ...configArgs(fake.codexConfig()), ...extra, prompt];
}

function agentMessages(events: Array<Record<string, unknown>>): string[] {
  return events
    .filter((e) => e.type === 'item.completed')
    .map((e) => e.item as { type?: string; text?: string })
    .filter((i) => i.type === 'agent_message')
    .map((i) => i.text ?? '');
}

/** `%-I:%M %p` in UTC, the way Codex prints a reset time. */
function clockUtc(epochSecs: number): string {
  const d = new Date(epochSecs * 1000);
  const h = d.getUTCHours();
  return `${h % 12 === 0 ? 12 : h % 12}:${String(d.getUTCMinutes()).padStart(2, '0')} ${h < 12 ? 'AM' : 'PM'}`;
}

/** A reset time as Codex prints it (TZ=UTC): the clock alone when it is today, else "Dec 8th, 2026 " and the clock. */
function resetUtc(epochSecs: number, nowMs = Date.now()): string {
  const d = new Date(epochSecs * 1000);
  if (d.toISOString().slice(0, 10) === new Date(nowMs).toISOString().slice(0, 10)) return clockUtc(epochSecs);
  const day = d.getUTCDate();
  const suffix = day % 10 === 1 && day !== 11 ? 'st' : day % 10 === 2 && day !== 12 ? 'nd' : day % 10 === 3 && day !== 13 ? 'rd' : 'th';
  return `${d.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' })} ${day}${suffix}, ${d.getUTCFullYear()} ${clockUtc(epochSecs)}`;
}

describe('fake ChatGPT backend with `codex exec` (Recipe A: HTTPS + WebSocket)', () => {
  let fake: FakeChatGPT;
  let home: TestHome;
  let cwd: TestHome;

  before(async () => {
    fake = await startFakeChatGPT();
    home = makeHome('exec-');
    cwd = makeWorkdir();
    fake.addAccount({ accountId: 'acct-exec', email: 'exec@example.test', plan: 'plus' });
    fake.writeAuth(home.dir, 'acct-exec');
  });
  after(async () => {
    await fake.close();
    home.cleanup();
    cwd.cleanup();
  });

  test('answers one turn with the echo of the prompt, over WebSocket', async () => {
    const res = await runCodex({ args: execArgs(fake, cwd.dir, 'ping from the fakes test'), env: { CODEX_HOME: home.dir, ...fake.codexEnv() } });
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(agentMessages(res.events), ['echo: ping from the fakes test']);
    const completed = res.events.find((e) => e.type === 'turn.completed') as { usage: Record<string, number> };
    assert.equal(completed.usage.input_tokens, 120);
    assert.equal(completed.usage.cached_input_tokens, 40);
    assert.equal(completed.usage.output_tokens, 12);
    assert.equal(completed.usage.reasoning_output_tokens, 4);

    const reqs = fake.requestsFor('acct-exec');
    assert.equal(reqs.length, 1);
    assert.equal(reqs[0]?.transport, 'websocket');
    assert.equal(reqs[0]?.lastUserText, 'ping from the fakes test');
    assert.match(reqs[0]?.headers.authorization ?? '', /^Bearer /);
    // The base prompt travels in the prewarm; fullInput stitches it back in.
    assert.match(reqs[0]?.instructionsText ?? '', /fake model used by codex-lanes tests/);
    assert.ok(fake.calls.some((c) => c.path === '/backend-api/wham/accounts/check' && c.accountId === 'acct-exec'));
  });

  test('usage_limit gives turn.failed with the U+2019 usage-limit message and the reset time (TZ=UTC)', async () => {
    const resetsAt = Math.floor(Date.now() / 1000) + 2 * 3600;
    fake.addAccount({ accountId: 'acct-limited', plan: 'plus' });
    fake.setScenario('acct-limited', { name: 'usage_limit', resetsAt });
    const limitedHome = makeHome('exec-limited-');
    try {
      fake.writeAuth(limitedHome.dir, 'acct-limited');
      const res = await runCodex({ args: execArgs(fake, cwd.dir, 'anything'), env: { CODEX_HOME: limitedHome.dir, TZ: 'UTC', ...fake.codexEnv() } });
      assert.equal(res.code, 1);
      const failed = res.events.find((e) => e.type === 'turn.failed') as { error: { message: string } };
      assert.ok(failed.error.message.startsWith('You\u2019ve hit your usage limit. Upgrade to Pro (https://chatgpt.com/explore/pro)'), failed.error.message);
      // Two hours ahead is tomorrow after 22:00 UTC, and then Codex prints the date too.
      assert.ok(failed.error.message.endsWith(`try again at ${resetUtc(resetsAt)}.`), failed.error.message);
      assert.equal(agentMessages(res.events).length, 0);
    } finally {
      limitedHome.cleanup();
    }
  });

  test('an expired access token is refreshed at the fake token endpoint and the refresh token rotates', async () => {
    const refreshHome = makeHome('exec-refresh-');
    try {
      fake.writeAuth(refreshHome.dir, 'acct-refresh', { accessTokenExpired: true });
      const before = JSON.parse(readFileSync(`${refreshHome.dir}/auth.json`, 'utf8')) as { tokens: { refresh_token: string } };
      const res = await runCodex({ args: execArgs(fake, cwd.dir, 'after refresh'), env: { CODEX_HOME: refreshHome.dir, ...fake.codexEnv() } });
      assert.equal(res.code, 0, res.stderr);
      assert.deepEqual(agentMessages(res.events), ['echo: after refresh']);
      const after = JSON.parse(readFileSync(`${refreshHome.dir}/auth.json`, 'utf8')) as { tokens: { refresh_token: string } };
      assert.notEqual(after.tokens.refresh_token, before.tokens.refresh_token);
      assert.match(after.tokens.refresh_token, /^rt_acct-refresh_/);
      assert.ok(fake.oauthLog.some((e) => e.accountId === 'acct-refresh' && e.refreshReason === 'proactive_expiry' && e.outcome === 'ok'));
    } finally {
      refreshHome.cleanup();
    }
  });

  test('--output-schema gets a JSON answer valid for the schema', async () => {
    const schemaFile = `${cwd.dir}/schema.json`;
    const schema = {
      type: 'object', additionalProperties: false, required: ['name', 'count', 'tags', 'done'],
      properties: { name: { type: 'string' }, count: { type: 'integer' }, tags: { type: 'array', items: { type: 'string' } }, done: { type: 'boolean' } },
    };
    writeFileSync(schemaFile, JSON.stringify(schema));
    const res = await runCodex({ args: execArgs(fake, cwd.dir, 'give me json', ['--output-schema', schemaFile]), env: { CODEX_HOME: home.dir, ...fake.codexEnv() } });
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(JSON.parse(agentMessages(res.events)[0] ?? ''), { name: 'fake', count: 1, tags: ['fake'], done: true });
    const format = (fake.requestsFor('acct-exec').at(-1)?.body.text as { format: { type: string } }).format;
    assert.equal(format.type, 'json_schema');
  });
});

describe('fake ChatGPT backend with `codex app-server` over stdio', () => {
  let fake: FakeChatGPT;
  let home: TestHome;
  let cwd: TestHome;
  let client: AppServerClient;

  before(async () => {
    fake = await startFakeChatGPT();
    home = makeHome('app-');
    cwd = makeWorkdir();
    fake.addAccount({ accountId: 'acct-app', email: 'app@example.test', plan: 'pro' });
    fake.setUsage('acct-app', { primaryUsedPercent: 42, secondaryUsedPercent: 10, primaryResetsAt: 1_900_000_000, secondaryResetsAt: 1_900_500_000 });
    fake.writeAuth(home.dir, 'acct-app');
    client = new AppServerClient({ globalArgs: configArgs(fake.codexConfig()), env: { CODEX_HOME: home.dir, ...fake.codexEnv() } });
    await client.initialize();
  });
  after(async () => {
    await client.close();
    await fake.close();
    home.cleanup();
    cwd.cleanup();
  });

  test('account/read shows the fake ChatGPT account routed to the fake origin', async () => {
    const res = await client.request<{ account: { type: string; email: string; planType: string }; workspaceRouting: { backendOrigin: string } }>('account/read', {});
    assert.equal(res.account.type, 'chatgpt');
    assert.equal(res.account.email, 'app@example.test');
    assert.equal(res.account.planType, 'pro');
    assert.equal(res.workspaceRouting.backendOrigin, fake.origin);
  });

  test('account/rateLimits/read returns the usage set on the fake', async () => {
    type Window = { usedPercent: number; windowDurationMins: number; resetsAt: number };
    const res = await client.request<{ rateLimits: { primary: Window; secondary: Window; planType: string } }>('account/rateLimits/read', {});
    assert.deepEqual(res.rateLimits.primary, { usedPercent: 42, windowDurationMins: 300, resetsAt: 1_900_000_000 });
    assert.deepEqual(res.rateLimits.secondary, { usedPercent: 10, windowDurationMins: 10080, resetsAt: 1_900_500_000 });
    assert.equal(res.rateLimits.planType, 'pro');
  });

  test('model/list returns the fake catalog', async () => {
    const res = await client.request<{ data: Array<{ id: string; displayName: string }> }>('model/list', {});
    assert.deepEqual(res.data.map((m) => m.id).sort(), ['gpt-5.5', 'gpt-6.1-sol']);
    assert.ok(res.data.every((m) => m.displayName.startsWith('Fake ')));
  });

  test('turn/start streams item/agentMessage/delta and completes with the echo', async () => {
    const thread = await client.request<{ thread: { id: string } }>('thread/start', {
      ephemeral: true, cwd: cwd.dir, sandbox: 'read-only', approvalPolicy: 'never', model: 'gpt-5.5',
    });
    const threadId = thread.thread.id;
    const turn = await client.request<{ turn: { id: string } }>('turn/start', {
      threadId, input: [{ type: 'text', text: 'stream me SCENARIO=slow', text_elements: [] }],
    });
    const done = await client.waitFor((n) => n.method === 'turn/completed' && (n.params.turn as { id: string }).id === turn.turn.id);
    assert.equal((done.params.turn as { status: string }).status, 'completed');
    const deltas = client.notifications
      .filter((n) => n.method === 'item/agentMessage/delta' && n.params.turnId === turn.turn.id)
      .map((n) => n.params.delta as string);
    assert.equal(deltas.length, 5, 'the slow scenario sends five deltas');
    assert.equal(deltas.join(''), 'echo: stream me SCENARIO=slow');
    const pushed = client.notifications.filter((n) => n.method === 'account/rateLimits/updated');
    assert.ok(pushed.length > 0);
    assert.equal((pushed.at(-1)?.params.rateLimits as { primary: { usedPercent: number } }).primary.usedPercent, 42);

    const req = fake.requestsFor('acct-app').at(-1);
    assert.equal(req?.body.model, 'gpt-5.5');
    assert.equal(req?.lastUserText, 'stream me SCENARIO=slow');
  });

  async function runTurn(text: string, threadId?: string): Promise<{ status: string; error: { message: string; codexErrorInfo: unknown } | null; deltas: string }> {
    const id = threadId ?? (await client.request<{ thread: { id: string } }>('thread/start', {
      ephemeral: true, cwd: cwd.dir, sandbox: 'read-only', approvalPolicy: 'never',
    })).thread.id;
    const turn = await client.request<{ turn: { id: string } }>('turn/start', { threadId: id, input: [{ type: 'text', text, text_elements: [] }] });
    const done = await client.waitFor((n) => n.method === 'turn/completed' && (n.params.turn as { id: string }).id === turn.turn.id);
    const t = done.params.turn as { status: string; error: { message: string; codexErrorInfo: unknown } | null };
    const deltas = client.notifications
      .filter((n) => n.method === 'item/agentMessage/delta' && n.params.turnId === turn.turn.id)
      .map((n) => n.params.delta as string).join('');
    return { status: t.status, error: t.error, deltas };
  }

  test('error scenarios steered by SCENARIO= markers map to Codex error classes', async () => {
    const cases: Array<[string, unknown, RegExp]> = [
      ['usage_limit', 'usageLimitExceeded', /^You\u2019ve hit your usage limit\./],
      ['overloaded', 'serverOverloaded', /^Selected model is at capacity/],
      ['context_length_exceeded', 'contextWindowExceeded', /^Codex ran out of room in the model's context window/],
      ['model_not_found', 'modelNotFound', /^The model `gpt-6\.1-sol` does not exist or you do not have access to it\.$/],
    ];
    for (const [scenario, info, message] of cases) {
      const res = await runTurn(`fail please SCENARIO=${scenario}`);
      assert.equal(res.status, 'failed', scenario);
      assert.deepEqual(res.error?.codexErrorInfo, info, scenario);
      assert.match(res.error?.message ?? '', message, scenario);
    }
  });

  test('a scenario limited with `times` fails once, then the account answers again', async () => {
    fake.setScenario('acct-app', { name: 'overloaded', times: 1 });
    const first = await runTurn('first');
    assert.equal(first.error?.codexErrorInfo, 'serverOverloaded');
    const second = await runTurn('second');
    assert.equal(second.status, 'completed');
    assert.equal(second.deltas, 'echo: second');
  });

  test('hang never answers; turn/interrupt ends the turn', async () => {
    const { thread } = await client.request<{ thread: { id: string } }>('thread/start', {
      ephemeral: true, cwd: cwd.dir, sandbox: 'read-only', approvalPolicy: 'never',
    });
    const before = fake.requestsFor('acct-app').length;
    const turn = await client.request<{ turn: { id: string } }>('turn/start', {
      threadId: thread.id, input: [{ type: 'text', text: 'wait SCENARIO=hang', text_elements: [] }],
    });
    // Interrupt only once the fake holds the request, so the test proves the hang, not a race.
    for (let i = 0; i < 100 && fake.requestsFor('acct-app').length === before; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(fake.requestsFor('acct-app').at(-1)?.scenario, 'hang');
    await client.request('turn/interrupt', { threadId: thread.id, turnId: turn.turn.id });
    const done = await client.waitFor((n) => n.method === 'turn/completed' && (n.params.turn as { id: string }).id === turn.turn.id);
    assert.equal((done.params.turn as { status: string }).status, 'interrupted');
  });

  test('unauthorized: 401 + refresh_token_expired ends the turn with codexErrorInfo unauthorized', async () => {
    const res = await runTurn('who am i SCENARIO=unauthorized');
    assert.equal(res.status, 'failed');
    assert.equal(res.error?.codexErrorInfo, 'unauthorized');
    assert.match(res.error?.message ?? '', /refresh token has expired/);
    assert.ok(fake.oauthLog.some((e) => e.grant === 'refresh_token' && e.accountId === 'acct-app' && e.outcome === 'refresh_token_expired'));
  });
});

describe('device-code login against the fake issuer', () => {
  let fake: FakeChatGPT;
  let cwd: TestHome;

  before(async () => {
    fake = await startFakeChatGPT();
    cwd = makeWorkdir();
    fake.addAccount({ accountId: 'acct-device', email: 'device@example.test', plan: 'team' });
  });
  after(async () => {
    await fake.close();
    cwd.cleanup();
  });

  test('`codex login --device-auth` prints the code; once approved auth.json is written and works', async (t) => {
    const home = makeHome('device-');
    t.after(() => home.cleanup());
    const child = spawn(codexBin(), fake.deviceLoginArgs(), {
      env: codexChildEnv({ CODEX_HOME: home.dir, ...fake.codexEnv() }), stdio: ['ignore', 'pipe', 'pipe'],
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    t.after(() => clearTimeout(killer));
    let stdout = '';
    let stderr = '';
    let approved = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      // The prompt carries ANSI colour codes even when stdout is not a TTY.
      const code = /FAKE-\d{4}/.exec(stdout.replace(/\u001b\[[0-9;]*m/g, ''))?.[0];
      if (code && !approved) {
        approved = code;
        fake.approveDeviceCode(code, 'acct-device');
      }
    });
    const exit = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    assert.equal(exit, 0, stderr);
    assert.match(approved, /^FAKE-\d{4}$/);
    assert.ok(stdout.includes(`${fake.origin}/codex/device`), 'verification URL is {issuer}/codex/device');
    assert.match(stderr, /Successfully logged in/);

    const authPath = `${home.dir}/auth.json`;
    assert.equal(statSync(authPath).mode & 0o777, 0o600);
    const auth = JSON.parse(readFileSync(authPath, 'utf8')) as { auth_mode: string; tokens: { account_id: string; oauth_provenance: { issuer: string } } };
    assert.equal(auth.auth_mode, 'chatgpt');
    assert.equal(auth.tokens.account_id, 'acct-device');
    assert.equal(auth.tokens.oauth_provenance.issuer, fake.origin);

    const status = await runCodex({ args: ['login', 'status'], env: { CODEX_HOME: home.dir } });
    assert.equal(status.code, 0);
    assert.match(status.stderr, /Logged in using ChatGPT/);

    const res = await runCodex({ args: execArgs(fake, cwd.dir, 'after device login'), env: { CODEX_HOME: home.dir, ...fake.codexEnv() } });
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(agentMessages(res.events), ['echo: after device login']);
    assert.equal(fake.requestsFor('acct-device').at(-1)?.lastUserText, 'after device login');

    const current = (JSON.parse(readFileSync(authPath, 'utf8')) as { tokens: { refresh_token: string } }).tokens.refresh_token;
    const logout = await runCodex({ args: ['logout'], env: { CODEX_HOME: home.dir, ...fake.codexEnv() } });
    assert.equal(logout.code, 0, logout.stderr);
    assert.ok(fake.revokedTokens.includes(current), 'logout revokes the refresh token at the fake');
  });

  test('app-server `account/login/start` chatgptDeviceCode uses CODEX_APP_SERVER_LOGIN_ISSUER', async (t) => {
    const home = makeHome('device-app-');
    const client = new AppServerClient({ globalArgs: configArgs(fake.codexConfig()), env: { CODEX_HOME: home.dir, ...fake.codexEnv() } });
    t.after(async () => {
      await client.close();
      home.cleanup();
    });
    await client.initialize();
    fake.addAccount({ accountId: 'acct-device-app', email: 'device-app@example.test', plan: 'plus' });
    fake.setDeviceAutoApprove({ accountId: 'acct-device-app', afterPolls: 2 });
    t.after(() => fake.setDeviceAutoApprove(undefined));

    const start = await client.request<{ type: string; loginId: string; verificationUrl: string; userCode: string }>('account/login/start', { type: 'chatgptDeviceCode' });
    assert.equal(start.type, 'chatgptDeviceCode');
    assert.equal(start.verificationUrl, `${fake.origin}/codex/device`);
    const done = await client.waitFor((n) => n.method === 'account/login/completed' && n.params.loginId === start.loginId);
    assert.equal(done.params.success, true, String(done.params.error));
    const account = await client.request<{ account: { type: string; email: string } }>('account/read', {});
    assert.deepEqual([account.account.type, account.account.email], ['chatgpt', 'device-app@example.test']);
  });
});

describe('fake OpenAI API with the official openai package', () => {
  let fake: FakeOpenAI;
  let client: OpenAI;

  before(async () => {
    fake = await startFakeOpenAI();
    client = new OpenAI({ baseURL: fake.baseUrl, apiKey: 'sk-fake-test-key', maxRetries: 0, timeout: 10_000 });
  });
  after(async () => {
    await fake.close();
  });

  test('non-streaming chat completion echoes the last user message with usage', async () => {
    const res = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hello there' }],
    });
    assert.equal(res.object, 'chat.completion');
    assert.equal(res.choices[0]?.message.content, 'echo: hello there');
    assert.equal(res.choices[0]?.finish_reason, 'stop');
    assert.equal(res.usage?.prompt_tokens, FAKE_OPENAI_USAGE.prompt_tokens);
    assert.equal(res.usage?.completion_tokens, FAKE_OPENAI_USAGE.completion_tokens);
    const req = fake.requests.at(-1);
    assert.equal(req?.headers.authorization, 'Bearer sk-fake-test-key');
    assert.equal(req?.apiKey, 'sk-fake-test-key');
  });

  test('streaming chat completion sends chunks, a usage chunk and [DONE]', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'stream it SCENARIO=slow' }],
    });
    let text = '';
    let contentChunks = 0;
    let usageTokens: number | undefined;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      assert.equal(chunk.object, 'chat.completion.chunk');
      const choice = chunk.choices[0];
      if (choice?.delta.content) {
        text += choice.delta.content;
        contentChunks++;
      }
      if (choice?.finish_reason) finish = choice.finish_reason;
      if (chunk.usage) usageTokens = chunk.usage.total_tokens;
    }
    assert.equal(text, 'echo: stream it SCENARIO=slow');
    assert.equal(contentChunks, 5);
    assert.equal(finish, 'stop');
    assert.equal(usageTokens, FAKE_OPENAI_USAGE.prompt_tokens + FAKE_OPENAI_USAGE.completion_tokens);
  });

  test('GET /v1/models lists the fake models', async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    assert.deepEqual(ids, ['gpt-4o-mini', 'gpt-5.5']);
  });

  test('rate_limited surfaces as a 429 RateLimitError with Retry-After', async () => {
    fake.setScenario({ name: 'rate_limited', retryAfterSecs: 13, times: 1 });
    await assert.rejects(
      client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }),
      (err: unknown) => {
        assert.ok(err instanceof OpenAI.RateLimitError);
        assert.equal(err.status, 429);
        assert.equal(err.headers?.get('retry-after'), '13');
        assert.equal(err.code, 'rate_limit_exceeded');
        return true;
      },
    );
    const next = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'after the limit' }] });
    assert.equal(next.choices[0]?.message.content, 'echo: after the limit');
  });

  test('unauthorized, bad_request and server_error map to the SDK error classes', async () => {
    const cases: Array<[string, new (...args: never[]) => Error, number]> = [
      ['unauthorized', OpenAI.AuthenticationError, 401],
      ['bad_request', OpenAI.BadRequestError, 400],
      ['server_error', OpenAI.InternalServerError, 500],
    ];
    for (const [scenario, cls, status] of cases) {
      await assert.rejects(
        client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `SCENARIO=${scenario}` }] }),
        (err: unknown) => {
          assert.ok(err instanceof cls, scenario);
          assert.equal((err as InstanceType<typeof OpenAI.APIError>).status, status);
          return true;
        },
      );
    }
  });
});
