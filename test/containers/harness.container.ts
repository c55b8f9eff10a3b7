// The container harness against a real Docker engine: what the container suites rely on.
// Run by `npm run test:containers` (scripts/containers/test.sh), not by `npm test`.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import {
  ContainerNotHealthyError,
  DockerRun,
  cleanupRun,
  docker,
  exec,
  onDockerCommand,
  prepareBaseImages,
  waitExit,
  waitHealthy,
  type BaseImages,
} from "./harness";

// Retries a fetch from inside a container for up to ~5 s: the peer may still be starting.
const FETCH_WITH_RETRY = `
const url = process.argv[1];
(async () => {
  for (let i = 0; i < 50; i++) {
    try { const r = await fetch(url, { signal: AbortSignal.timeout(2000) }); console.log(await r.text()); return; }
    catch { await new Promise((r) => setTimeout(r, 100)); }
  }
  process.exit(1);
})();`;

describe("container harness", () => {
  let bases: BaseImages;
  const run = new DockerRun();

  before(async () => {
    bases = await prepareBaseImages();
  });
  after(async () => {
    await run.cleanup();
  });

  it("lets a container on an internal network reach its peer by alias, and nothing outside", async () => {
    const net = await run.createNetwork("internal", { internal: true });
    await run.run({
      name: "pong",
      image: bases.baseImage,
      networks: [{ network: net, aliases: ["pong"] }],
      command: ["node", "-e", "require('http').createServer((q, s) => s.end('pong')).listen(8080)"],
    });
    const client = await run.run({ name: "client", image: bases.baseImage, networks: [{ network: net }], command: ["sleep", "infinity"] });

    const peer = await exec(client.name, ["node", "-e", FETCH_WITH_RETRY, "http://pong:8080/"]);
    assert.equal(peer.code, 0, peer.stderr);
    assert.equal(peer.stdout.trim(), "pong");

    const outside = await exec(client.name, [
      "node",
      "-e",
      "fetch('http://deb.debian.org/debian/', { signal: AbortSignal.timeout(5000) }).then(() => process.exit(0), () => process.exit(7))",
    ]);
    assert.equal(outside.code, 7, "a container on an internal network reached the internet");
  });

  it("keeps a named volume's files across containers, and shows them only where it is mounted", async () => {
    const vol = await run.createVolume("data");
    const writer = await run.run({ name: "writer", image: bases.baseImage, volumes: [{ source: vol, target: "/v" }], command: ["sh", "-c", "echo kept > /v/file"] });
    assert.equal(await waitExit(writer.name), 0);

    const reader = await run.run({ name: "reader", image: bases.baseImage, volumes: [{ source: vol, target: "/v", readOnly: true }], command: ["sleep", "infinity"] });
    const read = await exec(reader.name, ["cat", "/v/file"]);
    assert.equal(read.stdout.trim(), "kept");
    const write = await exec(reader.name, ["sh", "-c", "echo x > /v/other"]);
    assert.notEqual(write.code, 0, "a read-only mount accepted a write");

    const stranger = await run.run({ name: "stranger", image: bases.baseImage, command: ["sleep", "infinity"] });
    const look = await exec(stranger.name, ["sh", "-c", "test -e /v/file"]);
    assert.notEqual(look.code, 0, "a container without the volume sees its file");
  });

  it("delivers secret environment and files into the container without putting a secret on any docker argv", async () => {
    const secret = `s3cret-${randomBytes(12).toString("hex")}`;
    const seen: string[] = [];
    const stopWatching = onDockerCommand((_bin, argv) => seen.push(argv.join(" ")));
    try {
      const c = await run.run({
        name: "secrets",
        image: bases.baseImage,
        secretEnv: { THE_TOKEN: secret },
        files: [{ path: "/etc/the-token", content: secret, mode: 0o600, owner: "1234:1234" }],
        command: ["sleep", "infinity"],
      });
      // Compare inside the container, so the value itself is never printed.
      const same = await exec(c.name, ["node", "-e", "console.log(process.env.THE_TOKEN === process.env.EXPECTED)"], { env: { EXPECTED: secret } });
      assert.equal(same.stdout.trim(), "true");
      const file = await exec(c.name, ["sh", "-c", 'stat -c "%u:%g %a" /etc/the-token; [ "$(cat /etc/the-token)" = "$EXPECTED" ] && echo same'], {
        env: { EXPECTED: secret },
      });
      assert.deepEqual(file.stdout.trim().split("\n"), ["1234:1234 600", "same"]);
    } finally {
      stopWatching();
    }
    assert.ok(seen.length >= 3, "the listener saw the docker commands");
    assert.ok(!seen.some((a) => a.includes(secret)), "a secret was on a docker argv");
  });

  it("waits for healthy, and reports a container that exits first with its exit code", async () => {
    const ok = await run.run({
      name: "healthy",
      image: bases.baseImage,
      healthIntervalMs: 200,
      extraArgs: ["--health-cmd", "test -f /tmp/ready"],
      command: ["sh", "-c", "sleep 1; touch /tmp/ready; sleep infinity"],
    });
    const ms = await waitHealthy(ok.name, { timeoutMs: 30_000 });
    assert.ok(ms >= 0);

    const bad = await run.run({
      name: "dies",
      image: bases.baseImage,
      healthIntervalMs: 200,
      extraArgs: ["--health-cmd", "true"],
      command: ["sh", "-c", "echo giving up >&2; exit 3"],
    });
    await assert.rejects(waitHealthy(bad.name, { timeoutMs: 30_000 }), (err: Error) => {
      assert.ok(err instanceof ContainerNotHealthyError);
      assert.match(err.message, /exited with code 3/);
      assert.match(err.message, /giving up/);
      return true;
    });
  });

  it("cleanupRun removes every labelled container (running or not), network and volume of its run only", async () => {
    const other = new DockerRun();
    const net = await other.createNetwork("net");
    const vol = await other.createVolume("vol");
    await other.run({ name: "busy", image: bases.baseImage, networks: [{ network: net }], volumes: [{ source: vol, target: "/v" }], command: ["sleep", "infinity"] });
    const stopped = await other.run({ name: "done", image: bases.baseImage, command: ["true"] });
    await waitExit(stopped.name);
    // A resource of this (outer) run must survive the other run's cleanup.
    const mine = await run.createVolume("survivor");

    assert.deepEqual(await cleanupRun(other.runId), { containers: 2, networks: 1, volumes: 1 });
    for (const argv of [
      ["ps", "--all", "--quiet", "--filter", `label=${other.label}`],
      ["network", "ls", "--quiet", "--filter", `label=${other.label}`],
      ["volume", "ls", "--quiet", "--filter", `label=${other.label}`],
    ]) {
      assert.equal((await docker(argv)).stdout.trim(), "", `left behind: docker ${argv.join(" ")}`);
    }
    assert.equal((await docker(["volume", "inspect", "--format", "{{.Name}}", mine])).stdout.trim(), mine);
  });
});
