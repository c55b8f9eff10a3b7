// The Docker provider reaches the server through the local `ssh` binary, which only takes a key
// *file* (`-i <path>`) and checks the host key against a known_hosts *file*. Both are written by
// the program to a directory that outlives the run and the machine's reboots: `pulumi destroy` and
// `pulumi refresh` do not run the program, yet the provider (configured from the state) needs them.
// The directory depends on the project and stack only, so the provider's `sshOpts` stay stable.

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** `$PULUMI_HOME/codex-lanes/<project>-<stack>` (PULUMI_HOME defaults to ~/.pulumi). */
export function sshDir(project: string, stack: string, env: NodeJS.ProcessEnv = process.env): string {
  const home = env.PULUMI_HOME && env.PULUMI_HOME.trim() !== "" ? env.PULUMI_HOME : path.join(os.homedir(), ".pulumi");
  return path.join(home, "codex-lanes", `${project}-${stack}`);
}

export const KEY_FILE = "id";
export const KNOWN_HOSTS_FILE = "known_hosts";

/** Writes `content` to `file` with mode 0600, never through an existing file or symlink. */
function writePrivate(file: string, content: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  // Remove, then create exclusively: never write through someone else's file or symlink.
  fs.rmSync(file, { force: true });
  fs.writeFileSync(file, content, { mode: 0o600, flag: "wx" });
  return file;
}

export function writeSshKeyFile(file: string, privateKey: string): string {
  // OpenSSH rejects a key file without its final newline, and `pulumi config set` strips it.
  return writePrivate(file, privateKey.endsWith("\n") ? privateKey : `${privateKey}\n`);
}

/** One known_hosts line: the server's address and the host key the program gave it (cloud-init). */
export function writeKnownHosts(file: string, host: string, hostPublicKey: string): string {
  return writePrivate(file, `${host} ${hostPublicKey.trim()}\n`);
}
