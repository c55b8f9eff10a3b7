// A content hash of what the images are built from. It is the RemoteImage trigger and part of the
// image tag, so editing the gateway rebuilds both images and replaces their containers, and an
// unchanged checkout rebuilds nothing.

import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * Paths (relative to the repo root) that gateway/Dockerfile and gateway/worker/Dockerfile read:
 * keep in step with their COPY lines. Missing entries are skipped.
 */
export const IMAGE_SOURCES = [
  "gateway",
  "package.json",
  "package-lock.json",
  ".dockerignore",
  "scripts/containers/healthcheck.cjs",
] as const;

const SKIP_DIRS = new Set(["node_modules", ".git"]);

function listFiles(root: string, rel: string, out: string[]): void {
  const abs = path.join(root, rel);
  const stat = fs.lstatSync(abs, { throwIfNoEntry: false });
  if (!stat) return;
  if (stat.isFile()) {
    out.push(rel);
    return;
  }
  if (!stat.isDirectory()) return; // symlinks and sockets are not part of a build context we rely on
  for (const entry of fs.readdirSync(abs)) {
    if (!SKIP_DIRS.has(entry)) listFiles(root, path.posix.join(rel, entry), out);
  }
}

export function sourceHash(repoDir: string, sources: readonly string[] = IMAGE_SOURCES): string {
  const files: string[] = [];
  for (const s of sources) listFiles(repoDir, s, files);
  files.sort();
  const hash = createHash("sha256");
  for (const rel of files) {
    hash.update(rel).update("\0").update(fs.readFileSync(path.join(repoDir, rel))).update("\0");
  }
  return hash.digest("hex");
}
