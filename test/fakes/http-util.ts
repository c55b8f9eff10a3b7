// Small HTTP helpers shared by the fakes.
import { spawnSync } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as zlib from 'node:zlib';

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return decodeBody(Buffer.concat(chunks), String(req.headers['content-encoding'] ?? ''));
}

/**
 * Codex's built-in provider sends the Responses POST body with `content-encoding: zstd`.
 * Node 20 has no zstd in zlib, so fall back to the `zstd` CLI (Debian package `zstd`).
 */
function decodeBody(raw: Buffer, encoding: string): Buffer {
  if (encoding === 'gzip') return zlib.gunzipSync(raw);
  if (encoding === 'deflate') return zlib.inflateSync(raw);
  if (encoding === 'br') return zlib.brotliDecompressSync(raw);
  if (encoding !== 'zstd') return raw;
  const native = (zlib as unknown as { zstdDecompressSync?: (b: Buffer) => Buffer }).zstdDecompressSync;
  if (native) return native(raw);
  const out = spawnSync('zstd', ['-d', '-c', '-q'], { input: raw, maxBuffer: 64 * 1024 * 1024 });
  if (out.status !== 0) throw new Error(`zstd decode failed (is the zstd CLI installed?): ${out.stderr?.toString() ?? ''}`);
  return out.stdout;
}

export function parseJson(buf: Buffer): Record<string, unknown> {
  if (buf.length === 0) return {};
  try {
    const value: unknown = JSON.parse(buf.toString('utf8'));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** JSON or form-encoded body, as a flat record. */
export function parseJsonOrForm(req: IncomingMessage, buf: Buffer): Record<string, unknown> {
  const type = String(req.headers['content-type'] ?? '');
  if (type.includes('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(buf.toString('utf8')));
  }
  return parseJson(buf);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function flatHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}
