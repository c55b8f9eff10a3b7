// Sign-in through the gateway: `codex-lanes login <lane> --gateway URL` on the user's machine starts
// the device-code flow in that lane's account worker through the admin API. The worker runs the real
// Codex CLI against the fake ChatGPT backend; the CLI runs in-process with captured streams.

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import OpenAI from "openai";
import { main } from "../gateway/cli";
import type { CodexLaneConfig } from "../gateway/config/types";
import { startFakeChatGPT, type FakeChatGPT } from "./fakes/chatgpt";
import { makeHome, type TestHome } from "./fakes/codex-run";
import { codexLane, startTestGateway, type TestGateway } from "./helpers/gateway";
import { startTestWorker } from "./helpers/worker";

function capture() {
  let text = "";
  return { stream: { write: (s: string) => ((text += s), true), isTTY: false } as unknown as NodeJS.WritableStream, text: () => text };
}

async function cli(args: string[], env: NodeJS.ProcessEnv, onOut?: (text: string) => void) {
  const out = capture();
  const err = capture();
  const stream = { write: (s: string) => (out.stream.write(s), onOut?.(out.text()), true), isTTY: false } as unknown as NodeJS.WritableStream;
  const code = await main(args, { out: stream, err: err.stream, stdin: process.stdin, env, cwd: process.cwd(), signal: new AbortController().signal });
  return { code, out: out.text(), err: err.text() };
}

describe("sign-in through the gateway", () => {
  let fake: FakeChatGPT;
  let gw: TestGateway;
  let home: TestHome;
  let workerClose: () => Promise<void>;
  const afters: (() => unknown)[] = [];

  before(async () => {
    fake = await startFakeChatGPT();
    fake.addAccount({ accountId: "acct-b", email: "bea@example.com", plan: "pro" });
    home = makeHome("signin-worker-");
    const data = makeHome("signin-data-");
    const worker = await startTestWorker({ ...(codexLane("plus-b", { config: fake.codexConfig(), env: fake.codexEnv() }) as CodexLaneConfig), home: home.dir }, { dataDir: data.dir });
    workerClose = async () => {
      await worker.close();
      data.cleanup();
    };
    gw = await startTestGateway(
      { after: (f: () => unknown) => afters.push(f) },
      { lanes: [codexLane("plus-b", { worker: { url: worker.url, token: worker.token } })] },
    );
  });

  after(async () => {
    for (const f of afters) await f();
    await workerClose?.();
    await fake?.close();
    home?.cleanup();
  });

  const env = () => ({ ...process.env, CODEX_LANES_ADMIN_KEY: gw.adminKey });

  test("login --gateway prints the link and code, waits, and reports the account; the lane then serves", async () => {
    let approved = false;
    const res = await cli(["login", "plus-b", "--gateway", gw.url], env(), (text) => {
      const code = /Enter the code (\S+)/.exec(text)?.[1];
      if (code && !approved) {
        approved = true;
        fake.approveDeviceCode(code, "acct-b");
      }
    });
    assert.equal(res.code, 0, res.err);
    assert.match(res.out, /Open https:\/\/localhost:\d+\/codex\/device/);
    assert.match(res.out, /Signed in: lane "plus-b" as bea@example\.com \(ChatGPT pro\)/);
    // The credential stayed in the worker's home; nothing came back to the laptop but the link and code.
    assert.ok(existsSync(path.join(home.dir, "auth.json")));
    assert.ok(!/rt_|eyJ/.test(res.out + res.err), "no token may reach the terminal");

    const client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
    const { data, response } = await client.chat.completions.create({ model: "gpt-5.5", messages: [{ role: "user", content: "after remote sign-in" }] }).withResponse();
    assert.equal(data.choices[0]!.message.content, "echo: after remote sign-in");
    assert.equal(response.headers.get("x-codex-lanes-lane"), "plus-b");
  });

  test("lanes --gateway shows the signed-in lane with its plan and email", async () => {
    const res = await cli(["lanes", "--gateway", gw.url, "--json"], env());
    assert.equal(res.code, 0, res.err);
    const lane = (JSON.parse(res.out) as Array<{ name: string; signedIn: boolean; email: string; plan: string }>).find((l) => l.name === "plus-b")!;
    assert.equal(lane.signedIn, true);
    assert.equal(lane.email, "bea@example.com");
    assert.equal(lane.plan, "pro");
  });

  test("without the admin key, or with a client key, nothing happens", async () => {
    const noKey = await cli(["login", "plus-b", "--gateway", gw.url], { ...process.env, CODEX_LANES_ADMIN_KEY: "" });
    assert.equal(noKey.code, 2);
    assert.match(noKey.err, /CODEX_LANES_ADMIN_KEY/);
    const clientKey = await cli(["login", "plus-b", "--gateway", gw.url], { ...process.env, CODEX_LANES_ADMIN_KEY: gw.key });
    assert.equal(clientKey.code, 1);
    assert.match(clientKey.err, /admin key/);
    assert.equal(fake.pendingDeviceCodes().length, 0);
  });

  test("an unknown lane is named in a clear error", async () => {
    const res = await cli(["login", "nope", "--gateway", gw.url], env());
    assert.equal(res.code, 1);
    assert.match(res.err, /no lane named "nope"/);
    const http = await fetch(`${gw.url}/admin/lanes/nope/login`, { method: "POST", headers: { authorization: `Bearer ${gw.adminKey}` } });
    assert.equal(http.status, 404);
    assert.equal(((await http.json()) as { error: { code: string } }).error.code, "lane_not_found");
  });

  test("logout --gateway signs the worker's account out", async () => {
    const res = await cli(["logout", "plus-b", "--gateway", gw.url], env());
    assert.equal(res.code, 0, res.err);
    assert.match(res.out, /Signed out: lane "plus-b"/);
    assert.ok(!existsSync(path.join(home.dir, "auth.json")));
    const client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
    await assert.rejects(client.chat.completions.create({ model: "gpt-5.5", messages: [{ role: "user", content: "signed out" }] }), (err: InstanceType<typeof OpenAI.APIError>) => {
      assert.equal(err.status, 503);
      assert.match(err.message, /codex-lanes login plus-b/);
      return true;
    });
  });
});
