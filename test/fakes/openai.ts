// A fake OpenAI API (plain HTTP on 127.0.0.1): Chat Completions and Responses (streaming and not,
// function tools) and models.
// Stands in for an API-key upstream lane and for clients that talk to the gateway.
import * as http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { flatHeaders, parseJson, readBody, sendJson, sleep } from './http-util';
import { minimalInstance } from './json-schema-instance';
import { embeddings, moderations, PASS_ROUTES, readMultipart, speech, UPLOAD_ROUTES, uploadAnswer, wordsOf, type FakeUpload } from './openai-pass';

export type { FakeUpload } from './openai-pass';

export type OpenAIScenarioName = 'ok' | 'rate_limited' | 'server_error' | 'unauthorized' | 'bad_request' | 'slow' | 'echo_key';

/** echo_key: a 400 whose message quotes the caller's API key (as some upstreams do). */
export const OPENAI_SCENARIO_NAMES: readonly OpenAIScenarioName[] = ['ok', 'rate_limited', 'server_error', 'unauthorized', 'bad_request', 'slow', 'echo_key'];

export interface OpenAIScenario {
  name: OpenAIScenarioName;
  /** rate_limited: Retry-After seconds (default 7). */
  retryAfterSecs?: number;
  /** slow: number of content chunks (default 5) and delay before each (default 200 ms). */
  chunks?: number;
  delayMs?: number;
  /** Apply to the next N requests only, then revert to ok. */
  times?: number;
}

export interface OpenAIRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  /** The bearer token from the authorization header, without "Bearer ". */
  apiKey: string | undefined;
  body: Record<string, unknown>;
  lastUserText: string;
  scenario: OpenAIScenarioName;
  at: number;
  /** The caller closed the connection before the answer's end (a gateway letting go of the upstream). */
  cutOff: boolean;
}

export interface FakeOpenAI {
  /** http://127.0.0.1:PORT/v1 */
  baseUrl: string;
  requests: OpenAIRequest[];
  setScenario(scenario: OpenAIScenarioName | OpenAIScenario): void;
  /** Models listed by GET /v1/models (default: gpt-4o-mini, gpt-5.5). */
  setModels(ids: string[]): void;
  /** What the upload routes (files, audio transcriptions and translations) received, in order. */
  uploads: FakeUpload[];
  /** Speech waits for this after its first chunk (null: no wait), so a test can see the stream flow. */
  holdSpeech(until: Promise<void> | null): void;
  close(): Promise<void>;
}

/** Fixed token counts so a test can check usage mapping. */
export const FAKE_OPENAI_USAGE = { prompt_tokens: 21, completion_tokens: 7, cached_tokens: 5, reasoning_tokens: 2 };

interface State {
  scenario: OpenAIScenario;
  models: string[];
  requests: OpenAIRequest[];
  uploads: FakeUpload[];
  speechHold: Promise<void> | null;
  closed: boolean;
}

export async function startFakeOpenAI(): Promise<FakeOpenAI> {
  const state: State = { scenario: { name: 'ok' }, models: ['gpt-4o-mini', 'gpt-5.5'], requests: [], uploads: [], speechHold: null, closed: false };
  const server = http.createServer((req, res) => {
    handle(state, req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, apiError(`fake error: ${(err as Error).message}`, 'server_error', null));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests: state.requests,
    setScenario: (s) => {
      state.scenario = typeof s === 'string' ? { name: s } : { ...s };
    },
    setModels: (ids) => {
      state.models = [...ids];
    },
    uploads: state.uploads,
    holdSpeech: (until) => {
      state.speechHold = until;
    },
    close: async () => {
      state.closed = true;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function apiError(message: string, type: string, code: string | null, param: string | null = null): Record<string, unknown> {
  return { error: { message, type, param, code } };
}

function lastUserText(body: Record<string, unknown>): string {
  const messages = Array.isArray(body.messages) ? (body.messages as Array<{ role?: string; content?: unknown }>) : [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m?.role !== 'user') continue;
    if (typeof m.content === 'string') return m.content;
    if (Array.isArray(m.content)) {
      return (m.content as Array<{ type?: string; text?: string }>).filter((p) => typeof p.text === 'string').map((p) => p.text).join('\n');
    }
    return '';
  }
  return '';
}

function pickScenario(state: State, text: string): OpenAIScenario {
  const marker = /SCENARIO=([a-z_]+)/.exec(text)?.[1] as OpenAIScenarioName | undefined;
  if (marker && OPENAI_SCENARIO_NAMES.includes(marker) && marker !== state.scenario.name) {
    // `SCENARIO=slow CHUNKS=20 DELAY_MS=2`: a paced stream chosen by the request alone (benchmarks).
    const num = (key: string) => Number(new RegExp(`${key}=(\\d+)`).exec(text)?.[1] ?? NaN);
    const chunks = num('CHUNKS');
    const delayMs = num('DELAY_MS');
    return { name: marker, ...(Number.isInteger(chunks) ? { chunks } : {}), ...(Number.isInteger(delayMs) ? { delayMs } : {}) };
  }
  const current = state.scenario;
  if (current.times !== undefined) {
    state.scenario = current.times <= 1 ? { name: 'ok' } : { ...current, times: current.times - 1 };
  }
  return current;
}

async function handle(state: State, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (req.method === 'POST' && UPLOAD_ROUTES.includes(url.pathname)) return handleUpload(state, req, res, url.pathname);
  const raw = await readBody(req);
  const body = parseJson(raw);
  const headers = flatHeaders(req);
  const auth = headers.authorization;
  const apiKey = auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length) : undefined;
  const text = lastUserText(body);
  const isChat = req.method === 'POST' && url.pathname === '/v1/chat/completions';
  const isPass = req.method === 'POST' && PASS_ROUTES.includes(url.pathname);
  const isResponses = req.method === 'POST' && url.pathname === '/v1/responses';
  const scenario = isChat ? pickScenario(state, text) : isResponses ? pickScenario(state, responsesUserText(body)) : isPass ? pickScenario(state, wordsOf(body.input).join(' ')) : { name: 'ok' as const };
  const seen: OpenAIRequest = { method: req.method ?? 'GET', path: url.pathname, headers, apiKey, body, lastUserText: text, scenario: scenario.name, at: Date.now(), cutOff: false };
  state.requests.push(seen);
  res.once('close', () => (seen.cutOff = !res.writableFinished));

  if (!apiKey) return sendJson(res, 401, apiError('You didn\'t provide an API key.', 'invalid_request_error', null));
  if (req.method === 'GET' && url.pathname === '/v1/models') {
    return sendJson(res, 200, { object: 'list', data: state.models.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'fake-openai' })) });
  }
  if (req.method === 'GET' && url.pathname.startsWith('/v1/models/')) {
    const id = decodeURIComponent(url.pathname.slice('/v1/models/'.length));
    if (!state.models.includes(id)) return sendJson(res, 404, apiError(`The model '${id}' does not exist`, 'invalid_request_error', 'model_not_found', 'model'));
    return sendJson(res, 200, { id, object: 'model', created: 1_700_000_000, owned_by: 'fake-openai' });
  }
  if (isResponses) {
    if (errorReply(res, scenario, apiKey)) return;
    return body.stream === true ? streamResponses(state, res, body) : sendJson(res, 200, responseObject(body));
  }
  if (isPass) {
    if (errorReply(res, scenario, apiKey)) return;
    if (url.pathname === '/v1/embeddings') return embeddings(res, body);
    if (url.pathname === '/v1/moderations') return moderations(res, body);
    if (url.pathname === '/v1/audio/speech') return speech(res, body, state.speechHold);
  }
  if (!isChat) return sendJson(res, 404, apiError(`Unknown request URL: ${req.method} ${url.pathname}.`, 'invalid_request_error', 'unknown_url'));
  if (errorReply(res, scenario)) return;
  if (!Array.isArray(body.messages) || typeof body.model !== 'string') {
    return sendJson(res, 400, apiError("Missing required parameter: 'messages' or 'model'.", 'invalid_request_error', 'missing_required_parameter'));
  }
  const plan = chatToolPlan(body, text);
  if (plan) return body.stream === true ? streamChatCalls(state, res, body, plan) : sendJson(res, 200, callsCompletion(body, plan));
  return body.stream === true ? streamChat(state, res, body, scenario, text) : sendJson(res, 200, completion(body, answer(body, text)));
}

// ---- tools --------------------------------------------------------------------------------------

interface CallPlan {
  preamble: string | null;
  calls: Array<{ id: string; name: string; arguments: string }>;
}

/** The same rules as the fake ChatGPT model: CALL=a,b names tools, PARALLEL calls all, PREAMBLE writes text first, NO_TOOL answers. */
function planCalls(tools: Array<{ name: string; parameters?: unknown }>, text: string, forced: string | null, answeringResults: boolean): CallPlan | null {
  if (tools.length === 0 || answeringResults) return null;
  if (!forced && text.includes('NO_TOOL')) return null;
  const named = forced ? [forced] : /CALL=([A-Za-z0-9_,-]+)/.exec(text)?.[1]?.split(',');
  const chosen = named ? named.map((n) => tools.find((t) => t.name === n)).filter((t) => !!t) : text.includes('PARALLEL') ? tools : [tools[0]!];
  return {
    preamble: text.includes('PREAMBLE') ? 'Let me look that up.' : null,
    calls: chosen.map((t) => ({ id: `call_fake${(counter += 1)}`, name: t.name, arguments: JSON.stringify(minimalInstance(t.parameters ?? { type: 'object', properties: {} })) })),
  };
}

function chatToolPlan(body: Record<string, unknown>, text: string): CallPlan | null {
  const tools = (Array.isArray(body.tools) ? body.tools : []) as Array<{ function?: { name: string; parameters?: unknown } }>;
  const messages = (Array.isArray(body.messages) ? body.messages : []) as Array<{ role?: string }>;
  const choice = body.tool_choice as { function?: { name?: string } } | string | undefined;
  const forced = typeof choice === 'object' ? choice?.function?.name ?? null : null;
  if (choice === 'none') return null;
  return planCalls(tools.flatMap((t) => (t.function ? [t.function] : [])), text, forced, messages.at(-1)?.role === 'tool');
}

function toolResultsText(outputs: string[]): string {
  return `tool results: ${outputs.join(' | ')}`;
}

function callsCompletion(body: Record<string, unknown>, plan: CallPlan): Record<string, unknown> {
  const c = completion(body, plan.preamble ?? '') as { choices: Array<Record<string, unknown>> };
  c.choices[0] = {
    index: 0,
    message: { role: 'assistant', content: plan.preamble, refusal: null, tool_calls: plan.calls.map((x) => ({ id: x.id, type: 'function', function: { name: x.name, arguments: x.arguments } })) },
    logprobs: null,
    finish_reason: 'tool_calls',
  };
  return c;
}

/** Streams calls as OpenAI does: id and name first, then the arguments in two pieces, all under the call's index. */
async function streamChatCalls(state: State, res: ServerResponse, body: Record<string, unknown>, plan: CallPlan): Promise<void> {
  const base = { id: completionId(), object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: body.model, system_fingerprint: 'fp_fake' };
  const write = (obj: unknown) => {
    if (!state.closed && !res.destroyed) res.write(`data: ${JSON.stringify(obj)}\n\n`);
  };
  const chunk = (delta: Record<string, unknown>, finish: string | null) => ({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
  write(chunk({ role: 'assistant', content: plan.preamble ?? null }, null));
  plan.calls.forEach((c, index) => {
    const half = Math.ceil(c.arguments.length / 2);
    write(chunk({ tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.name, arguments: '' } }] }, null));
    write(chunk({ tool_calls: [{ index, function: { arguments: c.arguments.slice(0, half) } }] }, null));
    write(chunk({ tool_calls: [{ index, function: { arguments: c.arguments.slice(half) } }] }, null));
  });
  write(chunk({}, 'tool_calls'));
  write({ ...base, choices: [], usage: usage() });
  if (!state.closed && !res.destroyed) res.end('data: [DONE]\n\n');
}

// ---- Responses API -------------------------------------------------------------------------------

type Item = Record<string, unknown> & { type?: string };

function inputItems(body: Record<string, unknown>): Item[] {
  if (typeof body.input === 'string') return [{ type: 'message', role: 'user', content: body.input }];
  return (Array.isArray(body.input) ? body.input : []) as Item[];
}

function itemText(item: Item): string {
  const c = item.content;
  if (typeof c === 'string') return c;
  return Array.isArray(c) ? (c as Array<{ text?: string }>).map((p) => p.text ?? '').join('\n') : '';
}

function responsesUserText(body: Record<string, unknown>): string {
  const user = inputItems(body).filter((i) => (i.type === 'message' || i.type === undefined) && i.role === 'user').at(-1);
  return user ? itemText(user) : '';
}

function responsesOutput(body: Record<string, unknown>): Item[] {
  const items = inputItems(body);
  const outputs: string[] = [];
  for (let i = items.length - 1; i >= 0 && items[i]!.type === 'function_call_output'; i--) outputs.unshift(String(items[i]!.output));
  const tools = ((Array.isArray(body.tools) ? body.tools : []) as Array<{ type: string; name: string; parameters?: unknown }>).filter((t) => t.type === 'function');
  const choice = body.tool_choice as { type?: string; name?: string } | string | undefined;
  const forced = typeof choice === 'object' && choice?.type === 'function' ? choice.name ?? null : null;
  const text = responsesUserText(body);
  const plan = choice === 'none' ? null : planCalls(tools, text, forced, outputs.length > 0);
  const message = (t: string): Item => ({ type: 'message', id: `msg_fake${(counter += 1)}`, status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: t, annotations: [] }] });
  if (!plan) {
    const format = (body.text as { format?: { type?: string; schema?: unknown } } | undefined)?.format;
    const answerText = format?.type === 'json_schema' ? JSON.stringify(minimalInstance(format.schema ?? {})) : outputs.length > 0 ? toolResultsText(outputs) : `echo: ${text}`;
    return [message(answerText)];
  }
  return [
    ...(plan.preamble ? [message(plan.preamble)] : []),
    ...plan.calls.map((c) => ({ type: 'function_call', id: `fc_fake${(counter += 1)}`, call_id: c.id, name: c.name, arguments: c.arguments, status: 'completed' })),
  ];
}

function responseObject(body: Record<string, unknown>, output: Item[] = responsesOutput(body)): Record<string, unknown> {
  const u = FAKE_OPENAI_USAGE;
  return {
    id: `resp_fake${(counter += 1)}`,
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status: 'completed',
    model: body.model,
    output,
    usage: {
      input_tokens: u.prompt_tokens,
      input_tokens_details: { cached_tokens: u.cached_tokens },
      output_tokens: u.completion_tokens,
      output_tokens_details: { reasoning_tokens: u.reasoning_tokens },
      total_tokens: u.prompt_tokens + u.completion_tokens,
    },
  };
}

async function streamResponses(state: State, res: ServerResponse, body: Record<string, unknown>): Promise<void> {
  const done = responseObject(body);
  const output = done.output as Item[];
  let seq = 0;
  const write = (type: string, data: Record<string, unknown>) => {
    if (!state.closed && !res.destroyed) res.write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...data })}\n\n`);
  };
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const start = { ...done, status: 'in_progress', output: [], usage: null };
  write('response.created', { response: start });
  write('response.in_progress', { response: start });
  const fail = /FAIL_AFTER_TEXT=(error|failed)/.exec(responsesUserText(body))?.[1];
  if (fail) return failAfterText(res, write, fail, start);
  output.forEach((item, output_index) => {
    if (item.type === 'message') {
      const text = (item.content as Array<{ text: string }>)[0]!.text;
      const at = { item_id: item.id, output_index, content_index: 0 };
      write('response.output_item.added', { output_index, item: { ...item, status: 'in_progress', content: [] } });
      write('response.content_part.added', { ...at, part: { type: 'output_text', text: '', annotations: [] } });
      for (const piece of splitChunks(text, 3)) write('response.output_text.delta', { ...at, delta: piece });
      write('response.output_text.done', { ...at, text });
      write('response.content_part.done', { ...at, part: { type: 'output_text', text, annotations: [] } });
    } else {
      write('response.output_item.added', { output_index, item: { ...item, arguments: '', status: 'in_progress' } });
      write('response.function_call_arguments.delta', { item_id: item.id, output_index, delta: item.arguments });
      write('response.function_call_arguments.done', { item_id: item.id, output_index, arguments: item.arguments });
    }
    write('response.output_item.done', { output_index, item });
  });
  write('response.completed', { response: done });
  if (!state.closed && !res.destroyed) res.end();
}

/**
 * A stream that fails after its first text: `error` (a request fault found mid-stream, as OpenAI
 * sends it, the fields nested under `error`) or `response.failed` (the response's own failure).
 */
function failAfterText(res: ServerResponse, write: (type: string, data: Record<string, unknown>) => void, kind: string, start: Record<string, unknown>): void {
  const at = { item_id: 'msg_fail', output_index: 0, content_index: 0 };
  write('response.output_item.added', { output_index: 0, item: { type: 'message', id: 'msg_fail', role: 'assistant', status: 'in_progress', content: [] } });
  write('response.content_part.added', { ...at, part: { type: 'output_text', text: '', annotations: [] } });
  write('response.output_text.delta', { ...at, delta: 'partial ' });
  if (kind === 'error') {
    write('error', { error: { type: 'invalid_request_error', code: 'context_length_exceeded', message: 'Your input exceeds the context window of this model.', param: 'input' } });
  } else {
    write('response.failed', { response: { ...start, status: 'failed', error: { code: 'server_error', message: 'The model failed to finish.' } } });
  }
  if (!res.destroyed) res.end();
}

/** Writes the scenario's error response, if it is an error scenario. */
function errorReply(res: ServerResponse, s: OpenAIScenario, apiKey?: string): boolean {
  switch (s.name) {
    case 'rate_limited': {
      const secs = s.retryAfterSecs ?? 7;
      sendJson(res, 429, apiError('Rate limit reached for requests. Please try again later.', 'requests', 'rate_limit_exceeded'), {
        'retry-after': String(secs),
        'x-ratelimit-limit-requests': '60',
        'x-ratelimit-remaining-requests': '0',
        'x-ratelimit-reset-requests': `${secs}s`,
      });
      return true;
    }
    case 'server_error':
      sendJson(res, 500, apiError('The server had an error while processing your request. Sorry about that!', 'server_error', null));
      return true;
    case 'unauthorized':
      sendJson(res, 401, apiError('Incorrect API key provided: sk-fake***. You can find your API key at https://platform.openai.com/account/api-keys.', 'invalid_request_error', 'invalid_api_key'));
      return true;
    case 'echo_key':
      sendJson(res, 400, apiError(`Key ${apiKey} may not use this model.`, 'invalid_request_error', 'invalid_value', 'model'), { 'x-echo': `key=${apiKey}` });
      return true;
    case 'bad_request':
      sendJson(res, 400, apiError("Invalid value for 'messages': the fake was asked to reject this request.", 'invalid_request_error', 'invalid_value', 'messages'));
      return true;
    default:
      return false;
  }
}

function answer(body: Record<string, unknown>, text: string): string {
  const messages = (Array.isArray(body.messages) ? body.messages : []) as Array<{ role?: string; content?: unknown }>;
  const results: string[] = [];
  for (let i = messages.length - 1; i >= 0 && messages[i]!.role === 'tool'; i--) results.unshift(String(messages[i]!.content));
  if (results.length > 0) return toolResultsText(results);
  const format = body.response_format as { type?: string; json_schema?: { schema?: unknown } } | undefined;
  if (format?.type === 'json_schema') return JSON.stringify(minimalInstance(format.json_schema?.schema ?? {}));
  if (format?.type === 'json_object') return JSON.stringify({ echo: text });
  return `echo: ${text}`;
}

function usage(): Record<string, unknown> {
  const u = FAKE_OPENAI_USAGE;
  return {
    prompt_tokens: u.prompt_tokens,
    completion_tokens: u.completion_tokens,
    total_tokens: u.prompt_tokens + u.completion_tokens,
    prompt_tokens_details: { cached_tokens: u.cached_tokens },
    completion_tokens_details: { reasoning_tokens: u.reasoning_tokens },
  };
}

let counter = 0;
function completionId(): string {
  counter += 1;
  return `chatcmpl-fake${Date.now().toString(36)}${counter}`;
}

function completion(body: Record<string, unknown>, content: string): Record<string, unknown> {
  return {
    id: completionId(),
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: body.model,
    choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage: usage(),
    system_fingerprint: 'fp_fake',
  };
}

function splitChunks(text: string, n: number): string[] {
  const size = Math.max(1, Math.ceil(text.length / n));
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out.length ? out : [''];
}

async function streamChat(state: State, res: ServerResponse, body: Record<string, unknown>, s: OpenAIScenario, text: string): Promise<void> {
  const slow = s.name === 'slow';
  const pieces = splitChunks(answer(body, text), slow ? s.chunks ?? 5 : 3);
  const delay = slow ? s.delayMs ?? 200 : 0;
  const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
  const base = { id: completionId(), object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: body.model, system_fingerprint: 'fp_fake' };
  const write = (obj: unknown) => {
    if (!state.closed && !res.destroyed) res.write(`data: ${JSON.stringify(obj)}\n\n`);
  };
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const chunk = (delta: Record<string, unknown>, finish: string | null) =>
    ({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...(includeUsage ? { usage: null } : {}) });
  write(chunk({ role: 'assistant', content: '', refusal: null }, null));
  for (const piece of pieces) {
    if (delay) await sleep(delay);
    write(chunk({ content: piece }, null));
  }
  write(chunk({}, 'stop'));
  // With include_usage the real API sends a last chunk with empty choices and the usage.
  if (includeUsage) write({ ...base, choices: [], usage: usage() });
  if (!state.closed && !res.destroyed) res.end('data: [DONE]\n\n');
}

async function handleUpload(state: State, req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  const headers = flatHeaders(req);
  const auth = headers.authorization;
  const apiKey = auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length) : undefined;
  const scenario = pickScenario(state, '');
  const up = await readMultipart(req, path);
  state.requests.push({ method: 'POST', path, headers, apiKey, body: { ...up.fields }, lastUserText: '', scenario: scenario.name, at: Date.now(), cutOff: false });
  if (!apiKey) return sendJson(res, 401, apiError("You didn't provide an API key.", 'invalid_request_error', null));
  if (errorReply(res, scenario, apiKey)) return;
  state.uploads.push(up);
  uploadAnswer(res, up, state.uploads.length);
}
