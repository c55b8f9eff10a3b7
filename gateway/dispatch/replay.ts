// A request body that can be sent more than once (retries and failover) without holding it in
// memory: the first attempt streams it from the client as it arrives and keeps a copy, in memory
// up to a small size and beyond that in an unlinked temporary file; a later attempt replays the
// copy, then goes on reading the client where the first one stopped.

import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { open, unlink, type FileHandle } from "node:fs/promises";
import * as path from "node:path";
import { BodyTooLargeError } from "../errors/api-error";

const READ_CHUNK = 64 * 1024;
/** How much of the body's start is kept for a look at its form fields (the model of an upload). */
const HEAD_BYTES = 16 * 1024;

export interface ReplayOptions {
  maxBytes: number;
  /** Bodies up to this size stay in memory; larger ones spill to a file in spoolDir. */
  memoryBytes: number;
  spoolDir: string;
}

export class ReplayableBody {
  private readonly source: AsyncIterator<Uint8Array> | null;
  private readonly memory: Buffer[] = [];
  private file: FileHandle | null = null;
  private stored = 0;
  private ended: boolean;
  private pulling: Promise<unknown> = Promise.resolve();
  private disposed = false;
  /** Why reading the client's body failed (too large, the client went away); attempts then stop. */
  error: Error | null = null;

  private constructor(
    source: AsyncIterable<Uint8Array> | null,
    private readonly opts: ReplayOptions,
  ) {
    this.source = source ? source[Symbol.asyncIterator]() : null;
    this.ended = source === null;
  }

  static stream(source: AsyncIterable<Uint8Array>, opts: ReplayOptions): ReplayableBody {
    return new ReplayableBody(source, opts);
  }

  static buffer(buf: Buffer): ReplayableBody {
    const body = new ReplayableBody(null, { maxBytes: buf.length, memoryBytes: buf.length, spoolDir: "" });
    if (buf.length > 0) body.memory.push(buf);
    body.head = buf.subarray(0, HEAD_BYTES);
    body.stored = buf.length;
    return body;
  }

  /** The body's first bytes (up to 16 KiB), kept so form fields before a file can be read. */
  head: Buffer = Buffer.alloc(0);

  /** Bytes read from the client so far. */
  get bytesRead(): number {
    return this.stored;
  }

  /** The whole body when it came whole (a JSON body read up front), else null. */
  whole(): Buffer | null {
    return this.source === null && !this.file ? (this.memory.length === 1 ? this.memory[0]! : Buffer.concat(this.memory)) : null;
  }

  /** The body from its first byte. Attempts are sequential: open the next only after the last one ended. */
  async *open(): AsyncGenerator<Uint8Array> {
    let pos = 0;
    for (;;) {
      if (pos < this.stored) {
        const chunk = await this.readStored(pos);
        pos += chunk.length;
        yield chunk;
        continue;
      }
      if (this.ended) return;
      const chunk = await this.pull();
      if (chunk === null) return;
      pos += chunk.length;
      yield chunk;
    }
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.memory.length = 0;
    await this.file?.close().catch(() => {});
    this.file = null;
  }

  /** The next chunk from the client, stored before it is handed out. Serialised: one read at a time. */
  private pull(): Promise<Uint8Array | null> {
    const next = this.pulling.then(async () => {
      if (this.ended || !this.source) return null;
      let r: IteratorResult<Uint8Array>;
      try {
        r = await this.source.next();
      } catch (err) {
        // A request stream fails with an Error; anything else is wrapped so callers can throw it on.
        this.error ??= err instanceof Error ? err : new Error(String(err));
        throw err;
      }
      if (r.done) {
        this.ended = true;
        return null;
      }
      const chunk = r.value;
      if (this.stored + chunk.byteLength > this.opts.maxBytes) {
        const err = new BodyTooLargeError(this.opts.maxBytes, "limits.maxUploadBytes");
        this.error = err;
        this.ended = true;
        await this.source.return?.();
        throw err;
      }
      if (this.head.length < HEAD_BYTES) this.head = Buffer.concat([this.head, chunk.subarray(0, HEAD_BYTES - this.head.length)]);
      await this.store(chunk);
      return chunk;
    });
    this.pulling = next.catch(() => {});
    return next;
  }

  private async store(chunk: Uint8Array): Promise<void> {
    if (this.disposed) throw new Error("request body used after its request ended");
    if (!this.file && this.stored + chunk.byteLength <= this.opts.memoryBytes) {
      this.memory.push(Buffer.from(chunk));
    } else {
      if (!this.file) {
        this.file = await spoolFile(this.opts.spoolDir);
        let at = 0;
        for (const m of this.memory.splice(0)) {
          await this.writeAll(m, at);
          at += m.length;
        }
      }
      await this.writeAll(chunk, this.stored);
    }
    this.stored += chunk.byteLength;
  }

  private async writeAll(chunk: Uint8Array, at: number): Promise<void> {
    let done = 0;
    while (done < chunk.byteLength) {
      const { bytesWritten } = await this.file!.write(chunk, done, chunk.byteLength - done, at + done);
      done += bytesWritten;
    }
  }

  private async readStored(pos: number): Promise<Buffer> {
    if (!this.file) {
      let off = 0;
      for (const m of this.memory) {
        if (pos < off + m.length) return m.subarray(pos - off);
        off += m.length;
      }
      throw new Error("replay position past the stored body");
    }
    const len = Math.min(READ_CHUNK, this.stored - pos);
    const buf = Buffer.allocUnsafe(len);
    const { bytesRead } = await this.file.read(buf, 0, len, pos);
    return buf.subarray(0, bytesRead);
  }
}

/** An unlinked temporary file: it disappears with its handle, even when the process dies. */
async function spoolFile(dir: string): Promise<FileHandle> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, `body-${randomBytes(8).toString("hex")}`);
  const fh = await open(file, "w+", 0o600);
  await unlink(file);
  return fh;
}
