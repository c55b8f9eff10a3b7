// Usage and model of a passed-through answer, read from its last bytes as they stream by: OpenAI
// puts `usage` at the end of a JSON answer (embeddings, transcriptions, images) and in the last
// event of a stream, so the tail is enough and the body is never held.

import type { Usage } from "../chat/types";

/** Kept from the end of an answer: the usage object and the model name fit well inside. */
export const TAIL_BYTES = 8 * 1024;

export class Tail {
  private buf = Buffer.alloc(0);

  push(chunk: Uint8Array): void {
    if (chunk.byteLength >= TAIL_BYTES) {
      this.buf = Buffer.from(chunk.subarray(chunk.byteLength - TAIL_BYTES));
      return;
    }
    const joined = Buffer.concat([this.buf, chunk]);
    this.buf = joined.length > TAIL_BYTES ? Buffer.from(joined.subarray(joined.length - TAIL_BYTES)) : joined;
  }

  text(): string {
    return this.buf.toString("utf8");
  }
}

export interface PassUsage {
  usage: Usage | null;
  model: string | null;
}

/** The last `"usage": {...}` object and `"model": "..."` in the text, if any. */
export function usageFromTail(text: string): PassUsage {
  return { usage: lastUsage(text), model: lastString(text, "model") };
}

function lastUsage(text: string): Usage | null {
  const at = text.lastIndexOf('"usage"');
  if (at === -1) return null;
  const open = text.indexOf("{", at);
  if (open === -1 || !/^"usage"\s*:\s*$/.test(text.slice(at, open))) return null;
  const close = matchingBrace(text, open);
  if (close === -1) return null;
  let u: Record<string, unknown>;
  try {
    u = JSON.parse(text.slice(open, close + 1)) as Record<string, unknown>;
  } catch {
    return null;
  }
  return {
    // Embeddings and chat say prompt/completion; Responses, audio and images say input/output.
    input_tokens: count(u.input_tokens ?? u.prompt_tokens),
    cached_input_tokens: count(details(u, "input_tokens_details").cached_tokens ?? details(u, "prompt_tokens_details").cached_tokens),
    output_tokens: count(u.output_tokens ?? u.completion_tokens),
    reasoning_tokens: count(details(u, "output_tokens_details").reasoning_tokens ?? details(u, "completion_tokens_details").reasoning_tokens),
  };
}

function count(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : 0;
}

function details(u: Record<string, unknown>, k: string): Record<string, unknown> {
  return u[k] && typeof u[k] === "object" ? (u[k] as Record<string, unknown>) : {};
}

function matchingBrace(text: string, open: number): number {
  let depth = 0;
  let inString = false;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return i;
  }
  return -1;
}

function lastString(text: string, key: string): string | null {
  const re = new RegExp(`"${key}"\\s*:\\s*"([^"\\\\]{1,200})"`, "g");
  let last: string | null = null;
  for (let m = re.exec(text); m; m = re.exec(text)) last = m[1]!;
  return last;
}

/** The `model` field of a multipart form, from the body's first bytes (clients send it before the file). */
export function modelFromForm(head: Buffer): string | null {
  const m = /name="model"\r\n(?:[^\r\n]+\r\n)*\r\n([^\r\n]{1,200})\r\n/.exec(head.toString("latin1"));
  return m ? Buffer.from(m[1]!, "latin1").toString("utf8") : null;
}
