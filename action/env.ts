// The environment of every process the action starts (npm, codex). Codex may run commands from
// the repository, and whatever is in its environment is theirs to read, so it never holds other
// inputs (credentials of other lanes), the runner's own tokens, or variables that would override
// the lane's credentials.

const SCRUBBED = /^(INPUT_.*|STATE_.*|ACTIONS_RUNTIME_TOKEN|ACTIONS_ID_TOKEN_REQUEST_TOKEN|ACTIONS_ID_TOKEN_REQUEST_URL|CODEX_API_KEY|CODEX_ACCESS_TOKEN|OPENAI_API_KEY|CODEX_HOME)$/i;

export function scrubbedEnv(parent: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(parent)) if (v !== undefined && !SCRUBBED.test(k)) env[k] = v;
  return env;
}
