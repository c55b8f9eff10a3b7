// The fake OpenAI API's routes besides chat: embeddings, moderations, audio (transcriptions,
// translations, speech), files. Uploads are parsed as a stream (multipart, never held whole), so a
// test can send hundreds of megabytes and check what arrived by size and SHA-256.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from './http-util';

/** What an upload route received. */
export interface FakeUpload {
  path: string;
  fields: Record<string, string>;
  filename: string | null;
  bytes: number;
  sha256: string;
}

/** Vectors have this many dimensions; each input's tokens are its words. */
export const FAKE_EMBEDDING_DIMS = 8;
/** Speech is this many chunks of this many bytes; chunk i is filled with the byte i + 1. */
export const FAKE_SPEECH = { chunks: 4, chunkBytes: 16 * 1024 };
/** Transcriptions by token-billed models report this usage. */
export const FAKE_TRANSCRIPTION_USAGE = { type: 'tokens', input_tokens: 14, output_tokens: 6, total_tokens: 20 };

export const PASS_ROUTES = ['/v1/embeddings', '/v1/moderations', '/v1/audio/speech', '/v1/audio/transcriptions', '/v1/audio/translations', '/v1/files'];
export const UPLOAD_ROUTES = ['/v1/audio/transcriptions', '/v1/audio/translations', '/v1/files'];

export function wordsOf(input: unknown): string[] {
  const all = Array.isArray(input) ? input : [input];
  return all.flatMap((s) => (typeof s === 'string' ? s.split(/\s+/).filter(Boolean) : []));
}

export function embeddings(res: ServerResponse, body: Record<string, unknown>): void {
  const inputs = Array.isArray(body.input) ? body.input : [body.input];
  const tokens = wordsOf(body.input).length;
  const data = inputs.map((text, index) => {
    const vec = Array.from({ length: FAKE_EMBEDDING_DIMS }, (_, i) => (String(text).length + i) / 100);
    const embedding = body.encoding_format === 'base64' ? Buffer.from(new Float32Array(vec).buffer).toString('base64') : vec;
    return { object: 'embedding', index, embedding };
  });
  sendJson(res, 200, { object: 'list', data, model: body.model, usage: { prompt_tokens: tokens, total_tokens: tokens } }, { 'x-request-id': 'req_fake_upstream_emb' });
}

export function moderations(res: ServerResponse, body: Record<string, unknown>): void {
  const inputs = Array.isArray(body.input) ? body.input : [body.input];
  const results = inputs.map((text) => {
    const flagged = /\bFLAG\b/.test(String(text));
    return { flagged, categories: { violence: flagged }, category_scores: { violence: flagged ? 0.99 : 0.01 } };
  });
  sendJson(res, 200, { id: `modr-fake${Date.now()}`, model: body.model ?? 'omni-moderation-latest', results });
}

/** Speech as binary chunks (or SSE with stream_format "sse"); `hold` is awaited after the first chunk. */
export async function speech(res: ServerResponse, body: Record<string, unknown>, hold: Promise<void> | null): Promise<void> {
  const chunk = (i: number) => Buffer.alloc(FAKE_SPEECH.chunkBytes, i + 1);
  if (body.stream_format === 'sse') {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'x-request-id': 'req_fake_upstream_tts' });
    for (let i = 0; i < FAKE_SPEECH.chunks; i++) {
      res.write(`data: ${JSON.stringify({ type: 'speech.audio.delta', audio: chunk(i).subarray(0, 16).toString('base64') })}\n\n`);
      if (i === 0 && hold) await hold;
    }
    res.end(`data: ${JSON.stringify({ type: 'speech.audio.done', usage: { input_tokens: 9, output_tokens: 40, total_tokens: 49 } })}\n\n`);
    return;
  }
  res.writeHead(200, { 'content-type': 'audio/mpeg', 'x-request-id': 'req_fake_upstream_tts' });
  for (let i = 0; i < FAKE_SPEECH.chunks; i++) {
    res.write(chunk(i));
    if (i === 0 && hold) await hold;
  }
  res.end();
}

export function uploadAnswer(res: ServerResponse, up: FakeUpload, seq: number): void {
  if (up.path === '/v1/files') {
    return sendJson(res, 200, { id: `file-fake${seq}`, object: 'file', bytes: up.bytes, created_at: Math.floor(Date.now() / 1000), filename: up.filename, purpose: up.fields.purpose ?? null, status: 'processed' });
  }
  const text = `heard ${up.bytes} bytes of ${up.filename}`;
  const tokenBilled = up.fields.model !== 'whisper-1';
  sendJson(res, 200, tokenBilled ? { text, usage: FAKE_TRANSCRIPTION_USAGE } : { text });
}

/** Reads a multipart/form-data body as it streams: text fields kept, the file part only counted and hashed. */
export async function readMultipart(req: IncomingMessage, path: string): Promise<FakeUpload> {
  const type = String(req.headers['content-type'] ?? '');
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(type);
  if (!boundary) throw new Error('multipart body without a boundary');
  const delim = Buffer.from(`\r\n--${boundary[1] ?? boundary[2]}`);
  const up: FakeUpload = { path, fields: {}, filename: null, bytes: 0, sha256: '' };
  const hash = createHash('sha256');
  let mode: 'body' | 'after' | 'headers' | 'done' = 'body';
  let part: { name: string; file: boolean; text: Buffer[] } | null = null;
  let pending: Buffer = Buffer.from('\r\n');
  const emit = (b: Buffer) => {
    if (!part || b.length === 0) return;
    if (part.file) {
      up.bytes += b.length;
      hash.update(b);
    } else part.text.push(Buffer.from(b));
  };
  const finishPart = () => {
    if (part && !part.file) up.fields[part.name] = Buffer.concat(part.text).toString('utf8');
    part = null;
  };
  for await (const chunk of req as AsyncIterable<Buffer>) {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    for (;;) {
      if (mode === 'body') {
        const at = pending.indexOf(delim);
        if (at === -1) {
          const keep = Math.min(pending.length, delim.length - 1);
          emit(pending.subarray(0, pending.length - keep));
          pending = pending.subarray(pending.length - keep);
          break;
        }
        emit(pending.subarray(0, at));
        finishPart();
        pending = pending.subarray(at + delim.length);
        mode = 'after';
      } else if (mode === 'after') {
        if (pending.length < 2) break;
        if (pending.subarray(0, 2).toString() === '--') {
          mode = 'done';
          break;
        }
        pending = pending.subarray(2);
        mode = 'headers';
      } else if (mode === 'headers') {
        const end = pending.indexOf('\r\n\r\n');
        if (end === -1) break;
        const head = pending.subarray(0, end).toString('utf8');
        const name = /name="([^"]*)"/i.exec(head)?.[1] ?? '';
        const filename = /filename="([^"]*)"/i.exec(head)?.[1];
        if (filename !== undefined) up.filename = filename;
        part = { name, file: filename !== undefined, text: [] };
        pending = pending.subarray(end + 4);
        mode = 'body';
      } else break;
    }
  }
  up.sha256 = hash.digest('hex');
  return up;
}
