// The main step: mask secrets, read inputs, walk the lanes with gateway/lanes' failover loop,
// then set outputs, write the job summary, and fail the step with a message that says what to do
// when no lane served. Everything it touches goes through ActionIO.

import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { DEFAULT_POLICY, runLanes, type AttemptResult, type LanePolicy, type LaneRecord } from "../gateway/lanes";
import { secretValues, tryParseAll } from "./auth-json";
import { DirectLanes } from "./codex-lane";
import { ActionError, InputError } from "./errors";
import { gatewayAttempt } from "./gateway-lane";
import { maskSecretInputs, readInputs, type ActionInputs } from "./inputs";
import type { ActionIO } from "./io";
import { planLanes, type LanePlan, type Plan } from "./lanes-plan";
import { Log, Redactor } from "./log";
import { failureMessage, summaryMarkdown, whyMovedOn, type Attempt, type RunReport } from "./report";
import { failure, type Served } from "./served";
import { createRunDir, removeRunDir } from "./workdir";

/** Runs the main step. Never throws: any failure, even a non-Error throw, fails the step. */
export async function run(io: ActionIO): Promise<void> {
  try {
    await main(io);
  } catch (err) {
    io.setFailed(err instanceof Error ? err.message : String(err));
  }
}

async function main(io: ActionIO): Promise<void> {
  const started = io.now();
  const log = new Log(io, secretsRedactor(io));
  let inputs: ActionInputs;
  let plan: Plan;
  try {
    inputs = readInputs(io);
    plan = planLanes(inputs);
  } catch (err) {
    if (!(err instanceof InputError || err instanceof ActionError)) throw err;
    await io.appendSummary(summaryMarkdown({ ok: false, lane: null, usage: null, attempts: [], skipped: [], warnings: [], durationMs: io.now() - started, failure: err.message, codexVersion: null }));
    io.setFailed(err.message);
    return;
  }
  for (const s of plan.skipped) log.info(`Not using lane ${s}.`);
  if (inputs.gatewayUrl && plainHttpOffHost(inputs.gatewayUrl)) {
    log.warning("gateway-url uses plain http: the gateway key travels unencrypted. Use https unless the runner and the gateway share a private network.");
  }
  log.info(`Lanes, in order: ${plan.lanes.map((l) => l.name).join(", ")}.`);
  const runDir = plan.lanes.some((l) => l.kind !== "gateway") ? createRunDir(io) : null;
  try {
    const direct = runDir ? new DirectLanes(io, log, inputs, runDir) : null;
    const report = await walk(io, log, inputs, plan, direct);
    report.durationMs = io.now() - started;
    await finish(io, log, inputs, report);
  } finally {
    if (runDir) removeRunDir(runDir);
  }
}

/** Masks every secret input with the runner, and returns a redactor for text we print ourselves. */
function secretsRedactor(io: ActionIO): Redactor {
  maskSecretInputs(io);
  const r = new Redactor();
  r.add(io.getInput("gateway-key"));
  r.add(io.getInput("openai-api-key"));
  for (const v of secretValues(tryParseAll(io.getInput("codex-auth-json")) ?? [])) r.add(v);
  return r;
}

function plainHttpOffHost(url: string): boolean {
  const u = new URL(url);
  return u.protocol === "http:" && !["localhost", "127.0.0.1", "[::1]"].includes(u.hostname);
}

function policyFor(plan: Plan): LanePolicy {
  // One retry of a transient failure per lane: a direct lane's attempt can take many minutes.
  return { ...DEFAULT_POLICY, maxRetries: 1, maxAttempts: plan.lanes.length * 2 };
}

async function walk(io: ActionIO, log: Log, inputs: ActionInputs, plan: Plan, direct: DirectLanes | null): Promise<RunReport> {
  const attempts: Attempt[] = [];
  const records = new Map<string, LaneRecord>();
  const byName = new Map(plan.lanes.map((l) => [l.name, l]));
  const report = (r: Partial<RunReport> & Pick<RunReport, "ok">): RunReport => ({
    lane: null,
    usage: null,
    attempts,
    skipped: plan.skipped,
    durationMs: 0,
    codexVersion: direct?.codexVersion ?? null,
    warnings: (direct?.refreshedLanes() ?? []).map(refreshNote),
    ...r,
  });
  const attempt = async (name: string): Promise<AttemptResult<Served>> => {
    const lane = byName.get(name)!;
    // An earlier direct lane's sign-in must be gone before this lane's Codex (or anything) runs.
    direct?.retireAllBut(name);
    log.info(`${attempts.at(-1)?.lane === name ? "Retrying" : "Trying"} lane ${name}…`);
    const t0 = io.now();
    let res: AttemptResult<Served>;
    try {
      res = await log.untrusted(() => attemptOn(io, log, inputs, lane, direct));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      attempts.push({ lane: name, outcome: "transient", code: "action_error", ms: io.now() - t0, detail: failure("transient", "action_error", message) });
      throw err;
    }
    // After a token refresh the lane's home holds new tokens: mask them too (outside the
    // untrusted section, where the runner would not take an ::add-mask:: command).
    for (const v of direct?.newSecrets(name) ?? []) {
      io.setSecret(v);
      log.redactor.add(v);
    }
    const o = res.outcome;
    attempts.push({ lane: name, outcome: o.class, code: o.class === "ok" ? null : o.code, ms: Math.max(0, io.now() - t0), detail: o });
    if (o.class !== "ok") log.info(`Lane ${name}: ${whyMovedOn(name, o)}`);
    return res;
  };
  try {
    const result = await runLanes<Served>({
      specs: plan.lanes.map((l) => ({ name: l.name, models: "*" })),
      model: inputs.model ?? "default",
      policy: policyFor(plan),
      now: () => io.now(),
      sleep: (ms, signal) => io.sleep(ms, signal),
      random: () => io.random(),
      getRecord: (n) => records.get(n),
      setRecord: (rec) => records.set(rec.name, rec),
      attempt,
    });
    if (result.ok) {
      return report({ ok: true, lane: result.lane, text: result.result.text, usage: result.result.usage, innerLane: result.result.innerLane });
    }
    return report({ ok: false, failure: failureMessage(result.outcome, attempts, result.retryAt, io.now()) });
  } catch (err) {
    return report({ ok: false, failure: err instanceof Error ? err.message : String(err) });
  }
}

function refreshNote(r: { lane: string; account: number }): string {
  return (
    `Codex refreshed the ChatGPT sign-in of ${r.lane} during this run, so the refresh token of account ${r.account} in codex-auth-json is now used up ` +
    "(refresh tokens rotate) and the next run with that secret will fail with refresh_token_reused. This action does not write the new auth.json back: " +
    "run `codex login` again and update the secret, or use the gateway lane, which keeps each account's sign-in on your server."
  );
}

function attemptOn(io: ActionIO, log: Log, inputs: ActionInputs, lane: LanePlan, direct: DirectLanes | null): Promise<AttemptResult<Served>> {
  if (lane.kind === "gateway") return gatewayAttempt(io, log, inputs);
  return direct!.attempt(lane);
}

async function finish(io: ActionIO, log: Log, inputs: ActionInputs, report: RunReport): Promise<void> {
  const red = (s: string) => log.redactor.apply(s);
  if (report.text !== undefined) report.text = red(report.text);
  io.setOutput("lane", report.lane ?? "");
  io.setOutput("attempts", JSON.stringify(report.attempts.map(({ lane, outcome, code, ms }) => ({ lane, outcome, code, ms }))));
  io.setOutput("usage", JSON.stringify(report.usage ?? {}));
  if (report.codexVersion) io.setOutput("codex-version", report.codexVersion);
  if (report.ok) {
    io.setOutput("final-message", report.text ?? "");
    if (inputs.outputFile) {
      mkdirSync(path.dirname(inputs.outputFile), { recursive: true });
      writeFileSync(inputs.outputFile, report.text ?? "");
    }
    log.info(`Served by lane ${report.lane}${report.innerLane ? ` (gateway lane ${report.innerLane})` : ""}.`);
  }
  for (const w of report.warnings) log.warning(w);
  await io.appendSummary(red(summaryMarkdown(report)));
  if (!report.ok) io.setFailed(red(report.failure ?? "No lane served."));
}
