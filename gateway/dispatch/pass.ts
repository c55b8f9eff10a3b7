// Pass-through: every /v1 route the gateway does not serve itself goes to the first API-key lane
// that is ready and may take the route (its `routes`), with the same failover loop, queue and
// request log as chat. Codex lanes are never tried. The answer streams back as it arrives; its
// row is written when the last byte went out (or the client left), with usage read from the tail.

import { apiCostUsd } from "../config/prices";
import type { LaneConfig, OpenAILaneConfig } from "../config/types";
import { CLIENT_CLOSED, outcomeToApiError, toApiError, type ApiError } from "../errors/api-error";
import { runLanes, type AttemptResult } from "../lanes/run";
import { cancelledOutcome, type Outcome } from "../lanes/types";
import type { NewRequestRow } from "../store";
import type { ForwardResponse, ForwardResult } from "../chat/lane-adapter";
import { queueRow, type RunContext } from "./chat-run";
import { LanesFailedError, NoPassLaneError, ShuttingDownError } from "./errors";
import { oneChunk, servedBody, type PassBody } from "./pass-body";
import { passLogFields, passModel, passRow, type PassEnd } from "./pass-row";
import type { ReplayableBody } from "./replay";
import { linkedAbort, type LinkedAbort } from "../async/abort";
import { takeSlot } from "./slots";
import { toOutcome } from "./turn";

export interface PassInput {
  requestId: string;
  keyName: string | null;
  receivedAt: number;
  /** Aborted when the client disconnects. */
  signal: AbortSignal;
  /** The route's name: "embeddings", "audio.speech", "files", ... (see routeName in gateway/http/pass.ts). */
  route: string;
  method: string;
  /** Below /v1, with the query. */
  path: string;
  headers: Record<string, string>;
  body: ReplayableBody | null;
  contentLength: number | null;
  /** From a JSON body or a multipart form, when the client named one. */
  model: string | null;
  stream: boolean;
}

/** The client's answer: the upstream's (streamed; read it to the end or cancel it) or the gateway's error. */
export type PassOutcome =
  | { kind: "response"; lane: string; status: number; headers: Record<string, string>; body: PassBody }
  | { kind: "error"; error: ApiError };

export type { PassBody } from "./pass-body";

/** The dispatcher's parts and state, the same a chat run gets (chat-run.ts). */
export type PassDeps = RunContext;

/** Routes the gateway answers itself; they are never passed through. */
export const OWN_ROUTES: readonly string[] = ["chat.completions", "responses", "models"];

interface Attempting {
  queueMs: number;
  /** The last attempt's upstream answer when it was an error: passed back unchanged when it is the final word. */
  last: { lane: string; status: number; headers: Record<string, string>; body: Buffer } | null;
  served: { lane: string; release: () => void; response: ForwardResponse } | null;
  attempts: NewRequestRow["attempts"];
}

export function createPass(deps: PassDeps): (input: PassInput) => Promise<PassOutcome> {
  return (input) => pass(deps, input);
}

/** One request: the failover run, then the served answer's body, or the error and its row. */
async function pass(deps: PassDeps, input: PassInput): Promise<PassOutcome> {
  const ctl = linkedAbort(input.signal);
  const end = inProgress(deps, input, ctl);
  const at: Attempting = { queueMs: 0, last: null, served: null, attempts: [] };
  let out: PassOutcome | "served";
  try {
    out = await run(deps, input, ctl, at);
  } catch (err) {
    out = { kind: "error", error: errorOf(deps, err, input) };
    await writeRow(deps, input, at, { lane: null, status: out.error.status, error: out.error.code });
  }
  if (out === "served" && at.served) {
    const { lane, response } = at.served;
    return { kind: "response", lane, status: response.status, headers: response.headers, body: bodyOf(deps, input, at.served, at, end) };
  }
  end();
  return out as PassOutcome;
}

/** Registers the request so a shutdown waits for it (and cancels it after its grace); the returned end() lets go. */
function inProgress(deps: PassDeps, input: PassInput, ctl: LinkedAbort): () => void {
  let finish!: () => void;
  const handle = {
    abort() {
      ctl.abort(new ShuttingDownError());
    },
    done: new Promise<void>((r) => (finish = r)),
  };
  deps.inProgress.add(handle);
  return () => {
    deps.inProgress.delete(handle);
    ctl.dispose();
    void input.body?.dispose();
    finish();
  };
}

/** The failover run over the route's lanes: "served" when a lane answered, else the final word. */
async function run(deps: PassDeps, input: PassInput, ctl: LinkedAbort, at: Attempting): Promise<PassOutcome | "served"> {
  const { book, now } = deps;
  if (deps.closing()) throw new ShuttingDownError();
  const names = new Set(passLanes(deps.config.lanes, input).map((l) => l.name));
  const res = await runLanes<true>({
    specs: book.specs(now()).filter((s) => names.has(s.name)).map((s) => ({ ...s, models: "*" as const })),
    model: input.route,
    policy: deps.policy,
    now,
    sleep: deps.sleep,
    random: deps.random,
    signal: ctl.signal,
    getRecord(n) {
      return book.record(n);
    },
    setRecord(r) {
      book.setRecord(r);
    },
    attempt(lane) {
      return attempt(deps, lane, input, ctl.signal, at);
    },
  });
  at.attempts = res.attempts;
  if (res.ok && at.served) return "served";
  const outcome = res.ok ? ({ class: "transient", code: "incomplete_turn", message: "The lane answered without a response." } as Outcome) : res.outcome;
  return finalWord(deps, input, at, outcome, res.ok ? null : res.retryAt);
}

/** What the client gets when no lane served: the upstream's own answer when it is about the request or the upstream, else the gateway's error. */
async function finalWord(deps: PassDeps, input: PassInput, at: Attempting, outcome: Outcome, retryAt: number | null): Promise<PassOutcome> {
  const l = at.last;
  if (l && ["client_error", "model_not_served", "transient"].includes(outcome.class) && at.attempts.at(-1)?.lane === l.lane) {
    await writeRow(deps, input, at, { lane: l.lane, status: l.status, error: outcome.code });
    return { kind: "response", lane: l.lane, status: l.status, headers: l.headers, body: oneChunk(l.body) };
  }
  if (outcome.class === "cancelled" && deps.closing() && !input.signal.aborted) throw new ShuttingDownError();
  const api = outcome.class === "cancelled" ? cancelledApi() : outcomeToApiError(explain(deps, outcome, input.route), retryAt, deps.now());
  await writeRow(deps, input, at, { lane: null, status: api.status, error: api.code });
  return { kind: "error", error: api };
}

/** One lane: wait for its slot, forward the request; a served answer keeps the slot until it has gone out. */
async function attempt(deps: PassDeps, lane: string, input: PassInput, signal: AbortSignal, at: Attempting): Promise<AttemptResult<true>> {
  const entry = deps.book.get(lane);
  const release = await takeSlot(entry.slots, signal, deps.now, at);
  if (!release) return { outcome: cancelledOutcome() };
  at.last = null;
  let res: ForwardResult;
  try {
    res = await entry.adapter.forward!(
      { method: input.method, path: input.path, headers: input.headers, body: input.body ? (input.body.whole() ?? input.body.open()) : null, contentLength: input.contentLength, requestId: input.requestId },
      { signal },
    );
  } catch (err) {
    release();
    throw err;
  }
  // The client's body failing (too large, the client gone) is no lane's fault: stop here.
  if (input.body?.error) {
    release();
    if (res.ok) res.response.cancel();
    throw input.body.error;
  }
  if (res.ok) {
    at.served = { lane, release, response: res.response };
    return { outcome: { class: "ok", code: "ok", message: "" }, result: true };
  }
  release();
  if (res.response) at.last = { lane, ...res.response };
  return { outcome: toOutcome(res.error) };
}

/** The served answer's body; when it ends either way the slot is released and the row written. */
function bodyOf(deps: PassDeps, input: PassInput, served: NonNullable<Attempting["served"]>, at: Attempting, end: () => void): PassBody {
  const firstByteAt = deps.now();
  return servedBody(served.response, input.signal, (e) => {
    served.release();
    const status = e.status === "cancelled" ? CLIENT_CLOSED : served.response.status;
    const written = writeRow(deps, input, at, { lane: served.lane, status, error: e.code, rowStatus: e.status, firstByteAt, usage: e.usage, model: e.model });
    end();
    return written;
  });
}

/** Books the answer's cost against its lane's spend, logs the request and queues its row; resolves once committed. */
function writeRow(deps: PassDeps, input: PassInput, at: Attempting, end: PassEnd): Promise<void> {
  const t = deps.now();
  const model = passModel(input, end.model);
  const costUsd = end.usage && end.lane ? apiCostUsd(model, end.usage, deps.config.prices) : 0;
  if (costUsd > 0 && end.lane) deps.book.addSpend(end.lane, costUsd, t);
  const row = passRow(input, end, { at: t, model, costUsd, attempts: at.attempts, queueMs: at.queueMs });
  deps.log.info(input.route, passLogFields(row, input.method));
  return queueRow(deps, row);
}

/**
 * The lane core speaks of models; here the "model" is the route. Lanes it skipped as disabled
 * (no key, or past the spend cap) are named with their fix.
 */
function explain(deps: PassDeps, outcome: Outcome, route: string): Outcome {
  const stuck = outcome.code === "unknown_model" || outcome.code === "all_lanes_exhausted" || outcome.class === "unauthorized";
  if (!stuck) return outcome;
  const names = new Set(passLanes(deps.config.lanes, { route }).map((l) => l.name));
  const views = deps.book.views(deps.now()).filter((v) => names.has(v.name));
  const keyless = views.filter((v) => v.code === "no_api_key");
  if (keyless.length > 0) {
    const parts = keyless.map((v) => `lane '${v.name}' needs an API key: run \`${v.fix}\``);
    return { class: "unauthorized", code: "needs_api_key", message: `No API-key lane can pass "${route}" through until it has a key: ${parts.join("; ")}.` };
  }
  if (outcome.code === "unknown_model") {
    return { class: "usage_limit", code: "all_lanes_exhausted", message: `Every API-key lane that may pass "${route}" through is disabled (monthly spend cap reached); see \`codex-lanes lanes\`.` };
  }
  return outcome;
}

function errorOf(deps: PassDeps, err: unknown, input: PassInput): ApiError {
  if (input.signal.aborted) return cancelledApi();
  if (err instanceof LanesFailedError && err.outcome.class === "cancelled") return cancelledApi();
  const api = toApiError(err, deps.now());
  if (api.code === "internal_error") deps.log.error("pass-through failed inside the gateway", { requestId: input.requestId, err });
  return api;
}

/** The API-key lanes that may take this route, in fallback order; a NoPassLaneError naming the fix when there are none. */
export function passLanes(lanes: readonly LaneConfig[], input: Pick<PassInput, "route"> & Partial<Pick<PassInput, "method" | "path">>): OpenAILaneConfig[] {
  const keyed = lanes.filter((l): l is OpenAILaneConfig => l.type === "openai");
  const allowed = keyed.filter((l) => allows(l.routes, input.route));
  if (allowed.length > 0) return allowed;
  const what = input.method && input.path ? `${input.method} /v1${input.path.split("?")[0]}` : `"${input.route}"`;
  if (keyed.length === 0) {
    throw new NoPassLaneError(
      `${what} is not served by the gateway itself; it is passed through to an API-key lane, and this gateway has none. ` +
        `Add a lane { "name": "api", "type": "openai" } (its key from OPENAI_API_KEY) to the config's "lanes", or call the OpenAI API directly for this route.`,
      "no_api_key_lane",
    );
  }
  const lists = keyed.map((l) => `'${l.name}' (${l.routes === "*" ? "*" : l.routes.join(", ")})`).join(", ");
  throw new NoPassLaneError(
    `No API-key lane may pass ${what} through (route "${input.route}"): the lanes' "routes" are ${lists}. ` +
      `Add "${input.route}" to a lane's "routes" in the config, or send this route to an upstream that serves it.`,
    "route_not_allowed",
  );
}

/** "*" allows everything; "audio" allows "audio.speech"; "embeddings" allows only itself. */
export function allows(routes: readonly string[] | "*", route: string): boolean {
  if (routes === "*") return true;
  return routes.some((r) => r === route || route.startsWith(`${r}.`));
}

function cancelledApi(): ApiError {
  return outcomeToApiError(cancelledOutcome(), null, 0);
}
