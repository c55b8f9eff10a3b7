// `codex-lanes secrets set|delete|list`: an openai lane's API key, encrypted at rest under
// CODEX_LANES_MASTER_KEY. The key is read from stdin, never from the command line, where it would
// land in shell history and `ps`.

import { Writable } from "node:stream";
import { createInterface } from "node:readline";
import type { Config } from "../config/types";
import { openStore } from "../store";
import { EXIT_FAILED, EXIT_OK, UsageError, type CliIO } from "./io";

export async function secretsCommand(config: Config, positionals: string[], io: CliIO): Promise<number> {
  const [sub, laneName, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  if (sub === "list") {
    const store = openStore(config.dataDir);
    try {
      const names = store.secrets.list();
      io.out.write(names.length ? names.map((n) => `${n}\n`).join("") : "No stored secrets.\n");
      return EXIT_OK;
    } finally {
      store.close();
    }
  }
  if (sub !== "set" && sub !== "delete") throw new UsageError(sub ? `unknown secrets command "${sub}": use set, delete or list` : "secrets needs a command: set <lane>, delete <lane> or list");
  if (!laneName) throw new UsageError(`secrets ${sub} needs a lane: codex-lanes secrets ${sub} <lane>`);
  const lane = config.lanes.find((l) => l.name === laneName);
  if (!lane) throw new UsageError(`no lane named "${laneName}" in ${config.source} (lanes: ${config.lanes.map((l) => l.name).join(", ") || "none"})`);
  if (lane.type !== "openai") throw new UsageError(`lane "${laneName}" is a codex lane; only openai lanes take an API key (codex lanes sign in with: codex-lanes login ${laneName})`);
  const store = openStore(config.dataDir);
  try {
    if (sub === "delete") {
      const removed = store.secrets.delete(laneName);
      io.out.write(removed ? `Deleted the stored API key of lane "${laneName}".\n` : `Lane "${laneName}" has no stored API key.\n`);
      return removed ? EXIT_OK : EXIT_FAILED;
    }
    if (!config.masterKey) {
      throw new UsageError(
        "secrets set needs CODEX_LANES_MASTER_KEY (32 bytes, base64 or hex). Generate one with `openssl rand -base64 32`, " +
          "keep a copy somewhere safe, and set it for this command and for the gateway.",
      );
    }
    const key = await readSecret(io, `API key for lane "${laneName}" (input hidden): `);
    if (!key) throw new UsageError("no key on stdin: pipe it in (e.g. `codex-lanes secrets set api < key.txt`) or type it at the prompt");
    store.secrets.set(laneName, key, config.masterKey);
    io.out.write(`Stored the API key of lane "${laneName}", encrypted with the master key.\n`);
    if (lane.apiKey) io.out.write(`Note: ${lane.apiKeyEnv} is set in this environment and takes precedence over the stored key.\n`);
    return EXIT_OK;
  } finally {
    store.close();
  }
}

/** A hidden prompt on a terminal; otherwise all of stdin. Surrounding whitespace is dropped. */
async function readSecret(io: CliIO, prompt: string): Promise<string> {
  if (io.stdin.isTTY) {
    io.err.write(prompt);
    const muted = new Writable({ write: (_c, _e, cb) => cb() });
    const rl = createInterface({ input: io.stdin, output: muted, terminal: true });
    try {
      const line = await new Promise<string>((resolve) => rl.question("", resolve));
      io.err.write("\n");
      return line.trim();
    } finally {
      rl.close();
    }
  }
  const chunks: Buffer[] = [];
  for await (const c of io.stdin) chunks.push(typeof c === "string" ? Buffer.from(c) : c);
  return Buffer.concat(chunks).toString("utf8").trim();
}
