// What the workflow's author reads: why each attempt moved on, the message a failed step ends
// with (always saying what to do), and the job summary (the lane that served, every attempt,
// tokens, duration), on success and on failure alike.

import type { Usage } from "../gateway/chat/types";
import { formatUtc, type AttemptRecord, type Outcome } from "../gateway/lanes";

export interface Attempt extends AttemptRecord {
  /** The full outcome, for the summary's "what happened" column and the failure message. */
  detail: Outcome;
}

export interface RunReport {
  ok: boolean;
  lane: string | null;
  /** Gateway lane: the account lane inside the gateway that served. */
  innerLane?: string;
  text?: string;
  usage: Usage | null;
  attempts: Attempt[];
  skipped: string[];
  /** Things the author must act on even after a success (a spent refresh token). */
  warnings: string[];
  durationMs: number;
  /** The step's error message, when it failed. */
  failure?: string;
  codexVersion: string | null;
}

/** One line on why an attempt did not serve, with what to do where there is something to do. */
export function whyMovedOn(lane: string, o: Outcome): string {
  const reset = o.resetsAt !== undefined ? `; resets ${formatUtc(o.resetsAt)}` : "";
  switch (o.class) {
    case "ok":
      return "served";
    case "usage_limit":
      return `usage limit (${o.code})${reset}`;
    case "unauthorized":
      return `${unauthorizedHint(lane, o)} (${o.code})`;
    case "transient":
      return `${o.message}${hintFor(o.code)}`;
    case "client_error":
      return `refused the request: ${o.message}`;
    case "model_not_served":
      return `does not serve this model: ${o.message}`;
    case "cancelled":
      return "cancelled";
  }
}

function unauthorizedHint(lane: string, o: Outcome): string {
  if (lane === "gateway") return "the gateway refused the key: check the gateway-key secret (`codex-lanes keys list`)";
  if (lane === "api-key") return "OpenAI refused the API key: check the openai-api-key secret";
  if (o.code === "refresh_token_reused") {
    return "this sign-in's refresh token was already used elsewhere (a copied auth.json): run `codex login` again, update codex-auth-json, and use each credential in one job stream only";
  }
  return "the ChatGPT sign-in expired or was revoked: run `codex login` on a trusted machine and update codex-auth-json";
}

function hintFor(code: string): string {
  switch (code) {
    case "unreachable":
      return " Check gateway-url and that the gateway is up (GET /healthz answers without a key).";
    case "codex_crashed":
      return " Codex's own output is in the log above; re-run the job, and if it keeps crashing try another codex-version.";
    case "timeout":
      return " Raise timeout-minutes, or give Codex a smaller task.";
    default:
      return "";
  }
}

/** The step's error message when no lane served. */
export function failureMessage(outcome: Outcome, attempts: Attempt[], retryAt: number | null, now: number): string {
  const last = attempts.at(-1);
  const tried = triedList(attempts);
  if (outcome.class === "client_error") {
    const status = outcome.status !== undefined ? ` (HTTP ${outcome.status})` : "";
    return (
      `The ${last?.lane ?? "lane"} lane refused the request${status}: ${outcome.message} ` +
      "This is a problem with the request itself, so no other lane was tried: change the prompt or the inputs."
    );
  }
  if (outcome.class === "cancelled") return "The run was cancelled.";
  if (outcome.class === "model_not_served") return `No lane serves the model: ${outcome.message} Check the "model" input.`;
  if (outcome.class === "usage_limit" || outcome.class === "unauthorized") {
    const resets = [retryAt, ...attempts.map((a) => a.detail.resetsAt ?? null)].filter((t): t is number => t !== null && t > now);
    const when = resets.length > 0 ? ` The earliest usage window resets at ${formatUtc(Math.min(...resets))}: re-run the job after that,` : " Re-run the job later,";
    const signIn = attempts.filter((a) => a.outcome === "unauthorized").map((a) => `${a.lane}: ${unauthorizedHint(a.lane, a.detail)}.`);
    return `Every lane is out of its usage window or signed out. Tried: ${tried}.${when} or add another lane (openai-api-key as the last one).${signIn.length ? ` ${signIn.join(" ")}` : ""}`;
  }
  const lane = last?.lane ?? "?";
  return `No lane could serve. Tried: ${tried}. The last failure, on lane ${lane}: ${outcome.message}${hintFor(outcome.code)}`;
}

/** "gateway (unreachable ×2), chatgpt-1 (usage_limit_reached)": retries on one lane folded together. */
function triedList(attempts: Attempt[]): string {
  const groups: { text: string; count: number }[] = [];
  for (const a of attempts) {
    const text = `${a.lane} (${a.code ?? a.outcome}`;
    const prev = groups.at(-1);
    if (prev && prev.text === text) prev.count++;
    else groups.push({ text, count: 1 });
  }
  return groups.map((g) => `${g.text}${g.count > 1 ? ` ×${g.count}` : ""})`).join(", ");
}

export function summaryMarkdown(r: RunReport): string {
  const parts: string[] = [];
  const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  if (r.ok) {
    const inner = r.innerLane ? ` (gateway lane <code>${esc(r.innerLane)}</code>)` : "";
    parts.push(`<h2>Codex lanes: served by <code>${esc(r.lane ?? "")}</code>${inner}</h2>`);
  } else {
    parts.push("<h2>Codex lanes: failed</h2>", `<p>${esc(r.failure ?? "")}</p>`);
  }
  const facts = [`Duration: ${secs(r.durationMs)}`];
  if (r.codexVersion) facts.push(`Codex CLI ${esc(r.codexVersion)}`);
  if (r.usage) facts.push(`Tokens: ${tokens(r.usage)}`);
  parts.push(`<p>${facts.join(" · ")}</p>`);
  if (r.attempts.length > 0) parts.push(attemptTable(r.attempts, secs));
  for (const w of r.warnings) parts.push(`<p><strong>Warning:</strong> ${esc(w)}</p>`);
  if (r.skipped.length > 0) parts.push(`<p>Not used: ${r.skipped.map(esc).join("; ")}.</p>`);
  if (r.ok && r.text !== undefined) parts.push("", "### Final message", "", r.text);
  return `${parts.join("\n")}\n`;
}

function attemptTable(attempts: Attempt[], secs: (ms: number) => string): string {
  const rows = attempts.map(
    (a, i) =>
      `<tr><td>${i + 1}</td><td><code>${esc(a.lane)}</code></td><td>${esc(a.outcome)}</td><td>${esc(a.code ?? "")}</td>` +
      `<td>${secs(a.ms)}</td><td>${esc(whyMovedOn(a.lane, a.detail))}</td></tr>`,
  );
  return [
    "<table>",
    "<tr><th>#</th><th>Lane</th><th>Outcome</th><th>Code</th><th>Time</th><th>What happened</th></tr>",
    ...rows,
    "</table>",
  ].join("\n");
}

function tokens(u: Usage): string {
  return `input ${u.input_tokens} (cached ${u.cached_input_tokens}), output ${u.output_tokens} (reasoning ${u.reasoning_tokens})`;
}

function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
}
