// The `codex-lanes` command. Heavy modules (the server, the worker, the Codex engines) are required
// only by the commands that use them, so `keys` and `logs` start fast. main() parses the command line, loads the config once, runs one
// command and returns its exit code: 0 done, 1 failed, 2 bad usage or bad config.

import { parseArgs, type ParseArgsConfig } from "node:util";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError, type CliIO } from "./cli/io";
import { keysCommand } from "./cli/keys";
import { logsCommand } from "./cli/logs";
import { secretsCommand } from "./cli/secrets";
import { statsCommand } from "./cli/stats";
import { ConfigError } from "./config/errors";
import { loadConfig } from "./config/load";
import type { CodexLaneConfig, Config } from "./config/types";
import { createLogger } from "./log";
import { VERSION } from "./version";

const USAGE = `codex-lanes ${VERSION}: serve your ChatGPT plans as an OpenAI-compatible API, with ordered fallback lanes.

Usage: codex-lanes <command> [options]

Commands:
  serve                       start the gateway (npm start)
  worker [options]            serve one account to a gateway (deployed mode; see codex-lanes worker --help)
  login [lane] [--gateway URL]  sign a codex lane in with ChatGPT (device code); with --gateway,
                              the lane's worker on a deployed gateway (admin key in CODEX_LANES_ADMIN_KEY)
  logout <lane> [--gateway URL] sign a codex lane out
  keys create <name> [--admin]  create a gateway key (printed once, alone on the last line)
  keys list                   list gateway keys
  keys revoke <name>          revoke a gateway key
  lanes [--json] [--gateway URL]  each lane's state, sign-in, plan, usage windows and fix
  logs [--follow] [--lane L] [--key K] [--status ok|error|cancelled] [--model M] [--endpoint E] [--limit N] [--json]
                              recent requests
  stats [--since 24h] [--json]  the dashboard's summary: lanes, traffic per lane (24 h and 7 d, or --since),
                              this month's savings ledger
  calc --monthly-api-spend USD [--json]  estimate which plans and how many accounts cover that API spend
  backup <file>               consistent copy of the database, safe while the gateway serves
  secrets set <lane>          store an openai lane's API key, read from stdin (needs CODEX_LANES_MASTER_KEY)
  secrets delete <lane> | secrets list

Options for every command:
  --config <file>             config file (default: $CODEX_LANES_CONFIG, else ./codex-lanes.json, else built-in)
  -h, --help                  show this help

Exit codes: 0 done, 1 failed, 2 bad usage or bad config.
`;

type Options = NonNullable<ParseArgsConfig["options"]>;

const GLOBAL: Options = { config: { type: "string" }, help: { type: "boolean", short: "h" } };

const COMMAND_OPTIONS: Record<string, Options> = {
  serve: {},
  login: { gateway: { type: "string" } },
  logout: { gateway: { type: "string" } },
  keys: { admin: { type: "boolean" } },
  lanes: { json: { type: "boolean" }, gateway: { type: "string" } },
  logs: {
    follow: { type: "boolean", short: "f" },
    lane: { type: "string" },
    key: { type: "string" },
    status: { type: "string" },
    model: { type: "string" },
    endpoint: { type: "string" },
    limit: { type: "string", short: "n" },
    json: { type: "boolean" },
  },
  stats: { since: { type: "string" }, json: { type: "boolean" } },
  calc: { "monthly-api-spend": { type: "string" }, json: { type: "boolean" } },
  backup: {},
  secrets: {},
};

export function defaultIO(): CliIO {
  let ctl: AbortController | null = null;
  return {
    out: process.stdout,
    err: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    // Only commands that stop cleanly on Ctrl-C (login, logs --follow) take over SIGINT; the others
    // keep Node's default of exiting at once.
    get signal() {
      if (!ctl) {
        const c = new AbortController();
        process.once("SIGINT", () => c.abort());
        ctl = c;
      }
      return ctl.signal;
    },
  };
}

export async function main(argv: string[], io: CliIO = defaultIO()): Promise<number> {
  try {
    return await run(argv, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err.write(`codex-lanes: ${err.message}\nRun \`codex-lanes --help\` for usage.\n`);
      return EXIT_USAGE;
    }
    if (err instanceof ConfigError) {
      io.err.write(`${err.message}\n`);
      return EXIT_USAGE;
    }
    io.err.write(`codex-lanes: ${(err as Error)?.message ?? String(err)}\n`);
    return EXIT_FAILED;
  }
}

async function run(argv: string[], io: CliIO): Promise<number> {
  const at = commandIndex(argv);
  const command = at === -1 ? undefined : argv[at]!;
  if (command === "worker") {
    const { runWorker } = require("./worker/index") as typeof import("./worker/index");
    return runWorker(argv.slice(at + 1), { out: io.out, err: io.err, env: io.env });
  }
  if (command === undefined) {
    if (argv.includes("--version")) {
      io.out.write(`${VERSION}\n`);
      return EXIT_OK;
    }
    if (argv.length === 0 || argv.includes("-h") || argv.includes("--help")) {
      io.out.write(USAGE);
      return argv.length === 0 ? EXIT_USAGE : EXIT_OK;
    }
    throw new UsageError("no command given");
  }
  const options = COMMAND_OPTIONS[command];
  if (!options) throw new UsageError(`unknown command "${command}"`);
  const rest = [...argv.slice(0, at), ...argv.slice(at + 1)];
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: rest, options: { ...GLOBAL, ...options }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`${command}: ${(err as Error).message.split("\n")[0]}`);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help) {
    io.out.write(USAGE);
    return EXIT_OK;
  }
  if (typeof values.gateway === "string" && (command === "login" || command === "logout" || command === "lanes")) {
    // A deployed gateway: no local config or account home is involved.
    const { remoteCommand } = require("./cli/remote") as typeof import("./cli/remote");
    return remoteCommand(command, values.gateway, parsed.positionals, { json: values.json === true }, io);
  }
  const config = loadConfig({ path: values.config as string | undefined, env: io.env, cwd: io.cwd });
  for (const note of config.deprecations ?? []) io.err.write(`codex-lanes: ${note}\n`);
  return runCommand(command, config, parsed.positionals, values, io);
}

/** The first argument that is not an option or an option's value. */
function commandIndex(argv: string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--config") i++;
    else if (!a.startsWith("-")) return i;
  }
  return -1;
}

async function runCommand(command: string, config: Config, positionals: string[], values: Record<string, string | boolean | undefined>, io: CliIO): Promise<number> {
  const noArgs = () => {
    if (positionals.length > 0) throw new UsageError(`${command} takes no arguments (got "${positionals[0]}")`);
  };
  switch (command) {
    case "serve": {
      noArgs();
      const { startServer } = require("./server") as typeof import("./server");
      const server = await startServer(config, { handleSignals: true, out: io.out });
      await server.closed;
      return EXIT_OK;
    }
    case "login":
    case "logout": {
      const lane = codexLaneFor(command, config, positionals);
      const { runLoginCommand, runLogoutCommand } = require("./cli/login") as typeof import("./cli/login");
      const loginIO = { out: io.out, err: io.err, signal: io.signal };
      return command === "login" ? runLoginCommand(lane, loginIO) : runLogoutCommand(lane, loginIO);
    }
    case "keys":
      return keysCommand(config, positionals, { admin: values.admin === true }, io);
    case "lanes":
      noArgs();
      return (require("./cli/lanes") as typeof import("./cli/lanes")).lanesCommand(config, { json: values.json === true }, io, createLogger({ level: "silent" }));
    case "logs":
      noArgs();
      return logsCommand(config, values, io);
    case "stats":
      noArgs();
      return statsCommand(config, { since: values.since as string | undefined, json: values.json === true }, io);
    case "secrets":
      return secretsCommand(config, positionals, io);
    case "calc":
      noArgs();
      return (require("./cli/calc") as typeof import("./cli/calc")).calcCommand(config, { monthlyApiSpend: values["monthly-api-spend"] as string | undefined, json: values.json === true }, io);
    case "backup":
      return (require("./cli/backup") as typeof import("./cli/backup")).backupCommand(config, positionals, io);
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

/** `login [lane]`: the named codex lane, or the only one there is. */
function codexLaneFor(command: string, config: Config, positionals: string[]): CodexLaneConfig {
  const codex = config.lanes.filter((l): l is CodexLaneConfig => l.type === "codex");
  const names = codex.map((l) => l.name).join(", ") || "none";
  if (positionals.length > 1) throw new UsageError(`${command} takes one lane (got "${positionals.join(" ")}")`);
  const name = positionals[0];
  if (!name) {
    if (command === "login" && codex.length === 1) return codex[0]!;
    throw new UsageError(`${command} needs a lane: codex-lanes ${command} <lane> (codex lanes: ${names})`);
  }
  const lane = config.lanes.find((l) => l.name === name);
  if (!lane) throw new UsageError(`no lane named "${name}" in ${config.source} (codex lanes: ${names})`);
  if (lane.type !== "codex") throw new UsageError(`lane "${name}" is an openai lane; it uses an API key (codex-lanes secrets set ${name}), not a sign-in`);
  return lane;
}
