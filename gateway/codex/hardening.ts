// How every Codex process is started: chat only, nothing from the account leaking into another,
// nothing of ours leaking into Codex. Rules from DESIGN.md "Driving Codex"; flags from reference §5.1.

/** Features that give the model tools or make background calls a chat backend does not want. */
const DISABLED_FEATURES = [
  "shell_tool",
  "apps",
  "plugins",
  "remote_plugin",
  "image_generation",
  "view_image",
  "goals",
  "sleep_tool",
];

/** Config every codex process gets before the lane's own overrides. */
const BASE_CONFIG: Record<string, string | number | boolean> = {
  "analytics.enabled": false,
  web_search: "disabled",
  approval_policy: "never",
  sandbox_mode: "read-only",
  // One file-backed credential store per CODEX_HOME: the account's only copy of its refresh token.
  cli_auth_credentials_store: "file",
};

/** Variables never passed to a codex child: they would override ChatGPT auth or leak our secrets. */
const SCRUBBED = /^(CODEX_API_KEY|CODEX_ACCESS_TOKEN|OPENAI_API_KEY|OPENAI_BASE_URL|CODEX_LANES_.*|WORKER_TOKEN_.*)$/;

export interface CodexProcessSpec {
  home: string;
  config: Record<string, string | number | boolean>;
  env: Record<string, string>;
}

/** A TOML literal for a `-c key=value` override. JSON strings are valid TOML basic strings. */
export function tomlValue(value: string | number | boolean): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

export function configArgs(overrides: Record<string, string | number | boolean>): string[] {
  const merged = { ...BASE_CONFIG, ...overrides };
  const args: string[] = [];
  for (const f of DISABLED_FEATURES) args.push("--disable", f);
  for (const [k, v] of Object.entries(merged)) args.push("-c", `${k}=${tomlValue(v)}`);
  return args;
}

export function childEnv(spec: CodexProcessSpec, parent: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(parent)) {
    if (v !== undefined && !SCRUBBED.test(k)) env[k] = v;
  }
  Object.assign(env, spec.env);
  // Even when a lane's own env names them: an API key would silently replace the ChatGPT sign-in.
  delete env.CODEX_API_KEY;
  delete env.OPENAI_API_KEY;
  env.CODEX_HOME = spec.home;
  // Reset times in exec's messages are printed in local time; we parse them as UTC.
  env.TZ = "UTC";
  env.NO_COLOR = "1";
  return env;
}
