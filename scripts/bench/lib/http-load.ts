// A load generator that is not the bottleneck: raw node:http with a keep-alive agent, no client
// library, timings taken with performance.now() around the socket events.

import * as http from "node:http";

export interface Target {
  name: string;
  url: URL;
  headers: Record<string, string>;
  agent: http.Agent;
}

export interface Sample {
  /** Request start to the last byte of the response. */
  total: number;
  /** Request start to the first byte of the response body. */
  firstByte: number;
  /** Request start to the first chunk carrying answer text (streaming only; NaN otherwise). */
  firstToken: number;
}

/**
 * How long the load's idle connections are kept. Below every server's keep-alive time (Node's
 * default, 5 s, for the floor and the fakes): a connection left idle between rounds is let go by
 * the client first, never reused just as its server closes it ("socket hang up").
 */
const CLIENT_IDLE_MS = 2_000;

export function target(name: string, url: string, headers: Record<string, string>): Target {
  return { name, url: new URL(url), headers, agent: new http.Agent({ keepAlive: true, maxSockets: 64, timeout: CLIENT_IDLE_MS }) };
}

/** The first SSE chunk whose delta has non-empty content (the role chunk has content ""). */
const TOKEN = /"delta":\{[^}]*"content":"[^"]/;

/** One POST; rejects unless the answer is a 200 whose body holds `expect`. `keepBody`: the body comes with the sample. */
export function post(t: Target, body: Buffer, stream: boolean, expect: string, keepBody?: false): Promise<Sample>;
export function post(t: Target, body: Buffer, stream: boolean, expect: string, keepBody: true): Promise<Sample & { body: string }>;
export function post(t: Target, body: Buffer, stream: boolean, expect: string, keepBody = false): Promise<Sample | (Sample & { body: string })> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let firstByte = NaN;
    let firstToken = NaN;
    const req = http.request(
      t.url,
      { method: "POST", agent: t.agent, headers: { ...t.headers, "content-type": "application/json", "content-length": String(body.length) } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          const now = performance.now();
          if (Number.isNaN(firstByte)) firstByte = now - t0;
          text += chunk;
          if (stream && Number.isNaN(firstToken) && TOKEN.test(text)) firstToken = now - t0;
        });
        res.on("end", () => {
          const total = performance.now() - t0;
          if (res.statusCode !== 200 || !text.includes(expect)) return reject(new Error(`${t.name}: HTTP ${res.statusCode}: ${text.slice(0, 300)}`));
          resolve(keepBody ? { total, firstByte, firstToken, body: text } : { total, firstByte, firstToken });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** `count` requests with `concurrency` of them in flight at any time. */
export async function burst(t: Target, count: number, concurrency: number, body: Buffer, stream: boolean, expect: string): Promise<Sample[]> {
  const out: Sample[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      out.push(await post(t, body, stream, expect));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return out;
}
