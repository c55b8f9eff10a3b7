// The mutations `npm run test:mutations` puts in, one at a time. Each is a one-line bug a real change
// could plausibly make: `from` must occur exactly once in `file` (else the entry is stale: update
// it when the code moves), `to` replaces it, and one of `tests` must then fail.
// New security-relevant code gets an entry here with the test that guards it.

export interface Mutation {
  id: string;
  file: string;
  from: string;
  to: string;
  /** Test files to run, relative to the repo root. */
  tests: string[];
  /** Only the tests (in those files) whose names match this pattern (`--test-name-pattern`), for slow files. */
  names?: string;
  /** What a user or attacker would see if this bug shipped. */
  why: string;
}

const LANES = ["test/lanes.test.ts", "test/lanes.property.test.ts"];
const DISPATCH = ["test/dispatch.test.ts"];
const REDACTION = ["test/redaction.test.ts"];

export const MUTATIONS: Mutation[] = [
  // ---- secrets in logs and messages ----------------------------------------------------------
  {
    id: "log-sk-pattern",
    file: "gateway/lanes/secret-patterns.ts",
    from: "/\\bsk-[A-Za-z0-9_-]{8,}/g",
    to: "/\\bsk_[A-Za-z0-9_-]{8,}/g",
    tests: REDACTION,
    why: "an OpenAI API key in an error message reaches the log in clear",
  },
  {
    id: "log-redact-nothing",
    file: "gateway/log.ts",
    from: "export function redact(text: string): string {",
    to: "export function redact(text: string): string {\n  return text;",
    tests: REDACTION,
    why: "registered secrets, keys and tokens all reach the log",
  },
  {
    id: "log-registered-secret-kept",
    file: "gateway/log.ts",
    from: 'for (const s of secrets) if (out.includes(s)) out = out.split(s).join("[redacted]");',
    to: "",
    tests: REDACTION,
    why: "a worker token (registered, but of no known shape) reaches the log",
  },
  {
    id: "message-jwt-pattern",
    file: "gateway/lanes/secret-patterns.ts",
    from: "/^eyJ[A-Za-z0-9_-]{4,}\\.",
    to: "/^eyK[A-Za-z0-9_-]{4,}\\.",
    tests: REDACTION,
    why: "a ChatGPT access or id token echoed by upstream reaches the client and the log",
  },
  {
    id: "message-jwt-first-only",
    file: "gateway/lanes/secret-patterns.ts",
    from: 'slice(1, -1)}`, "g")',
    to: "slice(1, -1)}`)",
    tests: REDACTION,
    why: "only the first of two tokens in a message is masked",
  },
  // ---- the worker's bearer token ---------------------------------------------------------------
  {
    id: "worker-no-token-accepted",
    file: "gateway/worker/app.ts",
    from: "if (!given || !sameToken(given, token))",
    to: "if (given && !sameToken(given, token))",
    tests: ["test/worker.test.ts"],
    why: "anyone on the private network runs turns on the account without a token",
  },
  {
    id: "worker-no-check",
    file: "gateway/worker/app.ts",
    from: "if (!given || !sameToken(given, token))",
    to: "if (false)",
    tests: ["test/worker.test.ts"],
    why: "the worker serves every caller",
  },
  // ---- how Codex is started ----------------------------------------------------------------------
  {
    id: "codex-sandbox-writable",
    file: "gateway/codex/hardening.ts",
    from: 'sandbox_mode: "read-only",',
    to: 'sandbox_mode: "workspace-write",',
    tests: ["test/codex-hardening.test.ts"],
    why: "the model could write files on the server",
  },
  {
    id: "codex-env-keeps-ours",
    file: "gateway/codex/hardening.ts",
    from: "(?!API_KEY$|ACCESS_TOKEN$|LANES_)",
    to: "(?!API_KEY$|ACCESS_TOKEN$)",
    tests: ["test/codex-hardening.test.ts"],
    why: "the master key and admin key reach every Codex child",
  },
  {
    id: "codex-env-inherited",
    file: "gateway/codex/hardening.ts",
    from: "if (v !== undefined && PASSED_ENV.some((re) => re.test(k))) env[k] = v;",
    to: "if (v !== undefined) env[k] = v;",
    tests: ["test/codex-hardening.test.ts"],
    why: "an API key under a custom apiKeyEnv, a worker token under a custom tokenEnv, or GITHUB_TOKEN reaches every Codex child",
  },
  {
    id: "codex-shell-snapshot-on",
    file: "gateway/codex/hardening.ts",
    from: 'shell_snapshot: "off",',
    to: 'shell_snapshot: { keep: "" },',
    tests: ["test/codex-hardening.test.ts"],
    why: "every thread runs the host's login shell, sourcing its rc files",
  },
  // ---- the request log -----------------------------------------------------------------------
  {
    id: "row-bodies-always",
    file: "gateway/dispatch/dispatcher.ts",
    from: "requestBody: config.log.bodies ? JSON.stringify(input.req.raw ?? input.req) : null,",
    to: "requestBody: JSON.stringify(input.req.raw ?? input.req),",
    tests: DISPATCH,
    why: "prompts are stored although log.bodies is off",
  },
  {
    id: "stream-drops-final-text",
    file: "gateway/dispatch/dispatcher.ts",
    from: 'send(ev.text.startsWith(text) ? ev.text.slice(text.length) : text === "" ? ev.text : "");',
    to: 'send(text === "" ? ev.text : "");',
    tests: DISPATCH,
    why: "a streaming client misses the end of the answer when the closing message extends the deltas",
  },
  {
    id: "row-attempts-last-only",
    file: "gateway/dispatch/dispatcher.ts",
    from: "track.attempts = res.attempts;",
    to: "track.attempts = res.attempts.slice(-1);",
    tests: DISPATCH,
    why: "the row hides the failed attempts before the lane that served",
  },
  // ---- lane core -------------------------------------------------------------------------------
  {
    id: "lane-never-returns",
    file: "gateway/lanes/state.ts",
    from: "if (rec.until !== null && rec.until > now) return rec;",
    to: "if (rec.until !== null) return rec;",
    tests: LANES,
    why: "a lane stays cooling after its window resets; traffic never moves back up",
  },
  {
    id: "lane-ignores-reset",
    file: "gateway/lanes/state.ts",
    from: "const until = known ? (outcome.resetsAt as number) : now + policy.defaultCooldownMs;",
    to: "const until = now + policy.defaultCooldownMs;",
    tests: LANES,
    why: "a spent lane is retried long before its window resets",
  },
  {
    id: "lane-unauthorized-cools",
    file: "gateway/lanes/state.ts",
    from: 'state: "needs-login",',
    to: 'state: "cooling",',
    tests: LANES,
    why: "an expired sign-in is not shown as needing login",
  },
  {
    id: "lane-circuit-never-opens",
    file: "gateway/lanes/state.ts",
    from: "if (failures < policy.circuitThreshold && !cur.probe) {",
    to: "if (!cur.probe) {",
    tests: LANES,
    why: "a failing lane is hit by every request forever",
  },
  {
    id: "lane-extra-retry",
    file: "gateway/lanes/retry.ts",
    from: "if (probe || retriesSoFar >= policy.maxRetries) return { action: \"next\" };",
    to: "if (probe || retriesSoFar > policy.maxRetries) return { action: \"next\" };",
    tests: LANES,
    why: "one retry more than configured before moving on",
  },
  {
    id: "lane-fails-over-after-bytes",
    file: "gateway/lanes/run.ts",
    from: 'if (committed) return { action: "stop" };',
    to: 'if (false) return { action: "stop" };',
    tests: [...LANES, ...DISPATCH],
    why: "a stream that already sent text continues with another lane's answer glued on",
  },
  {
    id: "lane-max-used-percent-ignored",
    file: "gateway/lanes/state.ts",
    from: "const threshold = maxUsedPercent ?? 100;",
    to: "const threshold = 100;",
    tests: LANES,
    why: "a lane does not step aside at its maxUsedPercent",
  },
  // ---- Retry-After -------------------------------------------------------------------------------
  {
    id: "retry-after-seconds-as-ms",
    file: "gateway/lanes/classify-http.ts",
    from: "const v = Number(ra) * 1000;",
    to: "const v = Number(ra);",
    tests: ["test/lanes-classify.test.ts", "test/openai-lane.test.ts"],
    why: "upstream's Retry-After is read as milliseconds: the lane is hammered",
  },
  {
    id: "retry-after-header-dropped",
    file: "gateway/http/chat.ts",
    from: 'if (e.retryAfterSec !== undefined) headers["retry-after"] = String(e.retryAfterSec);',
    to: "",
    tests: DISPATCH,
    why: "a 429 without Retry-After: clients retry at once",
  },
  {
    id: "queue-one-too-many",
    file: "gateway/dispatch/slots.ts",
    from: "if (this.waiters.length >= this.maxWaiting) {",
    to: "if (this.waiters.length > this.maxWaiting) {",
    tests: DISPATCH,
    why: "the queue holds one request more than queue.maxWaiting",
  },
  {
    id: "concurrency-unbounded",
    file: "gateway/dispatch/slots.ts",
    from: "if (this.running < this.concurrency && this.waiters.length === 0) {",
    to: "if (this.waiters.length === 0) {",
    tests: DISPATCH,
    why: "an account runs more turns at once than its concurrency",
  },
  // ---- keys, admin, dashboard --------------------------------------------------------------------
  {
    id: "key-revocation-ignored",
    file: "gateway/store/keys.ts",
    from: "`SELECT id, name, admin, last_used_at FROM api_keys WHERE hash = ? AND revoked_at IS NULL`",
    to: "`SELECT id, name, admin, last_used_at FROM api_keys WHERE hash = ?`",
    tests: ["test/store.test.ts", "test/http.test.ts"],
    why: "a revoked key keeps working",
  },
  {
    id: "key-cache-forever",
    file: "gateway/http/auth.ts",
    from: "if (hit && now - hit.at < this.ttlMs) return hit.key;",
    to: "if (hit) return hit.key;",
    tests: ["test/http.test.ts"],
    why: "a revoked key keeps working for as long as the gateway runs",
  },
  {
    id: "admin-accepts-client-keys",
    file: "gateway/http/auth.ts",
    from: "if (!key.admin) throw new AdminKeyRequiredError();",
    to: "",
    tests: DISPATCH,
    why: "a client key opens /admin",
  },
  {
    id: "csrf-signin-unchecked",
    file: "gateway/http/dashboard/routes.tsx",
    from: "if (!signInTokenMatches(c, form.csrf)) {",
    to: "if (false) {",
    tests: ["test/dashboard.test.ts"],
    why: "another site can sign a browser in to the dashboard (login CSRF)",
  },
  {
    id: "csrf-logout-unchecked",
    file: "gateway/http/dashboard/routes.tsx",
    from: "if (!sameToken(s.csrf, form.csrf)) {",
    to: "if (false) {",
    tests: ["test/dashboard.test.ts"],
    why: "another site can sign the operator out",
  },
  {
    id: "csrf-compare-length-only",
    file: "gateway/http/dashboard/guard.ts",
    from: "return a.length === b.length && timingSafeEqual(a, b);",
    to: "return a.length === b.length;",
    tests: ["test/dashboard.test.ts"],
    why: "any token of the right length passes the CSRF check",
  },
  {
    id: "secret-not-bound-to-lane",
    file: "gateway/store/secrets.ts",
    from: 'decipher.setAAD(Buffer.from(lane, "utf8"));',
    to: "",
    tests: ["test/store.test.ts"],
    why: "an encrypted API key moved to another lane's row still decrypts",
  },
  // ---- request mapping ---------------------------------------------------------------------------
  {
    id: "json-schema-not-sent-to-codex",
    file: "gateway/codex/mapping.ts",
    from: 'outputSchema: forced ? forced.schema : req.responseFormat?.type === "json_schema" ? req.responseFormat.schema : null,',
    to: "outputSchema: forced ? forced.schema : null,",
    tests: ["test/codex-lane.test.ts"],
    names: "json_schema",
    why: "structured output is ignored on codex lanes",
  },
  {
    // Not `fromMessages`: every client request carries its raw body, so that mapping is never reached from HTTP.
    id: "api-lane-rebuilds-body",
    file: "gateway/upstreams/openai.ts",
    from: "const base = req.raw ? { ...req.raw } : fromMessages(req);",
    to: "const base = fromMessages(req);",
    tests: ["test/openai-lane.test.ts"],
    why: "the API-key lane drops the client's fields (sampling, tools, response_format details) on the way upstream",
  },
  {
    id: "client-key-unchecked",
    file: "gateway/http/auth.ts",
    from: "if (!key) throw new InvalidApiKeyError();",
    to: "if (!key) return next();",
    tests: ["test/http.test.ts"],
    why: "requests without a valid gateway key are served",
  },
];
