// The gateway and worker images, built for real on the prepared base: what they contain, who runs in
// them, and that each starts and turns healthy. Run by `npm run test:containers`, not by `npm test`.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import { after, before, describe, it } from "node:test";
import {
  DockerRun,
  buildProjectImages,
  defaultNpmCa,
  dockerBin,
  exec,
  hostPort,
  logs,
  prepareBaseImages,
  waitExit,
  waitHealthy,
} from "./harness";

const CODEX_VERSION = JSON.parse(fs.readFileSync(require.resolve("@openai/codex/package.json"), "utf8")).version as string;
const APP_UID = "10001";

// Anything that must never be in an image, searched under /app and the whole filesystem.
const FORBIDDEN_FIND = [
  "find", "/", "-xdev", "(",
  "-name", ".git", "-o", "-name", "auth.json", "-o", "-name", ".env", "-o", "-name", ".env.*",
  "-o", "-name", "codex-lanes.json", "-o", "-name", "*.db", "-o", "-name", ".npmrc",
  "-o", "-path", "/app/data/*", "-o", "-path", "/app/.tmp*", "-o", "-path", "/app/test-artifacts*",
  "-o", "-path", "/app/*.pem", "-o", "-path", "/app/*.key",
  ")", "-print",
];

function pemBlocks(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
}

/** True when `needle` occurs anywhere in the image's exported filesystem (streamed, not stored). */
async function imageContains(container: string, needle: string): Promise<boolean> {
  const child = spawn(dockerBin(), ["export", container], { stdio: ["ignore", "pipe", "inherit"] });
  let tail = "";
  let found = false;
  for await (const chunk of child.stdout) {
    const text = tail + chunk.toString("latin1");
    if (text.includes(needle)) found = true;
    tail = text.slice(-needle.length);
  }
  await new Promise((r) => child.once("close", r));
  return found;
}

describe("images", () => {
  const run = new DockerRun();
  let images: { gateway: string; worker: string; fake: string };

  before(async () => {
    const bases = await prepareBaseImages();
    images = await buildProjectImages(bases, ["worker", "gateway", "fake"]);
  });
  after(async () => {
    await run.cleanup();
  });

  it("worker: the pinned Codex CLI runs as the non-root user, and a fresh CODEX_HOME volume is that user's, mode 0700", async () => {
    const home = await run.createVolume("codex-home");
    const c = await run.run({ name: "worker-shell", image: images.worker, volumes: [{ source: home, target: "/codex-home" }], command: ["sleep", "infinity"] });
    const who = await exec(c.name, ["id", "-u"]);
    assert.equal(who.stdout.trim(), APP_UID);
    const version = await exec(c.name, ["codex", "--version"]);
    assert.equal(version.code, 0, version.stderr);
    assert.equal(version.stdout.trim(), `codex-cli ${CODEX_VERSION}`);
    const mode = await exec(c.name, ["stat", "-c", "%u %a", "/codex-home"]);
    assert.equal(mode.stdout.trim(), `${APP_UID} 700`);
    const env = await exec(c.name, ["printenv", "CODEX_HOME"]);
    assert.equal(env.stdout.trim(), "/codex-home");
  });

  it("worker: refuses to start without its token", async () => {
    const c = await run.run({ name: "worker-no-token", image: images.worker });
    assert.equal(await waitExit(c.name), 2);
    const { stderr } = await logs(c.name);
    assert.match(stderr, /CODEX_LANES_WORKER_TOKEN/);
  });

  it("worker: turns healthy through its token-protected /health, and answers 401 without the token", async () => {
    const token = randomBytes(24).toString("hex");
    const net = await run.createNetwork("workers", { internal: true });
    const c = await run.run({
      name: "worker",
      image: images.worker,
      networks: [{ network: net, aliases: ["worker-a"] }],
      secretEnv: { CODEX_LANES_WORKER_TOKEN: token },
      healthIntervalMs: 250,
    });
    await waitHealthy(c.name, { timeoutMs: 60_000 });
    const anonymous = await exec(c.name, ["node", "-e", "fetch('http://127.0.0.1:8790/health').then((r) => console.log(r.status))"]);
    assert.equal(anonymous.stdout.trim(), "401");
    const health = await exec(c.name, [
      "node", "-e",
      "fetch('http://127.0.0.1:8790/health', { headers: { authorization: 'Bearer ' + process.env.CODEX_LANES_WORKER_TOKEN } }).then((r) => r.json()).then((b) => console.log(JSON.stringify({ cli: b.cliVersion, signedIn: b.signedIn })))",
    ]);
    assert.deepEqual(JSON.parse(health.stdout), { cli: CODEX_VERSION, signedIn: false });
  });

  it("gateway: no Codex CLI, SQLite works, runs as the non-root user, and turns healthy on a mounted config", async () => {
    const config = JSON.stringify({
      dataDir: "/data",
      lanes: [{ name: "plus-a", type: "codex", worker: { url: "http://worker-a:8790", tokenEnv: "WORKER_TOKEN_PLUS_A" } }],
    });
    const data = await run.createVolume("gateway-data");
    const c = await run.run({
      name: "gateway",
      image: images.gateway,
      secretEnv: { WORKER_TOKEN_PLUS_A: randomBytes(24).toString("hex") },
      volumes: [{ source: data, target: "/data" }],
      files: [{ path: "/etc/codex-lanes/config.json", content: config, mode: 0o644 }],
      publish: [8787],
      healthIntervalMs: 250,
    });
    await waitHealthy(c.name, { timeoutMs: 60_000 });
    const res = await fetch(`http://127.0.0.1:${await hostPort(c.name, 8787)}/healthz`);
    assert.equal(res.status, 200);

    const who = await exec(c.name, ["id", "-u"]);
    assert.equal(who.stdout.trim(), APP_UID);
    const codex = await exec(c.name, ["node", "-e", "require.resolve('@openai/codex/package.json')"]);
    assert.notEqual(codex.code, 0, "the gateway image contains @openai/codex");
    const anyCodex = await exec(c.name, ["sh", "-c", "ls -d /app/node_modules/@openai/codex* 2>/dev/null; command -v codex"]);
    assert.equal(anyCodex.stdout.trim(), "");
    const sqlite = await exec(c.name, ["node", "-e", "const D = require('better-sqlite3'); console.log(new D(':memory:').prepare('select 41 + 1 as n').get().n)"]);
    assert.equal(sqlite.stdout.trim(), "42", sqlite.stderr);
    const db = await exec(c.name, ["stat", "-c", "%u %a", "/data", "/data/gateway.db"]);
    assert.deepEqual(db.stdout.trim().split("\n"), [`${APP_UID} 700`, `${APP_UID} 600`]);
  });

  it("no image holds a checkout's .git, data/, credentials, keys or config, nor the CA bundle given to npm at build time", async () => {
    const buildCa = defaultNpmCa();
    for (const [name, image] of Object.entries(images)) {
      const c = await run.run({ name: `inspect-${name}`, image, command: ["sleep", "infinity"] });
      const found = await exec(c.name, FORBIDDEN_FIND, { user: "0" });
      assert.equal(found.stdout.trim(), "", `${image} contains:\n${found.stdout}`);
      if (buildCa) {
        // Certificates the build was given that Debian's own bundle lacks (a proxy's CA) must be nowhere.
        const own = (await exec(c.name, ["cat", "/etc/ssl/certs/ca-certificates.crt"])).stdout;
        const extra = pemBlocks(fs.readFileSync(buildCa, "utf8")).filter((pem) => !own.includes(pem));
        for (const pem of extra) {
          const serialLine = pem.split("\n")[1]!;
          assert.equal(await imageContains(c.name, serialLine), false, `${image} contains a certificate from ${buildCa}`);
        }
      }
    }
  });

  it("fake backend image: has the test fakes and their packages, runnable as its own user", async () => {
    const c = await run.run({ name: "fake-shell", image: images.fake, command: ["sleep", "infinity"] });
    const r = await exec(c.name, ["node", "-e", "for (const m of ['tsx', 'ws', 'node-forge']) require.resolve(m); console.log(require('fs').existsSync('test/fakes/chatgpt.ts'))"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), "true");
    const who = await exec(c.name, ["id", "-u"]);
    assert.notEqual(who.stdout.trim(), "0");
  });
});
