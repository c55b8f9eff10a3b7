// The lane core's public API. Pure TypeScript: the gateway and the GitHub Action both bundle it.

export * from "./types";
export { initialRecord, effectiveRecord, applyOutcome, applyRateLimits, markSignedIn, disable, enable, MAX_USED_PERCENT_CODE } from "./state";
export { pick, servesModel, lanesForModel, type PickInput, type PickResult, type NoLaneReason } from "./pick";
export { classifyCodexError, classifyExecFailure, classifyHttp, parseRetryAfter, type CodexErrorInput, type HeaderBag } from "./classify";
export { parseResetFromMessage } from "./reset-time";
export { backoffDelay, retryDecision, type RetryDecision } from "./retry";
export { runLanes, type RunArgs, type RunResult, type AttemptInfo, type AttemptResult } from "./run";
export { formatUtc, safeMessage } from "./format";
export { JWT, looksSecret, maskTokens, SECRET_PATTERNS } from "./secret-patterns";
