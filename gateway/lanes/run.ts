// The failover loop shared by the gateway and the GitHub Action: pick the highest ready lane,
// attempt, classify, retry or move on, and keep every lane's record up to date on the way.
// Time, sleeping and randomness come from the caller, so tests drive it with a fake clock.

import { formatUtc } from "./format";
import { lanesForModel, pick, type PickResult } from "./pick";
import { retryDecision, type RetryDecision } from "./retry";
import { applyOutcome, effectiveRecord, initialRecord } from "./state";
import { cancelledOutcome, type AttemptRecord, type LanePolicy, type LaneRecord, type LaneSpec, type Outcome, type ThreadUse } from "./types";

export interface AttemptInfo {
  /** The lane is back from a pause on trust: one failure sends it straight back. */
  probe: boolean;
  /** 1-based count of attempts in this run, across lanes. */
  attemptNo: number;
}

export interface AttemptResult<R> {
  outcome: Outcome;
  /** Present when outcome.class is "ok". */
  result?: R;
  /** Bytes already reached the client: a failure can no longer move to another lane. */
  committed?: boolean;
  /** For the log: the Codex thread that carried the attempt, when the lane said. */
  thread?: ThreadUse;
}

export interface RunArgs<R> {
  specs: readonly LaneSpec[];
  model: string;
  policy: LanePolicy;
  now: () => number;
  /** Waits ms; may reject when the signal aborts. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** A number in [0, 1), for backoff jitter; a plain function, handed on unbound to the retry rule. */
  random: () => number;
  signal?: AbortSignal;
  /** The lane's current record; undefined reads as a fresh, ready lane. The caller persists. */
  getRecord(name: string): LaneRecord | undefined;
  /** Called with the new record after every change. */
  setRecord(rec: LaneRecord): void;
  /** One attempt on one lane. Throwing aborts the run: the error propagates to the caller. */
  attempt(lane: string, info: AttemptInfo): Promise<AttemptResult<R>>;
}

export type RunResult<R> =
  | { ok: true; lane: string; result: R; attempts: AttemptRecord[] }
  | {
      ok: false;
      outcome: Outcome;
      attempts: AttemptRecord[];
      /** Earliest moment a lane serving the model comes back by itself, or null. */
      retryAt: number | null;
    };

type LaneStep<R> = { kind: "done"; result: RunResult<R> } | { kind: "next"; outcome: Outcome };

export async function runLanes<R>(args: RunArgs<R>): Promise<RunResult<R>> {
  const attempts: AttemptRecord[] = [];
  const tried = new Set<string>();
  let last: Outcome | undefined;
  for (;;) {
    if (args.signal?.aborted) return cancelledResult(attempts);
    if (attempts.length >= args.policy.maxAttempts) {
      return { ok: false, outcome: last ?? noAttemptsLeft(), attempts, retryAt: retryAtOf(args, tried) };
    }
    const choice = pick({ specs: args.specs, records: recordsOf(args), model: args.model, now: args.now(), tried });
    if (choice.kind === "none") return noLaneResult(args, choice, attempts, last);
    const step = await runLane(args, choice.name, choice.probe, attempts);
    if (step.kind === "done") return step.result;
    last = step.outcome;
    tried.add(choice.name);
  }
}

/** Attempts one lane, retrying transient failures there, until it serves, fails over or stops. */
async function runLane<R>(args: RunArgs<R>, lane: string, probe: boolean, attempts: AttemptRecord[]): Promise<LaneStep<R>> {
  for (let retries = 0; ; retries++) {
    const started = args.now();
    const res = await args.attempt(lane, { probe, attemptNo: attempts.length + 1 });
    // Once the client is gone, whatever the lane reported is the abort's doing, not the lane's.
    const outcome = res.outcome.class !== "ok" && args.signal?.aborted ? cancelledOutcome() : res.outcome;
    attempts.push({ lane, outcome: outcome.class, code: outcome.class === "ok" ? null : outcome.code, ms: Math.max(0, args.now() - started), ...(res.thread ? { thread: res.thread } : {}) });
    if (outcome.class === "ok") {
      record(args, lane, outcome);
      return { kind: "done", result: { ok: true, lane, result: res.result as R, attempts } };
    }
    const decision = decide(args, outcome, retries, probe, res.committed === true, attempts.length);
    if (decision.action === "retry" && !pausedMeanwhile(args, lane)) {
      // Retries on one lane count as one failure of that lane, so the lane's record waits for the end.
      if (!(await sleepUnlessCancelled(args, decision.delayMs))) return { kind: "done", result: cancelledResult(attempts) };
      continue;
    }
    record(args, lane, outcome);
    if (decision.action === "stop") return { kind: "done", result: { ok: false, outcome, attempts, retryAt: null } };
    return { kind: "next", outcome };
  }
}

/**
 * Another request's outcome paused the lane while this attempt ran (its engine stopped answering,
 * its window ran out): a retry there is not worth it, the next lane is.
 */
function pausedMeanwhile<R>(args: RunArgs<R>, lane: string): boolean {
  const rec = args.getRecord(lane);
  return rec !== undefined && effectiveRecord(rec, args.now()).state !== "ready";
}

function decide<R>(args: RunArgs<R>, outcome: Outcome, retries: number, probe: boolean, committed: boolean, attemptsMade: number): RetryDecision {
  if (committed) return { action: "stop" };
  const d = retryDecision(outcome, retries, args.policy, args.random, { probe });
  return d.action === "retry" && attemptsMade >= args.policy.maxAttempts ? { action: "next" } : d;
}

function record<R>(args: RunArgs<R>, lane: string, outcome: Outcome): void {
  const now = args.now();
  const before = args.getRecord(lane) ?? initialRecord(lane, now);
  const after = applyOutcome(before, outcome, now, args.policy);
  if (after !== before) args.setRecord(after);
}

async function sleepUnlessCancelled<R>(args: RunArgs<R>, ms: number): Promise<boolean> {
  if (args.signal?.aborted) return false;
  try {
    await args.sleep(ms, args.signal);
  } catch (err) {
    if (args.signal?.aborted) return false;
    throw err;
  }
  return !args.signal?.aborted;
}

function recordsOf<R>(args: RunArgs<R>): Record<string, LaneRecord | undefined> {
  const out: Record<string, LaneRecord | undefined> = {};
  for (const s of args.specs) out[s.name] = args.getRecord(s.name);
  return out;
}

function retryAtOf<R>(args: RunArgs<R>, tried: ReadonlySet<string>): number | null {
  const all = new Set([...tried, ...args.specs.map((s) => s.name)]);
  const none = pick({ specs: args.specs, records: recordsOf(args), model: args.model, now: args.now(), tried: all });
  return none.kind === "none" ? none.retryAt : null;
}

function noLaneResult<R>(
  args: RunArgs<R>,
  choice: Extract<PickResult, { kind: "none" }>,
  attempts: AttemptRecord[],
  last: Outcome | undefined,
): RunResult<R> {
  const fail = (outcome: Outcome): RunResult<R> => ({ ok: false, outcome, attempts, retryAt: choice.retryAt });
  if (choice.reason === "unknown_model") {
    return fail({ class: "model_not_served", code: "unknown_model", message: `No lane serves the model "${args.model}". Check the model name, or add it to a lane's models in the config.` });
  }
  if (choice.reason === "needs_login") {
    const names = lanesForModel(args.specs, args.model).map((s) => s.name);
    return fail({
      class: "unauthorized",
      code: "needs_login",
      message: `Every lane serving "${args.model}" needs sign-in. Run \`codex-lanes login <lane>\` (lanes: ${names.join(", ")}).`,
    });
  }
  // This run's own failure says more than "exhausted" when it was not about limits or sign-in:
  // the client should see the upstream outage or the model refusal it ran into.
  if (last && last.class !== "usage_limit" && last.class !== "unauthorized") return fail(last);
  return fail(exhausted(args, choice.retryAt));
}

function exhausted<R>(args: RunArgs<R>, retryAt: number | null): Outcome {
  if (retryAt === null) {
    return {
      class: "usage_limit",
      code: "all_lanes_exhausted",
      message: `Every lane serving "${args.model}" is unavailable (cooling down, signed out or disabled) and none comes back by itself. Check \`codex-lanes lanes\`.`,
    };
  }
  const now = args.now();
  return {
    class: "usage_limit",
    code: "all_lanes_exhausted",
    message: `Every lane serving "${args.model}" is cooling down. The first one is back at ${formatUtc(retryAt)}; retry then.`,
    resetsAt: retryAt,
    retryAfterMs: Math.max(0, retryAt - now),
  };
}

function cancelledResult<R>(attempts: AttemptRecord[]): RunResult<R> {
  return { ok: false, outcome: cancelledOutcome(), attempts, retryAt: null };
}

function noAttemptsLeft(): Outcome {
  return { class: "transient", code: "max_attempts", message: "No attempt was allowed (policy.maxAttempts is 0)." };
}
