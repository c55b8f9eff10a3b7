// The Docker provider reaches the server through the local `ssh` binary, which only takes a key
// *file* (`-i <path>`), never key contents. The key comes from stack config as a secret, so the
// program writes it to a 0600 file in the OS temp dir each time it runs. The file name depends on
// the project and stack only, so the provider's `sshOpts` stay stable between runs on one machine.

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export function sshKeyFilePath(project: string, stack: string, dir: string = os.tmpdir()): string {
  return path.join(dir, `${project}-${stack}.ssh-key`);
}

export function writeSshKeyFile(file: string, privateKey: string): string {
  // OpenSSH rejects a key file without its final newline, and `pulumi config set` strips it.
  const body = privateKey.endsWith("\n") ? privateKey : `${privateKey}\n`;
  // Remove, then create exclusively: never write the key through someone else's file or symlink.
  fs.rmSync(file, { force: true });
  fs.writeFileSync(file, body, { mode: 0o600, flag: "wx" });
  return file;
}
