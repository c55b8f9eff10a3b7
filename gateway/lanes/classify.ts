// Every classifier in one place: app-server errors, `codex exec` failure text, HTTP answers.
export { classifyCodexError, type CodexErrorInput } from "./classify-codex";
export { classifyExecFailure } from "./classify-exec";
export { classifyHttp, parseRetryAfter, type HeaderBag } from "./classify-http";
