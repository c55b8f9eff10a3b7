// `codex-lanes keys create|list|revoke`: gateway keys. A new key is printed once, alone on the last
// line of stdout, so scripts can take it with `tail -n1`; only its hash is stored.

import type { Config } from "../config/types";
import { DuplicateKeyNameError, InvalidKeyNameError, openStore } from "../store";
import { EXIT_FAILED, EXIT_OK, UsageError, type CliIO } from "./io";
import { shortTime, table } from "./table";

export function keysCommand(config: Config, positionals: string[], flags: { admin?: boolean }, io: CliIO): number {
  const [sub, name, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const store = openStore(config.dataDir);
  try {
    switch (sub) {
      case "create":
        if (!name) throw new UsageError("keys create needs a name: codex-lanes keys create <name> [--admin]");
        try {
          const created = store.keys.create(name, { admin: flags.admin === true });
          io.out.write(
            `Created ${flags.admin ? "admin" : "client"} key "${created.name}". It is shown only now; store it somewhere safe.\n${created.key}\n`,
          );
          return EXIT_OK;
        } catch (err) {
          if (err instanceof InvalidKeyNameError) throw new UsageError(err.message);
          if (err instanceof DuplicateKeyNameError) {
            io.err.write(`codex-lanes: ${err.message}\n`);
            return EXIT_FAILED;
          }
          throw err;
        }
      case "list": {
        if (name) throw new UsageError(`unexpected argument "${name}"`);
        const keys = store.keys.list();
        if (keys.length === 0) {
          io.out.write("No keys yet. Create one with: codex-lanes keys create <name>\n");
          return EXIT_OK;
        }
        io.out.write(
          table(
            ["NAME", "PREFIX", "KIND", "CREATED", "LAST USED", "REVOKED"],
            keys.map((k) => [k.name, `${k.prefix}…`, k.admin ? "admin" : "client", shortTime(k.createdAt), shortTime(k.lastUsedAt), shortTime(k.revokedAt)]),
          ),
        );
        return EXIT_OK;
      }
      case "revoke":
        if (!name) throw new UsageError("keys revoke needs a name: codex-lanes keys revoke <name>");
        if (!store.keys.revoke(name)) {
          io.err.write(`codex-lanes: no active key named "${name}" (see codex-lanes keys list)\n`);
          return EXIT_FAILED;
        }
        io.out.write(`Revoked key "${name}".\n`);
        return EXIT_OK;
      default:
        throw new UsageError(sub ? `unknown keys command "${sub}": use create, list or revoke` : "keys needs a command: create, list or revoke");
    }
  } finally {
    store.close();
  }
}
