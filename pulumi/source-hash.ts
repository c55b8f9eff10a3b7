// The build context the server's Docker builds both images from: the files the Dockerfile reads,
// minus what .dockerignore excludes, exactly as `docker build` would see them. Its content hash is
// the build trigger and part of the image tag, so editing the gateway rebuilds both images and
// replaces their containers, while a file the build never sees (a test, a .db under gateway/)
// rebuilds nothing.

import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import dockerignore from "@balena/dockerignore";
import * as tar from "tar";

/**
 * Paths (relative to the repo root) that the Dockerfile reads, and the Dockerfile itself: keep in
 * step with its COPY lines. Missing entries are skipped.
 */
export const IMAGE_SOURCES = [
  "Dockerfile",
  "gateway",
  "package.json",
  "package-lock.json",
  ".dockerignore",
  "scripts/containers/healthcheck.cjs",
] as const;

function listFiles(root: string, rel: string, out: string[]): void {
  const abs = path.join(root, rel);
  const stat = fs.lstatSync(abs, { throwIfNoEntry: false });
  if (!stat) return;
  if (stat.isFile()) {
    out.push(rel);
    return;
  }
  if (!stat.isDirectory()) return; // symlinks and sockets are not part of a build context we rely on
  for (const entry of fs.readdirSync(abs)) listFiles(root, path.posix.join(rel, entry), out);
}

/** The context's files, sorted, with .dockerignore applied (Docker's own matching rules). */
export function contextFiles(repoDir: string, sources: readonly string[] = IMAGE_SOURCES): string[] {
  const ignoreFile = path.join(repoDir, ".dockerignore");
  const rules = fs.existsSync(ignoreFile) ? fs.readFileSync(ignoreFile, "utf8") : "";
  const ig = dockerignore({ ignorecase: false }).add(rules.split(/\r?\n/));
  const files: string[] = [];
  for (const s of sources) listFiles(repoDir, s, files);
  return ig.filter(files).sort();
}

export function sourceHash(repoDir: string, sources: readonly string[] = IMAGE_SOURCES): string {
  const hash = createHash("sha256");
  for (const rel of contextFiles(repoDir, sources)) {
    hash.update(rel).update("\0").update(fs.readFileSync(path.join(repoDir, rel))).update("\0");
  }
  return hash.digest("hex");
}

/**
 * Writes the context as a gzipped tar to `file`: the same files in the same order, with fixed
 * times and owners, so the same checkout always gives the same bytes (the upload's asset hash).
 */
export function writeContextArchive(repoDir: string, file: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.rmSync(file, { force: true });
  tar.create(
    { gzip: true, sync: true, file, cwd: repoDir, portable: true, mtime: new Date(0), noDirRecurse: true },
    contextFiles(repoDir),
  );
  return file;
}
