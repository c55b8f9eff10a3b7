// Proves the test fakes against the REAL pinned Codex binary (and the official openai package),
// so every end-to-end test built on them tests Codex's real wire behaviour.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
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
