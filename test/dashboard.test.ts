// The dashboard through real HTTP, as a browser with JavaScript off sees it: sign-in with the admin
// key for a session cookie, CSRF on every form that changes state, sign-out, escaping of every
// value (XSS probe), lanes with countdowns and fixes, traffic, the request log with filters and
// paging, the savings ledger and the calculator panel.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import OpenAI from "openai";
import { savingsLedger } from "../gateway/calc";
import type { TurnEvent } from "../gateway/chat/types";
import { usd } from "../gateway/http/dashboard/format";
import { openStore, type NewRequestRow } from "../gateway/store";
import { cookieAttrs, FormClient, rowIds, section } from "./dashboard-client";
import { codexLane, openaiLane, startTestGateway, tempDir, type TestGateway } from "./helpers/gateway";
import { answer, failure, ScriptedAdapter } from "./helpers/scripted-adapter";
import { gate, waitFor } from "./helpers/wait";

const MODEL_XSS = '<script>alert("model")</script>';
const REASON_XSS = '<script>alert("reason")</script> usage limit';
const CODE_XSS = "<img src=x onerror=alert(1)>";
const ENV_ADMIN_KEY = "env-admin-key-0123456789abcdefghij";
const HOUR = 3_600_000;

describe("dashboard", () => {
  let gw: TestGateway;
  let client: OpenAI;
  const afters: (() => unknown)[] = [];
  let hold = gate();
  const seededUntil = Date.now() + 2 * HOUR;

  const rateLimits: TurnEvent = {
    type: "rate_limits",
    rateLimits: { primary: { usedPercent: 42, windowMinutes: 300, resetsAt: Date.now() + 3 * HOUR }, secondary: { usedPercent: 12, windowMinutes: 10_080, resetsAt: Date.now() + 4 * 24 * HOUR }, planType: "plus", observedAt: Date.now() },
  };

  before(async () => {
    const dataDir = tempDir();
    // A lane record saved by an earlier run, whose reason carries markup (an upstream error message).
    const seed = openStore(dataDir);
    seed.lanes.saveRecord({ name: "plus-b", state: "cooling", until: seededUntil, reason: REASON_XSS, code: "usage_limit_reached", failures: 0, probe: false, updatedAt: Date.now() });
    seed.close();
    afters.push(() => require("node:fs").rmSync(dataDir, { recursive: true, force: true }));

    const plusA = new ScriptedAdapter("plus-a", {
      async *script(req) {
        const text = JSON.stringify(req.messages.at(-1)?.content ?? "");
        if (text.includes("FLAKY")) {
          yield* failure("transient", CODE_XSS);
          return;
        }
        if (text.includes("HOLD")) await hold.promise;
        yield rateLimits;
        yield* answer(`echo ${text}`);
      },
    });
    gw = await startTestGateway(
      { after: (f: () => unknown) => afters.push(f) },
      {
        dataDir,
        lanes: [
          codexLane("plus-a", { concurrency: 1, planPriceUsd: 20 }),
          codexLane("plus-b"),
          codexLane("login-me"),
          openaiLane("api", "http://127.0.0.1:9/v1", "sk-dashboard-test-0123456789"),
        ],
        adapters: {
          "plus-a": plusA,
          // Codex's name for ChatGPT Pro 5x: the ledger prices this lane from the account's own plan.
          "plus-b": new ScriptedAdapter("plus-b", { status: { plan: "prolite" } }),
          "login-me": new ScriptedAdapter("login-me", { status: { signedIn: false, email: null, plan: null } }),
          api: new ScriptedAdapter("api", { kind: "openai" }),
        },
        config: {
          adminKey: ENV_ADMIN_KEY,
          policy: { defaultCooldownMs: 60_000, maxRetries: 2, circuitThreshold: 100, circuitOpenMs: 30_000 },
        },
      },
    );
    client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
    await gw.server.dispatcher.refresh();
  });

  after(async () => {
    hold.open();
    for (const f of afters.reverse()) await f();
  });

  const ask = (content: string, model = "gpt-test") => client.chat.completions.create({ model, messages: [{ role: "user", content }] }).withResponse();

  async function signedIn(): Promise<FormClient> {
    const b = new FormClient(gw.url);
    const r = await b.signIn(gw.adminKey);
    assert.equal(r.status, 303, r.text);
    return b;
  }

  describe("sign-in", () => {
    test("without a session there is nothing but the sign-in form: no lane names, no keys, no counts", async () => {
      const tries: Record<string, string>[] = [{}, { authorization: `Bearer ${gw.key}` }, { authorization: `Bearer ${gw.adminKey}` }];
      for (const headers of tries) {
        const r = await new FormClient(gw.url).get("/dashboard", headers);
        assert.equal(r.status, 401);
        assert.match(r.text, /<form method="post" action="\/dashboard\/signin"/);
        for (const secret of ["plus-a", "plus-b", "login-me", ">api<", "test-client", "test-admin", "Request log", "data-lane", "requests"]) {
          assert.ok(!r.text.includes(secret), `sign-in page must not show ${secret}`);
        }
      }
      const live = await new FormClient(gw.url).get("/dashboard/live");
      assert.equal(live.status, 401);
      assert.ok(!live.text.includes("plus-a"));
    });

    test("a client key or a wrong key does not sign in", async () => {
      for (const key of [gw.key, "cl-not-a-key", ""]) {
        const b = new FormClient(gw.url);
        const r = await b.signIn(key);
        assert.equal(r.status, 401);
        assert.match(r.text, /does not open the dashboard/);
        assert.equal(b.cookies.has("cl_session"), false);
        assert.equal((await b.get("/dashboard")).status, 401);
      }
    });

    test("the admin key signs in once for an HttpOnly, SameSite=Strict session cookie with a random id", async () => {
      const b = new FormClient(gw.url);
      const r = await b.signIn(gw.adminKey);
      assert.equal(r.status, 303);
      assert.equal(r.headers.get("location"), "/dashboard");
      const line = r.setCookies.find((c) => c.startsWith("cl_session="))!;
      const attrs = cookieAttrs(line);
      assert.ok(attrs.includes("httponly"), line);
      assert.ok(attrs.includes("samesite=strict"), line);
      assert.ok(attrs.includes("path=/dashboard"), line);
      assert.ok(!attrs.includes("secure"), "no Secure over plain HTTP");
      assert.match(b.cookies.get("cl_session")!, /^[A-Za-z0-9_-]{43}$/);
      const page = await b.get("/dashboard");
      assert.equal(page.status, 200);
      assert.match(page.text, /signed in as test-admin/);
      const other = await signedIn();
      assert.notEqual(other.cookies.get("cl_session"), b.cookies.get("cl_session"));
    });

    test("the deployment's CODEX_LANES_ADMIN_KEY signs in too", async () => {
      const b = new FormClient(gw.url);
      assert.equal((await b.signIn(ENV_ADMIN_KEY)).status, 303);
      assert.match((await b.get("/dashboard")).text, /signed in as admin \(CODEX_LANES_ADMIN_KEY\)/);
    });

    test("cookies are Secure when the browser came over HTTPS (x-forwarded-proto from the proxy)", async () => {
      const b = new FormClient(gw.url);
      const https = { "x-forwarded-proto": "https" };
      const form = await b.get("/dashboard", https);
      assert.ok(cookieAttrs(form.setCookies.find((c) => c.startsWith("cl_signin="))!).includes("secure"));
      const r = await b.post("/dashboard/signin", { key: gw.adminKey, csrf: b.cookies.get("cl_signin")! }, https);
      assert.equal(r.status, 303);
      assert.ok(cookieAttrs(r.setCookies.find((c) => c.startsWith("cl_session="))!).includes("secure"));
    });

    test("sign-in without the form's CSRF token is refused, even with the right key", async () => {
      const noToken = new FormClient(gw.url);
      await noToken.get("/dashboard");
      const r1 = await noToken.post("/dashboard/signin", { key: gw.adminKey });
      assert.equal(r1.status, 403);
      assert.equal(noToken.cookies.has("cl_session"), false);

      // A form posted from another site carries a token, but not the one in this browser's cookie.
      const victim = new FormClient(gw.url);
      await victim.get("/dashboard");
      const attacker = new FormClient(gw.url);
      const attackerToken = await attacker.signInCsrf();
      const r2 = await victim.post("/dashboard/signin", { key: gw.adminKey, csrf: attackerToken });
      assert.equal(r2.status, 403);
      assert.equal(victim.cookies.has("cl_session"), false);

      const noCookie = new FormClient(gw.url);
      const r3 = await noCookie.post("/dashboard/signin", { key: gw.adminKey, csrf: attackerToken });
      assert.equal(r3.status, 403);
    });

    test("sign-out needs the session's CSRF token, and ends the session for good", async () => {
      const b = await signedIn();
      const sessionId = b.cookies.get("cl_session")!;
      const page = await b.get("/dashboard");
      const csrf = /action="\/dashboard\/logout"><input type="hidden" name="csrf" value="([^"]+)"/.exec(page.text)![1]!;

      assert.equal((await b.post("/dashboard/logout", {})).status, 403);
      assert.equal((await b.post("/dashboard/logout", { csrf: csrf.slice(1) + "x" })).status, 403);
      assert.equal((await b.get("/dashboard")).status, 200, "a refused sign-out leaves the session alone");

      const out = await b.post("/dashboard/logout", { csrf });
      assert.equal(out.status, 303);
      assert.equal(b.cookies.has("cl_session"), false, "the cookie is cleared");

      const replay = new FormClient(gw.url);
      replay.cookies.set("cl_session", sessionId);
      const again = await replay.get("/dashboard");
      assert.equal(again.status, 401);
      assert.ok(!again.text.includes("plus-a"));
      assert.equal((await replay.get("/dashboard/live")).status, 401);
    });

    test("revoking the admin key ends the sessions it opened", async () => {
      const key = gw.server.store.keys.create("short-lived-admin", { admin: true }).key;
      const b = new FormClient(gw.url);
      assert.equal((await b.signIn(key)).status, 303);
      assert.equal((await b.get("/dashboard")).status, 200);
      gw.server.store.keys.revoke("short-lived-admin");
      // The store is asked again at most once a second.
      let status = 200;
      for (let i = 0; i < 40 && status === 200; i++) {
        await new Promise((r) => setTimeout(r, 100));
        status = (await b.get("/dashboard")).status;
      }
      assert.equal(status, 401);
    });
  });

  describe("signed in", () => {
    let b: FormClient;
    before(async () => {
      b = await signedIn();
      await ask("first answer");
    });

    test("every value is escaped: a model name, an error message and an error code carrying markup show as text", async () => {
      // The API-key lane serves any model name, markup included.
      const odd = await ask("hi", MODEL_XSS);
      assert.equal(odd.response.headers.get("x-codex-lanes-lane"), "api");
      const flaky = await ask("FLAKY please");
      assert.equal(flaky.response.headers.get("x-codex-lanes-lane"), "api");
      const page = await b.get(`/dashboard?model=${encodeURIComponent(MODEL_XSS)}`);
      assert.equal(page.status, 200);
      const html = page.text;
      for (const raw of [MODEL_XSS, "<script>alert(", "<img src=x", "onerror=alert(1)>"]) assert.ok(!html.includes(raw), `raw markup ${raw} in the page`);
      assert.ok(html.includes("&lt;script&gt;alert(&quot;model&quot;)&lt;/script&gt;"), "the model name, escaped, in the log and the filter box");
      assert.ok(html.includes("&lt;script&gt;alert(&quot;reason&quot;)&lt;/script&gt; usage limit"), "the lane's error message, escaped");
      const all = await b.get("/dashboard");
      assert.ok(all.text.includes("&lt;img src=x onerror=alert(1)&gt;"), "the attempt's error code, escaped");
      assert.ok(!all.text.includes("<img src=x"));

      // The page's only script is ours, allowed by the response's nonce; no inline handlers run.
      const csp = all.headers.get("content-security-policy")!;
      const nonce = /script-src 'nonce-([^']+)'/.exec(csp)![1]!;
      assert.ok(!csp.includes("unsafe-inline"));
      const scripts = [...all.text.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
      assert.deepEqual(scripts, [`<script nonce="${nonce}">`]);
      assert.equal(all.headers.get("x-frame-options"), "DENY");
      assert.equal(all.headers.get("cache-control"), "no-store");

      const live = JSON.parse((await b.get("/dashboard/live")).text) as { sections: Record<string, string> };
      const joined = Object.values(live.sections).join("\n");
      assert.ok(joined.includes("&lt;img src=x onerror=alert(1)&gt;"));
      for (const raw of ["<script", "<img src=x"]) assert.ok(!joined.includes(raw));
    });

    test("lanes: state, cooling until a time with a countdown rendered as text, the fix command, both windows, in flight and queued", async (t) => {
      // Two held turns on a lane with one slot: one runs, one waits.
      hold = gate();
      t.after(hold.open);
      const held = [ask("HOLD one"), ask("HOLD two")];
      await waitFor("a turn in flight and one queued", () => {
        const v = gw.server.dispatcher.laneViewsNow().find((l) => l.name === "plus-a")!;
        return v.inFlight === 1 && v.queued === 1;
      });
      const page = await b.get("/dashboard");
      hold.open();
      await Promise.all(held);
      const lanes = section(page.text, "lanes");

      const cooling = card(lanes, "plus-b");
      assert.match(cooling, /data-state="cooling"/);
      assert.match(cooling, /badge s-cooling">cooling</);
      const until = new Date(seededUntil).toISOString();
      assert.ok(cooling.includes(`data-until="${until}"`), "the countdown carries its target for the script");
      assert.match(cooling, /Cooling until \d{4}-\d\d-\d\d \d\d:\d\d UTC \(<time [^>]*>in (2h 00m|1h 59m)<\/time>\)/);

      const login = card(lanes, "login-me");
      assert.match(login, /needs sign-in/);
      assert.match(login, /Fix: <code>codex-lanes login login-me<\/code>/);

      const ready = card(lanes, "plus-a");
      assert.match(ready, /badge s-ready">ready</);
      assert.match(ready, /<meter [^>]*value="42"/);
      assert.match(ready, /42% used, resets <time [^>]*>in (3h 00m|2h 59m)<\/time>/);
      assert.match(ready, /12% used, resets <time [^>]*>in (4d 0h|3d 23h)/);
      assert.match(ready, /In flight 1 · queued 1/);
    });

    test("traffic: requests, error rate, latency and tokens per lane for 24 hours and 7 days, with an inline SVG chart", async () => {
      const page = await b.get("/dashboard");
      const traffic = section(page.text, "traffic");
      const now = Date.now();
      const day = gw.requests().summary({ since: now - 24 * HOUR, until: now + 1 });
      assert.ok(day.lanes.length >= 2);
      for (const period of ["24h", "7d"]) {
        const part = traffic.slice(traffic.indexOf(`data-period="${period}"`));
        for (const l of day.lanes) {
          const name = l.lane ?? "(no lane)";
          const row = new RegExp(`<tr><td>${name.replace(/[()]/g, "\\$&")}</td><td class="num">${l.requests}</td><td class="num">${l.errors}</td><td class="num">${((l.errors / l.requests) * 100).toFixed(1)}%</td>`);
          assert.match(part, row, `${period} row of ${name}`);
          assert.match(part, new RegExp(`<figure class="chart" data-lane="${name.replace(/[()]/g, "\\$&")}">`));
        }
      }
      assert.match(traffic, /<svg viewBox="0 0 240 60"[^>]*>/, "24 hourly bars");
      assert.match(traffic, /<svg viewBox="0 0 280 60"[^>]*>/, "28 six-hour bars");
      assert.match(traffic, /<title>\d{4}-\d\d-\d\d \d\d:00 UTC: \d+ requests?, \d+ errors?<\/title><rect class="b"/);
      const api = day.lanes.find((l) => l.lane === "api")!;
      assert.match(traffic, new RegExp(`title="${api.cachedInputTokens} cached">${api.inputTokens}</td>`));
    });

    describe("request log", () => {
      const bulk: NewRequestRow[] = [];
      before(() => {
        // Within the last second or two, so they fall in this calendar month for the ledger too.
        const t0 = Date.now() - 2_000;
        for (let i = 0; i < 130; i++) {
          const lane = i % 3 === 0 ? "api" : "plus-a";
          const ok = i % 4 !== 0;
          bulk.push({
            id: `bulk-${String(i).padStart(3, "0")}`,
            createdAt: t0 + i * 10,
            keyName: "bulk-key",
            model: i % 2 ? "m-odd" : "m-even",
            stream: false,
            lane,
            attempts: ok ? [{ lane: "plus-a", outcome: "usage_limit", code: "usage_limit_reached", ms: 12, thread: "ready" }, { lane, outcome: "ok", code: null, ms: 40 }] : [{ lane, outcome: "transient", code: "server_error", ms: 30 }],
            status: ok ? "ok" : "error",
            httpStatus: ok ? 200 : 502,
            errorCode: ok ? null : "upstream_error",
            queueMs: 1,
            latencyMs: 50 + i,
            inputTokens: 100,
            outputTokens: 10,
            apiCostUsd: 0.25,
          });
        }
        gw.server.store.transaction(() => bulk.forEach((r) => gw.server.store.requests.insert(r)));
      });

      test("newest first, paged with the store's cursor, the same rows as the store lists", async () => {
        const seen: string[] = [];
        let href: string | null = "/dashboard?key=bulk-key";
        let cursor: string | undefined;
        for (let pageNo = 0; href && pageNo < 5; pageNo++) {
          const page = await b.get(href);
          assert.equal(page.status, 200);
          const ids = rowIds(section(page.text, "log"));
          const expected = gw.requests().list({ key: "bulk-key", limit: 50, ...(cursor ? { before: cursor } : {}) });
          assert.deepEqual(ids, expected.rows.map((r) => r.id));
          seen.push(...ids);
          const next = /<a href="([^"]+)" rel="next">/.exec(page.text)?.[1]?.replace(/&amp;/g, "&") ?? null;
          cursor = next ? new URL(next, gw.url).searchParams.get("before")! : undefined;
          href = next;
        }
        assert.deepEqual(seen, bulk.map((r) => r.id).reverse(), "every row once, newest first");
      });

      test("filters by lane, key, status and model; a row opens its attempts", async () => {
        const page = await b.get("/dashboard?lane=api&key=bulk-key&status=ok&model=m-odd");
        const ids = rowIds(section(page.text, "log"));
        const expected = bulk.filter((r) => r.lane === "api" && r.status === "ok" && r.model === "m-odd").map((r) => r.id).reverse();
        assert.ok(expected.length > 0);
        assert.deepEqual(ids, expected);
        assert.match(page.text, /<option value="api" selected="">api<\/option>|<option value="api" selected>api<\/option>/);
        assert.match(page.text, /<option value="ok" selected="">ok<\/option>|<option value="ok" selected>ok<\/option>/);
        const row = page.text.slice(page.text.indexOf(`<details data-id="${ids[0]}"`));
        const attempts = row.slice(row.indexOf('<table class="attempts">'), row.indexOf("</table>"));
        assert.match(attempts, /<td>1<\/td><td>plus-a<\/td><td class="st-error">usage_limit<\/td><td>usage_limit_reached<\/td>/);
        assert.match(attempts, /<td>2<\/td><td>api<\/td><td class="st-ok">ok<\/td>/);
        assert.match(attempts, /<td>usage_limit_reached<\/td><td>ready<\/td>/, "the Codex thread that carried the attempt");
        assert.match(attempts, /<td class="st-ok">ok<\/td><td>–<\/td><td>–<\/td>/, "no thread on an API-key lane");
      });

      test("a stale cursor or an unknown status shows a notice and the newest rows instead of failing", async () => {
        const bad = await b.get("/dashboard?key=bulk-key&before=not-a-cursor");
        assert.equal(bad.status, 200);
        assert.match(bad.text, /not valid any more/);
        assert.deepEqual(rowIds(section(bad.text, "log")), bulk.slice(-50).map((r) => r.id).reverse());
        const status = await b.get("/dashboard?key=bulk-key&status=bogus");
        assert.equal(status.status, 200);
        assert.match(status.text, /Unknown status filter/);
      });

      test("savings ledger: API-equivalent of subscription lanes, plan prices, metered spend and the net, as the store says", async () => {
        const page = await b.get("/dashboard");
        const ledger = section(page.text, "ledger");
        const expected = savingsLedger({ lanes: configLanes() }, gw.requests(), Date.now());
        const t = expected.totals;
        assert.ok(t.apiEquivalentUsd > 20, "the bulk rows on plus-a count");
        assert.ok(t.meteredUsd > 10, "the bulk rows on api count");
        const plusA = `<td>plus-a</td><td>subscription</td><td data-plan="plus">ChatGPT Plus <span class="small muted">reported by the account \\(plus\\)</span></td>`;
        assert.match(ledger, new RegExp(`${plusA}<td class="num">\\${usd(expected.subscription[0]!.apiEquivalentUsd)}</td><td class="num">about \\$700</td><td class="num">\\$20.00 \\(lane\\)</td>`));
        // plus-b's account reports "prolite": ChatGPT Pro 5x, priced from the plan table, its capacity estimate next to its traffic.
        assert.match(ledger, /<td>plus-b<\/td><td>subscription<\/td><td data-plan="pro-5x">ChatGPT Pro 5x <span class="small muted">reported by the account \(prolite\)<\/span><\/td><td class="num">[^<]+<\/td><td class="num">about \$3,500<\/td><td class="num">\$100.00<\/td>/);
        assert.match(ledger, new RegExp(`<td>api</td><td>API key</td><td>–</td><td class="num">–</td><td class="num">–</td><td class="num">–</td><td class="num">\\${usd(t.meteredUsd)}</td>`));
        const shown = savingsLedger({ lanes: configLanes() }, gw.requests(), Date.now(), { "plus-a": "plus", "plus-b": "prolite", "login-me": null });
        const net = shown.totals.netUsd;
        assert.equal(shown.totals.planPricesUsd, 120);
        assert.ok(ledger.includes(net >= 0 ? `${usd(net)} saved` : `${usd(-net)} more than the API`), `net ${usd(net)}`);
        assert.match(ledger, /No plan price for login-me: add <code>&quot;plan&quot;: &quot;plus&quot;<\/code>/);
      });
    });

    test("calculator panel: estimates for the spend asked, says they are estimates, names a bad amount", async () => {
      const page = await b.get("/dashboard?spend=3500");
      const calc = section(page.text, "calc");
      assert.match(calc, /Estimate for \$3,500 a month: <strong>1 × ChatGPT Pro 5x: \$100 a month for about \$3,500 of API-equivalent capacity/);
      assert.match(calc, /<li id="calc-best" data-cover="pro-5x:1"><strong>1 × ChatGPT Pro 5x<\/strong>: \$100 a month/);
      const seven = section((await b.get("/dashboard?spend=7000")).text, "calc");
      assert.match(seven, /<li id="calc-best" data-cover="pro-20x:1"><strong>1 × ChatGPT Pro 20x<\/strong>: \$200 a month, covering about \$14,000\. <span class="small">one account: the simplest to run/);
      assert.match(seven, /<li id="calc-alt-0" data-cover="pro-5x:2"><strong>2 × ChatGPT Pro 5x<\/strong>: \$200 a month, covering about \$7,000\. <span class="small">2 independent windows/);
      assert.match(section((await b.get("/dashboard?spend=90")).text, "calc"), /Keep your API key: below about \$150 a month of API spend it is the cheaper answer/);
      assert.match(calc, /These figures are estimates/);
      const bad = section((await b.get("/dashboard?spend=-3")).text, "calc");
      assert.match(bad, /spend: must be a positive amount/);
    });

    test("the live endpoint returns fresh sections; a later page of the log is left alone", async () => {
      const before = JSON.parse((await b.get("/dashboard/live")).text) as { generatedAt: string; sections: Record<string, string> };
      assert.deepEqual(Object.keys(before.sections).sort(), ["live-lanes", "live-ledger", "live-log", "live-traffic"]);
      const r = await ask("one more for the live view");
      const id = r.response.headers.get("x-request-id")!;
      const fresh = JSON.parse((await b.get("/dashboard/live")).text) as { sections: Record<string, string> };
      assert.ok(fresh.sections["live-log"]!.includes(`data-id="${id}"`));
      assert.ok(!before.sections["live-log"]!.includes(`data-id="${id}"`));
      const cursor = gw.requests().list({ limit: 5 }).nextCursor!;
      const paged = JSON.parse((await b.get(`/dashboard/live?before=${encodeURIComponent(cursor)}`)).text) as { sections: Record<string, string> };
      assert.equal(paged.sections["live-log"], undefined);
    });
  });

  function configLanes() {
    return [codexLane("plus-a", { planPriceUsd: 20 }), codexLane("plus-b"), codexLane("login-me"), openaiLane("api", "http://127.0.0.1:9/v1", "sk-x")];
  }
});

/** The <article> of one lane on the lanes panel. */
function card(lanes: string, name: string): string {
  const start = lanes.indexOf(`data-lane="${name}"`);
  assert.ok(start >= 0, `lane ${name} shown`);
  return lanes.slice(start, lanes.indexOf("</article>", start));
}
