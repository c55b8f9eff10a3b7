// What the fake model answers to one Responses request, independent of transport
// (WebSocket frames or SSE). The transports turn a Reply into bytes.
import { randomBytes } from 'node:crypto';
import type { FakeAccount, Scenario, ScenarioName, Usage } from './accounts';
import { SCENARIO_NAMES } from './accounts';
import { minimalInstance } from './json-schema-instance';

export type ResponseEvent = Record<string, unknown> & { type: string };

export type Reply =
  /** A normal stream; each event is sent after `delayMs`. */
  | { kind: 'stream'; steps: Array<{ event: ResponseEvent; delayMs: number }> }
  /** An HTTP error (a non-2xx status over SSE, a wrapped `type:"error"` frame over WebSocket). */
  | { kind: 'error'; status: number; body: Record<string, unknown>; headers: Record<string, string> }
  /** Accept the request and never answer. */
  | { kind: 'hang' };

interface InputItem {
  type?: string;
  role?: string;
  content?: unknown;
}

/** Concatenated text of the last `role:"user"` message of a Responses request body. */
/**
 * Everything a request puts before the model, as characters: the instructions, every input item
 * (developer and user messages, history, tool items) and the tools offered.
 */
export function modelInputChars(body: Record<string, unknown>): number {
  const text = (v: unknown) => (v === undefined || v === null || v === '' ? 0 : (typeof v === 'string' ? v : JSON.stringify(v)).length);
  return text(body.instructions) + text(Array.isArray(body.input) && body.input.length ? body.input : undefined) + text(Array.isArray(body.tools) && body.tools.length ? body.tools : undefined);
}

/** Names of the tools a request offers the model, from `tools` and from `additional_tools` input items. */
export function offeredToolNames(body: Record<string, unknown>): string[] {
  const tools: unknown[] = Array.isArray(body.tools) ? [...body.tools] : [];
  for (const item of Array.isArray(body.input) ? (body.input as Array<{ type?: string; tools?: unknown }>) : []) {
    if (item?.type === 'additional_tools' && Array.isArray(item.tools)) tools.push(...item.tools);
  }
  return tools.map((t) => {
    const tool = t as { name?: string; type?: string; tools?: unknown[] };
    return tool.name ?? tool.type ?? '?';
  });
}

export function lastUserText(body: Record<string, unknown>): string {
  const input = Array.isArray(body.input) ? (body.input as InputItem[]) : [];
  for (let i = input.length - 1; i >= 0; i--) {
    const item = input[i];
    if (item?.role !== 'user') continue;
    if (typeof item.content === 'string') return item.content;
    if (!Array.isArray(item.content)) return '';
    return (item.content as Array<{ type?: string; text?: string }>)
      .filter((c) => typeof c.text === 'string')
      .map((c) => c.text)
      .join('\n');
  }
  return '';
}

/** `SCENARIO=<name>` anywhere in the text steers a single request. */
export function markerScenario(text: string): ScenarioName | undefined {
  const match = /SCENARIO=([a-z_]+)/.exec(text);
  const name = match?.[1] as ScenarioName | undefined;
  return name && SCENARIO_NAMES.includes(name) ? name : undefined;
}

/** Counts one use of the account's scenario; a `times`-limited scenario reverts to ok when used up. */
export function consumeScenario(account: FakeAccount): void {
  const times = account.scenario.times;
  if (times === undefined) return;
  if (times <= 1) account.scenario = { name: 'ok' };
  else account.scenario = { ...account.scenario, times: times - 1 };
}

export function effectiveScenario(account: FakeAccount, body: Record<string, unknown>): Scenario {
  const marker = markerScenario(lastUserText(body));
  if (!marker || marker === account.scenario.name) return account.scenario;
  return { name: marker };
}

function nowSecs(): number {
  return Math.floor(Date.now() / 1000);
}

/** x-codex-* rate-limit headers, as the real backend sends on every response (reference §4). */
export function rateLimitHeaders(usage: Usage, primaryOverride?: { usedPercent: number; resetsAt: number }): Record<string, string> {
  const primaryUsed = primaryOverride?.usedPercent ?? usage.primaryUsedPercent;
  const primaryReset = primaryOverride?.resetsAt ?? usage.primaryResetsAt;
  return {
    'x-codex-primary-used-percent': String(primaryUsed),
    'x-codex-primary-window-minutes': String(usage.primaryWindowMins),
    'x-codex-primary-reset-at': String(primaryReset),
    'x-codex-secondary-used-percent': String(usage.secondaryUsedPercent),
    'x-codex-secondary-window-minutes': String(usage.secondaryWindowMins),
    'x-codex-secondary-reset-at': String(usage.secondaryResetsAt),
    'x-codex-credits-has-credits': String(usage.credits.hasCredits),
    'x-codex-credits-unlimited': String(usage.credits.unlimited),
    'x-codex-credits-balance': usage.credits.balance,
  };
}

/** The WebSocket-only `codex.rate_limits` event. */
export function rateLimitsEvent(account: FakeAccount): ResponseEvent {
  const u = account.usage;
  return {
    type: 'codex.rate_limits',
    plan_type: account.plan,
    rate_limits: {
      primary: { used_percent: u.primaryUsedPercent, window_minutes: u.primaryWindowMins, reset_at: u.primaryResetsAt },
      secondary: { used_percent: u.secondaryUsedPercent, window_minutes: u.secondaryWindowMins, reset_at: u.secondaryResetsAt },
    },
    credits: { has_credits: u.credits.hasCredits, unlimited: u.credits.unlimited, balance: u.credits.balance },
  };
}

/** Answer text: JSON for a json_schema request, else `echo: <last user text>` (or the scenario's fixed text). */
export function answerText(scenario: Scenario, body: Record<string, unknown>): string {
  const format = (body.text as { format?: { type?: string; schema?: unknown } } | undefined)?.format;
  if (format?.type === 'json_schema') return JSON.stringify(minimalInstance(format.schema ?? {}));
  const outputs = trailingToolOutputs(body);
  if (outputs.length > 0) return `tool results: ${outputs.map((o) => o.output).join(' | ')}`;
  return scenario.text ?? `echo: ${lastUserText(body)}`;
}

function splitInto(text: string, parts: number): string[] {
  if (parts <= 1 || text.length <= 1) return [text];
  const n = Math.min(parts, text.length);
  const size = Math.ceil(text.length / n);
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('hex')}`;
}

/**
 * Codex 0.169's own tools (seen in `codex exec` and app-server requests with default flags); every
 * other function tool in a request is the client's, which the fake model calls.
 */
export const CODEX_TOOL_NAMES: ReadonlySet<string> = new Set([
  'exec_command', 'write_stdin', 'list_mcp_resources', 'list_mcp_resource_templates', 'read_mcp_resource',
  'request_user_input', 'apply_patch', 'view_image', 'get_goal', 'create_goal', 'update_goal', 'tool_search',
  'web__run', 'shell', 'update_plan',
]);

export interface FunctionTool {
  type: 'function';
  name: string;
  description?: string;
  parameters?: Record<string, unknown>;
  strict?: boolean;
}

export function clientTools(body: Record<string, unknown>): FunctionTool[] {
  const tools = Array.isArray(body.tools) ? (body.tools as Array<Record<string, unknown>>) : [];
  return tools.filter((t): t is FunctionTool & Record<string, unknown> => t.type === 'function' && typeof t.name === 'string' && !CODEX_TOOL_NAMES.has(t.name));
}

/** The trailing function_call_output items of the input (what the model is answering now). */
export function trailingToolOutputs(body: Record<string, unknown>): Array<{ call_id: string; output: string }> {
  const input = Array.isArray(body.input) ? (body.input as Array<Record<string, unknown>>) : [];
  const out: Array<{ call_id: string; output: string }> = [];
  for (let i = input.length - 1; i >= 0 && input[i]?.type === 'function_call_output'; i--) {
    const o = input[i]!.output;
    const text = typeof o === 'string' ? o : Array.isArray(o) ? (o as Array<{ text?: string }>).map((c) => c.text ?? '').join('') : '';
    out.unshift({ call_id: String(input[i]!.call_id), output: text });
  }
  return out;
}

/**
 * Which client tools the fake model calls for this request: none when it is answering tool results
 * or the user wrote NO_TOOL; the tools named by `CALL=a,b`; every tool for PARALLEL; else the first.
 */
function toolsToCall(body: Record<string, unknown>): FunctionTool[] {
  const tools = clientTools(body);
  const text = lastUserText(body);
  if (tools.length === 0 || trailingToolOutputs(body).length > 0 || text.includes('NO_TOOL')) return [];
  const named = /CALL=([A-Za-z0-9_,-]+)/.exec(text)?.[1]?.split(',');
  if (named) return named.map((n) => tools.find((t) => t.name === n)).filter((t): t is FunctionTool => !!t);
  return text.includes('PARALLEL') ? tools : [tools[0]!];
}

function streamReply(account: FakeAccount, scenario: Scenario, body: Record<string, unknown>): Reply {
  const calls = toolsToCall(body);
  if (calls.length > 0) return toolCallReply(account, body, calls);
  const slow = scenario.name === 'slow';
  const text = answerText(scenario, body);
  const chunks = splitInto(text, slow ? scenario.deltas ?? 5 : 3);
  const delay = slow ? scenario.delayMs ?? 200 : 0;
  const responseId = newId('resp');
  const itemId = newId('msg');
  const at = { item_id: itemId, output_index: 0, content_index: 0 };
  const message = (status: string, content: unknown[]) => ({ type: 'message', id: itemId, role: 'assistant', status, content });
  const t = account.tokenUsage;
  const input = t.input === 'measured' ? Math.ceil(modelInputChars(body) / 4) : t.input;
  const events: Array<{ event: ResponseEvent; delayMs: number }> = [
    { event: { type: 'response.created', response: { id: responseId, object: 'response', status: 'in_progress', model: body.model } }, delayMs: 0 },
    { event: rateLimitsEvent(account), delayMs: 0 },
    { event: { type: 'response.output_item.added', output_index: 0, item: message('in_progress', []) }, delayMs: 0 },
    { event: { type: 'response.content_part.added', ...at, part: { type: 'output_text', text: '', annotations: [] } }, delayMs: 0 },
    ...chunks.map((delta) => ({ event: { type: 'response.output_text.delta', ...at, delta }, delayMs: delay })),
    { event: { type: 'response.output_text.done', ...at, text }, delayMs: 0 },
    { event: { type: 'response.content_part.done', ...at, part: { type: 'output_text', text, annotations: [] } }, delayMs: 0 },
    { event: { type: 'response.output_item.done', output_index: 0, item: message('completed', [{ type: 'output_text', text, annotations: [] }]) }, delayMs: 0 },
    {
      event: {
        type: 'response.completed',
        response: {
          id: responseId, object: 'response', status: 'completed', model: body.model,
          output: [message('completed', [{ type: 'output_text', text, annotations: [] }])],
          usage: {
            input_tokens: input,
            input_tokens_details: { cached_tokens: Math.min(t.cached, input) },
            output_tokens: t.output,
            output_tokens_details: { reasoning_tokens: t.reasoning },
            total_tokens: input + t.output,
          },
        },
      },
      delayMs: 0,
    },
  ];
  return { kind: 'stream', steps: events };
}

/** The model calls `calls` (arguments: the smallest valid instance of each schema), after a short preamble when the user wrote PREAMBLE. */
function toolCallReply(account: FakeAccount, body: Record<string, unknown>, calls: FunctionTool[]): Reply {
  const responseId = newId('resp');
  const steps: Array<{ event: ResponseEvent; delayMs: number }> = [];
  const step = (event: ResponseEvent) => steps.push({ event, delayMs: 0 });
  const output: Record<string, unknown>[] = [];
  step({ type: 'response.created', response: { id: responseId, object: 'response', status: 'in_progress', model: body.model } });
  step(rateLimitsEvent(account));
  if (lastUserText(body).includes('PREAMBLE')) {
    const text = 'Let me look that up.';
    const id = newId('msg');
    const done = { type: 'message', id, role: 'assistant', status: 'completed', content: [{ type: 'output_text', text, annotations: [] }] };
    const at = { item_id: id, output_index: output.length, content_index: 0 };
    step({ type: 'response.output_item.added', output_index: output.length, item: { ...done, status: 'in_progress', content: [] } });
    step({ type: 'response.content_part.added', ...at, part: { type: 'output_text', text: '', annotations: [] } });
    step({ type: 'response.output_text.delta', ...at, delta: text });
    step({ type: 'response.output_text.done', ...at, text });
    step({ type: 'response.content_part.done', ...at, part: { type: 'output_text', text, annotations: [] } });
    step({ type: 'response.output_item.done', output_index: output.length, item: done });
    output.push(done);
  }
  for (const tool of calls) {
    const args = JSON.stringify(minimalInstance(tool.parameters ?? { type: 'object', properties: {} }));
    const item = { type: 'function_call', id: newId('fc'), call_id: newId('call'), name: tool.name, arguments: args, status: 'completed' };
    const index = output.length;
    step({ type: 'response.output_item.added', output_index: index, item: { ...item, arguments: '', status: 'in_progress' } });
    step({ type: 'response.function_call_arguments.delta', item_id: item.id, output_index: index, delta: args });
    step({ type: 'response.function_call_arguments.done', item_id: item.id, output_index: index, arguments: args });
    step({ type: 'response.output_item.done', output_index: index, item });
    output.push(item);
  }
  const t = account.tokenUsage;
  const input = t.input === 'measured' ? Math.ceil(modelInputChars(body) / 4) : t.input;
  step({
    type: 'response.completed',
    response: {
      id: responseId, object: 'response', status: 'completed', model: body.model, output,
      usage: {
        input_tokens: input, input_tokens_details: { cached_tokens: Math.min(t.cached, input) },
        output_tokens: t.output, output_tokens_details: { reasoning_tokens: t.reasoning }, total_tokens: input + t.output,
      },
    },
  });
  return { kind: 'stream', steps };
}

function failedReply(body: Record<string, unknown>, code: string, message: string): Reply {
  const id = newId('resp');
  return {
    kind: 'stream',
    steps: [
      { event: { type: 'response.created', response: { id, object: 'response', status: 'in_progress', model: body.model } }, delayMs: 0 },
      { event: { type: 'response.failed', response: { id, object: 'response', status: 'failed', error: { code, message } } }, delayMs: 0 },
    ],
  };
}

/** Decides what to answer to one generating Responses request. */
export function replyFor(account: FakeAccount, body: Record<string, unknown>): Reply {
  const scenario = effectiveScenario(account, body);
  if (scenario === account.scenario) consumeScenario(account);
  const headers = rateLimitHeaders(account.usage);
  switch (scenario.name) {
    case 'ok':
    case 'slow':
    case 'json_schema':
      return streamReply(account, scenario, body);
    case 'hang':
      return { kind: 'hang' };
    case 'usage_limit': {
      const resetsAt = scenario.resetsAt === undefined ? nowSecs() + 3600 : scenario.resetsAt;
      const error: Record<string, unknown> = { type: 'usage_limit_reached', message: 'The usage limit has been reached', plan_type: account.plan };
      if (resetsAt !== null) error.resets_at = resetsAt;
      return {
        kind: 'error', status: 429, body: { error },
        headers: rateLimitHeaders(account.usage, { usedPercent: 100, resetsAt: resetsAt ?? account.usage.primaryResetsAt }),
      };
    }
    case 'unauthorized':
      // The reconnect and the refresh that Codex attempts next must fail too, or it would simply retry.
      account.pendingUnauthorized = true;
      return {
        kind: 'error', status: 401, headers: {},
        body: { error: { message: 'Your authentication token has expired. Please try signing in again.', type: 'invalid_request_error', code: 'token_expired' } },
      };
    case 'server_error':
      return { kind: 'error', status: 500, headers, body: { error: { message: 'An error occurred while processing your request.', type: 'server_error' } } };
    case 'overloaded':
      return {
        kind: 'error', status: 503, headers,
        body: { error: { code: 'server_is_overloaded', message: 'Our servers are currently overloaded. Please try again later.', type: 'service_unavailable_error' } },
      };
    case 'context_length_exceeded':
      return failedReply(body, 'context_length_exceeded', 'Your input exceeds the context window of this model. Please adjust your input and try again.');
    case 'model_not_found':
      return {
        kind: 'error', status: 400, headers,
        body: { error: { code: 'model_not_found', type: 'invalid_request_error', message: `The model \`${String(body.model)}\` does not exist or you do not have access to it.` } },
      };
  }
}
