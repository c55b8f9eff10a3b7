#!/usr/bin/env node
// Entry for the `codex-lanes` command. The gateway is written in TypeScript and run through tsx's
// loader, so there is no build step between a clone and `npm start`.
require("tsx/cjs");
require("../cli.ts").main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(`codex-lanes: ${err && err.message ? err.message : String(err)}`); process.exitCode = 1; },
);
