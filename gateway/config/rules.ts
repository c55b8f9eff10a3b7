// Rules the gateway's config shares with the Pulumi program, which checks a stack's accounts (its
// codex lanes) before it creates anything: one home, so the two cannot drift. Pure data.

/** A lane name: also an account's worker container, volume and DNS name in a deployment. */
export const LANE_NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;

/** Turns a codex lane runs at once. */
export const CODEX_CONCURRENCY = { min: 1, max: 64, default: 2 } as const;
