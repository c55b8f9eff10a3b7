// The floor: the least a Node reverse proxy can do for this request. node:http server, body read,
// one keep-alive node:http request upstream with the key swapped, the answer piped back. No auth,
// no validation, no log, no lanes. What it adds over direct calls is the cost of the extra HTTP hop
// in Node itself, which no Node gateway can go below. Sends {url} over IPC; stops on SIGTERM.

import * as http from "node:http";
import type { AddressInfo } from "node:net";

async function main(): Promise<void> {
  const base = process.env.BENCH_UPSTREAM;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const up = http.request(
        `${base}${(req.url ?? "/").replace(/^\/v1/, "")}`,
        { method: "POST", agent, headers: { authorization: "Bearer sk-bench-floor-0123456789", "content-type": "application/json", "content-length": String(body.length) } },
        (ur) => {
          res.writeHead(ur.statusCode ?? 502, { "content-type": ur.headers["content-type"] ?? "application/json" });
          ur.pipe(res);
        },
      );
      up.on("error", () => res.destroy());
      up.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  process.once("SIGTERM", () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
  process.send!({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
}

void main();
