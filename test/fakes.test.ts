// Proves the test fakes against the REAL pinned Codex binary (and the official openai package),
// so every end-to-end test built on them tests Codex's real wire behaviour.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AppServerClient } from './fakes/app-server';
import { startFakeChatGPT, type FakeChatGPT } from './fakes/chatgpt';
import { configArgs, makeHome, makeWorkdir, runCodex, type TestHome } from './fakes/codex-run';

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
});
