// The `/backend-api/codex/models` catalog the fake serves. Entries follow the shape of the
// catalog bundled in the 0.169 binary (`codex debug models --bundled`), trimmed to what the
// client needs; display names start with "Fake" so a test can tell the fake catalog from the
// bundled fallback.

function entry(slug: string, displayName: string, priority: number, defaultEffort: string): Record<string, unknown> {
  return {
    slug,
    display_name: displayName,
    description: `Fake ${slug} served by the codex-lanes test backend.`,
    default_reasoning_level: defaultEffort,
    supported_reasoning_levels: [
      { effort: 'low', description: 'Fast responses with lighter reasoning' },
      { effort: 'medium', description: 'Balances speed and reasoning depth for everyday tasks' },
      { effort: 'high', description: 'Greater reasoning depth for complex problems' },
      { effort: 'xhigh', description: 'Extra high reasoning depth for complex problems' },
    ],
    shell_type: 'unified_exec',
    visibility: 'list',
    supported_in_api: true,
    priority,
    additional_speed_tiers: [],
    service_tiers: [],
    availability_nux: null,
    upgrade: null,
    model_messages: null,
    include_skills_usage_instructions: false,
    include_plugin_usage_instructions: false,
    include_apps_usage_instructions: false,
    default_reasoning_summary: 'none',
    support_verbosity: true,
    default_verbosity: 'low',
    apply_patch_tool_type: 'freeform',
    web_search_tool_type: 'text',
    truncation_policy: { mode: 'tokens', limit: 10000 },
    supports_image_detail_original: true,
    context_window: 272000,
    max_context_window: 272000,
    effective_context_window_percent: 95,
    experimental_supported_tools: [],
    input_modalities: ['text', 'image'],
    supports_search_tool: false,
    supports_experimental_context: false,
    use_responses_lite: false,
    supports_reasoning_effort_updates: false,
    node_repl_auto_review_required: false,
    node_repl_disabled: false,
    base_instructions: 'You are a fake model used by codex-lanes tests.',
  };
}

export const FAKE_MODEL_IDS = ['gpt-6.1-sol', 'gpt-5.5'] as const;

export function modelsCatalog(): { models: Array<Record<string, unknown>> } {
  return {
    models: [
      entry('gpt-6.1-sol', 'Fake GPT-6.1-Sol', 1, 'low'),
      entry('gpt-5.5', 'Fake GPT-5.5', 13, 'medium'),
    ],
  };
}
