// How the action writes the job log. Text from Codex, the model or the gateway is untrusted: every
// line passes the redactor (known secret values become ***, then anything shaped like a key or token
// becomes [redacted]), and it is printed between
// `::stop-commands::<random>` and `::<random>::`, so a line such as `::add-mask::…` or
// `::error::…` in a model's answer is shown as text instead of being run as a workflow command.

import { randomBytes } from "node:crypto";
import { maskTokens } from "../gateway/lanes";
import type { ActionIO } from "./io";

export class Redactor {
  private readonly values = new Set<string>();

  add(value: string | null | undefined): void {
    // Very short values would blank out ordinary words; the runner masks them anyway.
    if (value && value.length >= 6) this.values.add(value);
  }

  apply(text: string): string {
    let out = text;
    // Longest first, so a value that contains another is replaced whole.
    for (const v of [...this.values].sort((a, b) => b.length - a.length)) out = out.split(v).join("***");
    return out;
  }
}

export class Log {
  private untrustedDepth = 0;
  private token = "";

  constructor(
    private readonly io: ActionIO,
    readonly redactor: Redactor,
  ) {}

  info(line: string): void {
    this.io.info(this.scrub(line));
  }

  /** A warning annotation; outside an untrusted section it is a real workflow command. */
  warning(message: string): void {
    if (this.untrustedDepth > 0) this.io.info(`Warning: ${this.scrub(message)}`);
    else this.io.warning(this.scrub(message));
  }

  /** Known values first (the runner masks them as ***), then any other key- or token-shaped text. */
  private scrub(text: string): string {
    return maskTokens(this.redactor.apply(text));
  }

  /** Runs fn with workflow commands switched off for whatever it prints. */
  async untrusted<T>(fn: () => Promise<T>): Promise<T> {
    if (this.untrustedDepth++ === 0) {
      this.token = randomBytes(16).toString("hex");
      this.io.info(`::stop-commands::${this.token}`);
    }
    try {
      return await fn();
    } finally {
      if (--this.untrustedDepth === 0) this.io.info(`::${this.token}::`);
    }
  }
}

/** Collects streamed text and prints it a whole line at a time, so the log shows progress as it comes. */
export class LineBuffer {
  private pending = "";

  constructor(private readonly print: (line: string) => void) {}

  push(text: string): void {
    this.pending += text;
    let nl = this.pending.indexOf("\n");
    while (nl >= 0) {
      this.print(this.pending.slice(0, nl).replace(/\r$/, ""));
      this.pending = this.pending.slice(nl + 1);
      nl = this.pending.indexOf("\n");
    }
  }

  flush(): void {
    if (this.pending) this.print(this.pending);
    this.pending = "";
  }
}
