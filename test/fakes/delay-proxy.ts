// A TCP proxy that puts a network's latency between Codex and the fake ChatGPT backend. It only
// moves bytes (TLS passes through untouched: the certificate Codex checks is the fake's), delays
// each direction by a one-way time, and counts connections.
//
// Model of a real network: every chunk arrives `oneWayMs` after it was sent, in order, and a new
// connection cannot carry data before its TCP handshake is done, so a client's first bytes arrive
// one round trip later than they would on an open connection (SYN, SYN-ACK, then the data).

import net from "node:net";

export type Schedule = (fn: () => void, ms: number) => void;

export interface DelayProxyOptions {
  /** Where to forward; read for each new connection, so it can be set after the proxy listens. */
  target: () => { host: string; port: number };
  /** One-way delay in ms, each direction (default 12.5: a 25 ms round trip). */
  oneWayMs?: number;
  /** Timer and clock, replaceable so a test can see what is held back and release it itself. */
  schedule?: Schedule;
  now?: () => number;
}

export interface ProxyCounts {
  /** Connections accepted since start. */
  connections: number;
  /** Connections open now. */
  open: number;
  bytesUp: number;
  bytesDown: number;
}

export interface DelayProxy {
  port: number;
  oneWayMs: number;
  /** Applies to connections accepted from now on. */
  setOneWayMs(ms: number): void;
  counts(): ProxyCounts;
  close(): Promise<void>;
}

export async function startDelayProxy(opts: DelayProxyOptions): Promise<DelayProxy> {
  const schedule: Schedule = opts.schedule ?? ((fn, ms) => void setTimeout(fn, ms));
  const now = opts.now ?? (() => performance.now());
  let oneWayMs = opts.oneWayMs ?? 12.5;
  const counts: ProxyCounts = { connections: 0, open: 0, bytesUp: 0, bytesDown: 0 };
  const sockets = new Set<net.Socket>();

  const server = net.createServer((client) => {
    counts.connections++;
    counts.open++;
    const delay = oneWayMs;
    const { host, port } = opts.target();
    const upstream = net.connect({ host, port });
    for (const s of [client, upstream]) {
      s.setNoDelay(true);
      sockets.add(s);
      s.on("error", () => {}); // the other side's close() ends both; errors are not the proxy's to report
    }
    const closeBoth = () => {
      client.destroy();
      upstream.destroy();
    };
    client.once("close", () => {
      counts.open--;
      sockets.delete(client);
      closeBoth();
    });
    upstream.once("close", () => {
      sockets.delete(upstream);
      closeBoth();
    });
    // The handshake: the client's first bytes leave one round trip after it connected.
    const handshakeDone = now() + 2 * delay;
    pipeDelayed(client, upstream, delay, handshakeDone, schedule, now, (n) => (counts.bytesUp += n));
    pipeDelayed(upstream, client, delay, 0, schedule, now, (n) => (counts.bytesDown += n));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    get oneWayMs() {
      return oneWayMs;
    },
    setOneWayMs: (ms) => void (oneWayMs = ms),
    counts: () => ({ ...counts }),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/**
 * Forwards `from` to `to`, each chunk (and the end) delivered `delay` ms after it arrived and never
 * before `notBefore`, in arrival order. One timer at a time per direction keeps the order whatever
 * the scheduler does.
 */
function pipeDelayed(from: net.Socket, to: net.Socket, delay: number, notBefore: number, schedule: Schedule, now: () => number, counted: (n: number) => void): void {
  if (delay <= 0) {
    from.on("data", (chunk: Buffer) => counted(chunk.length));
    from.pipe(to);
    return;
  }
  const queue: Array<{ due: number; chunk: Buffer | null }> = [];
  let armed = false;
  const pump = () => {
    armed = false;
    while (queue.length && queue[0]!.due <= now()) {
      const { chunk } = queue.shift()!;
      if (to.destroyed) return;
      if (chunk) {
        counted(chunk.length);
        to.write(chunk);
      } else to.end();
    }
    arm();
  };
  const arm = () => {
    if (armed || !queue.length) return;
    armed = true;
    schedule(pump, Math.max(0, queue[0]!.due - now()));
  };
  const push = (chunk: Buffer | null) => {
    const last = queue.length ? queue[queue.length - 1]!.due : 0;
    queue.push({ due: Math.max(now() + delay, notBefore + delay, last), chunk });
    arm();
  };
  from.on("data", (chunk: Buffer) => push(chunk));
  from.on("end", () => push(null));
}
