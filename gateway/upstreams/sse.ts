// A minimal server-sent-events reader for upstream streams: the `data:` payload of each event.
// Comments, `event:` and `id:` lines are ignored; multi-line data is joined with "\n" as the spec says.

/** Splits a byte stream into events' data, synchronously, one network read at a time. */
export class SseDecoder {
  private readonly decoder = new TextDecoder();
  private buf = "";
  private data: string[] = [];

  /** The data of the events this chunk completed (often none, or one per read). */
  push(value: Uint8Array): string[] {
    this.buf += this.decoder.decode(value, { stream: true });
    const batch: string[] = [];
    let from = 0;
    let nl: number;
    while ((nl = this.buf.indexOf("\n", from)) >= 0) {
      const end = nl > from && this.buf.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      this.line(this.buf.slice(from, end), batch);
      from = nl + 1;
    }
    this.buf = from === 0 ? this.buf : this.buf.slice(from);
    return batch;
  }

  /** What is left when the body ends: an event cut short of its blank line. */
  end(): string[] {
    const buf = this.buf + this.decoder.decode();
    this.buf = "";
    if (buf.startsWith("data:")) this.data.push(buf.slice(buf.charCodeAt(5) === 32 ? 6 : 5));
    const rest = this.data.length > 0 ? [this.data.join("\n")] : [];
    this.data = [];
    return rest;
  }

  private line(line: string, batch: string[]): void {
    if (line === "") {
      if (this.data.length > 0) batch.push(this.data.length === 1 ? this.data[0]! : this.data.join("\n"));
      this.data = [];
    } else if (line.startsWith("data:")) {
      this.data.push(line.slice(line.charCodeAt(5) === 32 ? 6 : 5));
    }
  }
}

/** The events' data, one array per chunk of the body (what one network read brought). */
export async function* readSseBatches(body: AsyncIterable<Uint8Array>): AsyncGenerator<string[]> {
  const sse = new SseDecoder();
  for await (const value of body) {
    const batch = sse.push(value);
    if (batch.length > 0) yield batch;
  }
  const rest = sse.end();
  if (rest.length > 0) yield rest;
}
