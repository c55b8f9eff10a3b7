// Reads a request body with a hard cap, so an oversized upload costs at most maxBytes of memory
// whether or not the client sent Content-Length.

import { BodyTooLargeError } from "../errors/api-error";
import { InvalidJsonError } from "./errors";

export async function readJsonBody(req: Request, maxBytes: number): Promise<unknown> {
  const text = await readText(req, maxBytes);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new InvalidJsonError();
  }
}

/** The whole body as bytes, at most maxBytes of it (BodyTooLargeError beyond). */
export async function readCapped(req: Request, maxBytes: number): Promise<Buffer> {
  const declared = req.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) throw new BodyTooLargeError(maxBytes);
  // With a Content-Length within the limit, HTTP itself bounds the body: take the adapter's fast
  // path, which reads the socket directly instead of through a web stream.
  if (declared !== null && !req.headers.has("transfer-encoding")) return Buffer.from(await req.arrayBuffer());
  if (!req.body) return Buffer.alloc(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new BodyTooLargeError(maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total);
}

async function readText(req: Request, maxBytes: number): Promise<string> {
  const declared = req.headers.get("content-length");
  // The adapter's fast path for a bounded body: it reads the socket directly, not through a web stream.
  if (declared !== null && Number(declared) <= maxBytes && !req.headers.has("transfer-encoding")) return req.text();
  return (await readCapped(req, maxBytes)).toString("utf8");
}
