// How every Codex process starts: chat only, nothing from the account leaking into another,
// nothing of ours leaking into Codex. Rules from DESIGN.md "Driving Codex"; flags from reference
// §5.1 and §8.4. Features and environment are both allowlists: a new pin or a new variable in the
// gateway's environment never reaches Codex by default.

/**
 * Every feature `codex features list` of the pinned binary shows as on by default (removed ones
 * aside: they cannot be switched), classified. `keep` says why a chat turn needs it; every other one
 * is disabled. test/codex-hardening.test.ts fails when a new pin brings an unclassified one.
 */
export const DEFAULT_ON_FEATURES: Record<string, { keep: string } | "off"> = {
  enable_request_compression: { keep: "compresses request bodies on the HTTPS path; no behaviour the model sees" },
  system_proxy_fallback: { keep: "honours the host's proxy settings, as the proxy variables we pass through do" },
  instant_interrupt: { keep: "turn/interrupt takes effect at once; a client's disconnect relies on it" },
  reasoning_effort_override: { keep: "a request's reasoning_effort is applied per turn" },
  retain_client_tool_outputs: { keep: "tool results the client sends back stay in the history" },
  content_item_kinds: { keep: "input content parts (text, images) as the Responses API takes them" },
  api_key_cyber_access_programs: "off",
  api_key_model_discovery: "off",
  apps: "off",
  auth_elicitation: "off",
  bedrock_setup_wizard: "off",
  browser_annotation_api: "off",
  browser_use: "off",
  browser_use_external: "off",
  browser_use_full_cdp_access: "off",
  cli_daybreak: "off",
  code_mode_host: "off",
  code_mode_host_grpc: "off",
  code_mode_host_output_truncation: "off",
  code_mode_interrupt: "off",
  compaction_image_budget: "off",
  computer_use: "off",
  daemon_auto_start: "off",
  deferred_tool_world_state: "off",
  fast_mode: "off",
  goals: "off",
  guardian_approval: "off",
  guardian_include_additional_context: "off",
  guardian_reuse_parent_compaction: "off",
  hooks: "off",
  image_generation: "off",
  in_app_browser: "off",
  in_app_chat: "off",
  in_app_dictation: "off",
  in_app_local_automation: "off",
  in_app_updates: "off",
  in_app_voice: "off",
  incremental_tools: "off",
  incremental_tools_legacy_gcp: "off",
  mcp_oauth_refresh_coordination: "off",
  mentions_v2: "off",
  // The multi_agent_v1 namespace note and tool_search (reference §8.4).
  multi_agent: "off",
  plugin_sharing: "off",
  plugins: "off",
  prediction_preserve_parent_tools: "off",
  remote_plugin: "off",
  // Runs the user's login shell (`bash -lc`, sourcing rc files) for every thread.
  shell_snapshot: "off",
  shell_tool: "off",
  skill_mcp_dependency_install: "off",
  skill_search: "off",
  sleep_tool: "off",
  tool_call_mcp_elicitation: "off",
  tool_suggest: "off",
  ultrafast_mode: "off",
  // An unreachable upstream then fails the turn (transient: the next lane) instead of retrying forever.
  unbounded_connection_retries: "off",
  unified_exec: "off",
  unified_exec_tty: "off",
  unified_image_budget: "off",
  untrusted_as_tool_output: "off",
  view_image: "off",
  workspace_dependencies: "off",
  write_stdin_approval: "off",
};

/** Config every codex process gets before the lane's own overrides. */
const BASE_CONFIG: Record<string, string | number | boolean> = {
  "analytics.enabled": false,
  web_search: "disabled",
  approval_policy: "never",
  sandbox_mode: "read-only",
  // One file-backed credential store per CODEX_HOME: the account's only copy of its refresh token.
  cli_auth_credentials_store: "file",
  // The model sees the client's conversation, not Codex's coding-agent preamble (reference §8.4).
  "skills.include_instructions": false,
  include_environment_context: false,
  include_permissions_instructions: false,
  // Plain `tools.experimental_request_user_input=false` makes the app-server exit at start.
  "tools.experimental_request_user_input.enabled": false,
};

/** Variables a Codex child may get from the gateway's environment; everything else stays behind. */
const PASSED_ENV = [
  /^(PATH|HOME|USER|LOGNAME|TMPDIR|LANG|LANGUAGE)$/,
  /^LC_[A-Z_]+$/,
  // Codex's own settings (CA, issuer and URL overrides, log level), but never a credential or ours.
  /^CODEX_(?!API_KEY$|ACCESS_TOKEN$|LANES_)[A-Z0-9_]+$/,
  /^RUST_(LOG|BACKTRACE)$/,
  /^(SSL_CERT_FILE|SSL_CERT_DIR|REQUESTS_CA_BUNDLE|CURL_CA_BUNDLE|NODE_EXTRA_CA_CERTS)$/,
  /^(HTTP_PROXY|HTTPS_PROXY|ALL_PROXY|NO_PROXY|http_proxy|https_proxy|all_proxy|no_proxy)$/,
];

/** Never passed, even when a lane's own `env` names them: an API key would silently replace the ChatGPT sign-in. */
const NEVER_PASSED = ["CODEX_API_KEY", "CODEX_ACCESS_TOKEN", "OPENAI_API_KEY"];

export interface CodexProcessSpec {
  home: string;
  config: Record<string, string | number | boolean>;
  env: Record<string, string>;
}

/** A TOML literal for a `-c key=value` override. JSON strings are valid TOML basic strings. */
export function tomlValue(value: string | number | boolean): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

export function disabledFeatures(): string[] {
  return Object.entries(DEFAULT_ON_FEATURES)
    .filter(([, v]) => v === "off")
    .map(([name]) => name);
}

export function configArgs(overrides: Record<string, string | number | boolean>): string[] {
  const merged = { ...BASE_CONFIG, ...overrides };
  const args: string[] = [];
  for (const f of disabledFeatures()) args.push("--disable", f);
  for (const [k, v] of Object.entries(merged)) args.push("-c", `${k}=${tomlValue(v)}`);
  return args;
}

export function childEnv(spec: CodexProcessSpec, parent: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(parent)) {
    if (v !== undefined && PASSED_ENV.some((re) => re.test(k))) env[k] = v;
  }
  Object.assign(env, spec.env);
  for (const k of NEVER_PASSED) delete env[k];
  env.CODEX_HOME = spec.home;
  // Reset times in exec's messages are printed in local time; we parse them as UTC.
  env.TZ = "UTC";
  env.NO_COLOR = "1";
  return env;
}
