// Images given as data: URLs are written to files so Codex can attach them as local images.

import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { randomUUID } from "node:crypto";

const DATA_URL = /^data:image\/(png|jpeg|jpg|gif|webp);base64,([A-Za-z0-9+/=\s]+)$/;

export class ImageError extends Error {}

/** Makes a per-turn directory, owner-only. */
export function ensureDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

export interface TurnFiles {
  dir: string;
  images: string[];
  cleanup(): void;
}

/**
 * Writes the images into a fresh directory under `root`; `cleanup` removes it. Without images no
 * directory is made (most turns have none): `ensureDir` makes it for a caller that needs one anyway.
 */
export function writeTurnImages(root: string, dataUrls: string[]): TurnFiles {
  const dir = path.join(root, randomUUID());
  if (dataUrls.length > 0) ensureDir(dir);
  const images = dataUrls.map((url, i) => {
    const m = DATA_URL.exec(url);
    if (!m) throw new ImageError(`image ${i + 1} is not a base64 data: URL of a png, jpeg, gif or webp image`);
    const file = path.join(dir, `image-${i + 1}.${m[1] === "jpg" ? "jpeg" : m[1]}`);
    writeFileSync(file, Buffer.from(m[2]!, "base64"), { mode: 0o600 });
    return file;
  });
  return { dir, images, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A lane's scratch space: `cwd`, the empty working directory every turn runs in, and `turns`, where
 * per-turn files (images, output schemas) live. Both owner-only.
 */
export function laneDirs(workDir: string): { cwd: string; turnsDir: string } {
  const cwd = path.join(workDir, "cwd");
  const turnsDir = path.join(workDir, "turns");
  mkdirSync(cwd, { recursive: true, mode: 0o700 });
  mkdirSync(turnsDir, { recursive: true, mode: 0o700 });
  return { cwd, turnsDir };
}
