#!/usr/bin/env node
// Docker HEALTHCHECK for the codex-lanes images: plain Node (no curl, no tsx), exits 0 when the
// service answers 2xx within the deadline, 1 otherwise.
//
//   node healthcheck.cjs --path /healthz --port 8787 [--port-env NAME] [--token-env NAME]
//
// --port-env NAME: take the port from that variable when set (the worker's CODEX_LANES_WORKER_PORT).
// --token-env NAME: send `Authorization: Bearer $NAME` (the worker's /health needs its token). The
// token is read from the container's environment, never passed on a command line, and never printed.
"use strict";

const { parseArgs } = require("node:util");

const { values } = parseArgs({
  options: {
    path: { type: "string", default: "/" },
    port: { type: "string", default: "80" },
    "port-env": { type: "string" },
    "token-env": { type: "string" },
    "timeout-ms": { type: "string", default: "4000" },
  },
});

const port = (values["port-env"] && process.env[values["port-env"]]) || values.port;
const headers = {};
if (values["token-env"]) {
  const token = process.env[values["token-env"]];
  if (!token) {
    console.error(`healthcheck: ${values["token-env"]} is not set`);
    process.exit(1);
  }
  headers.authorization = `Bearer ${token}`;
}

fetch(`http://127.0.0.1:${port}${values.path}`, { headers, signal: AbortSignal.timeout(Number(values["timeout-ms"])) })
  .then((res) => {
    console.log(`healthcheck: HTTP ${res.status}`);
    process.exit(res.ok ? 0 : 1);
  })
  .catch((err) => {
    console.error(`healthcheck: ${err && err.name === "TimeoutError" ? "timed out" : err && err.message}`);
    process.exit(1);
  });
