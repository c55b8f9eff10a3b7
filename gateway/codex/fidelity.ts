// What Codex still puts before the model on a chat turn after every switch it offers (reference
// §8.4, checked by test/codex-fidelity.test.ts). Operators see it in /admin/lanes; README lists it.

export const CODEX_ADDS: readonly string[] = [
  "the apply_patch tool: only a replaced model catalog (model_catalog_json) removes it, and that would hide the account's live catalog",
  "one warm-up request per thread (generate:false, empty input) before the real one",
  "request fields: reasoning.effort, text.verbosity (the model catalog's default), include: reasoning.encrypted_content, tool_choice, parallel_tool_calls, prompt_cache_key, client_metadata",
  "system messages arrive as developer messages",
];
