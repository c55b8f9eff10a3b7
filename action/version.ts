// The Codex CLI version a direct lane runs when `codex-version` is empty: the one this repository
// pins in package.json. A test keeps the two equal, so bumping the pin without this fails CI.
export const PINNED_CODEX_VERSION = "0.169.0";

/** Shown in the User-Agent of gateway requests and in the job summary. */
export const ACTION_NAME = "codex-lanes-action";
