// A minimal server-sent-events reader for upstream streams: the `data:` payload of each event.
// Comments, `event:` and `id:` lines are ignored; multi-line data is joined with "\n" as the spec says.

/** The events' data, one array per chunk of the body (what one network read brought). */
export async function* readSseBatches(body: AsyncIterable<Uint8Array>): AsyncGenerator<string[]> {
  const decoder = new TextDecoder();
  let buf = "";
  let data: string[] = [];
  for await (const value of body) {
    buf += decoder.decode(value, { stream: true });
    const batch: string[] = [];
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      let line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line.endsWith("\r")) line = line.slice(0, -1);
      if (line === "") {
        if (data.length > 0) batch.push(data.join("\n"));
        data = [];
      } else if (line.startsWith("data:")) {
        data.push(line.slice(line.charCodeAt(5) === 32 ? 6 : 5));
      }
    }
    if (batch.length > 0) yield batch;
  }
  buf += decoder.decode();
  if (buf.startsWith("data:")) data.push(buf.slice(buf.charCodeAt(5) === 32 ? 6 : 5));
  if (data.length > 0) yield [data.join("\n")];
}

