// The one error the config loader throws. Its message is meant for a person at a terminal: one
// problem per line, each naming the file (or environment variable), the field and what to do.
// It never carries a stack for the CLI to print, nor any secret value.

export class ConfigError extends Error {
  override name = "ConfigError";
  /** The CLI exits with this code: 2, bad usage or bad config. */
  readonly exitCode = 2;
  readonly problems: readonly string[];

  constructor(problems: string | readonly string[]) {
    const list = typeof problems === "string" ? [problems] : [...problems];
    super(list.join("\n"));
    this.problems = list;
  }
}
