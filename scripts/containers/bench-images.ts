// Benchmark for the README: image sizes and a worker's cold start (container create+start -> Docker
// reports it healthy). Builds the images on the prepared base first (cached layers make that quick).
//
//   node --import tsx scripts/containers/bench-images.ts [--runs 7]
//
// The health probe runs every 100 ms here, so cold start is measured to within ~0.1 s; the images
// themselves probe every 15 s.

import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { DockerRun, buildProjectImages, imageSize, prepareBaseImages, rm, waitHealthy } from "../../test/containers/harness";

const { values } = parseArgs({ options: { runs: { type: "string", default: "7" } } });
const runs = Number(values.runs);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function main(): Promise<void> {
  const bases = await prepareBaseImages();
  const images = await buildProjectImages(bases, ["worker", "gateway"]);
  console.log(`base: ${bases.baseImage} (build stage: ${bases.buildImage})`);
  for (const tag of [bases.baseImage, images.gateway, images.worker]) {
    console.log(`size ${tag}: ${(await imageSize(tag) / 1e6).toFixed(0)} MB`);
  }

  const run = new DockerRun();
  const coldStarts: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const started = Date.now();
      const c = await run.run({
        name: `worker-${i}`,
        image: images.worker,
        secretEnv: { CODEX_LANES_WORKER_TOKEN: randomBytes(24).toString("hex") },
        healthIntervalMs: 100,
      });
      await waitHealthy(c.name, { timeoutMs: 60_000, intervalMs: 25 });
      coldStarts.push(Date.now() - started);
      // One at a time: a still-running worker would slow the next one's start.
      await rm(c.name);
    }
  } finally {
    await run.cleanup();
  }
  const sorted = [...coldStarts].sort((a, b) => a - b);
  console.log(`worker cold start (create+start -> healthy), ${runs} runs: median ${median(coldStarts)} ms, min ${sorted[0]} ms, max ${sorted[sorted.length - 1]} ms`);
}

main().catch((err: Error) => {
  console.error(`bench-images: ${err.message}`);
  process.exitCode = 1;
});
