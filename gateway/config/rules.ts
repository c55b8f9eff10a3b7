// Rules the gateway's config shares with the Pulumi program, which checks a stack's accounts (its
// codex lanes) before it creates anything: one home, so the two cannot drift. Pure data.

/** A lane name: also an account's worker container, volume and DNS name in a deployment. */
export const LANE_NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;

/**
 * How long the gateway keeps an idle client connection open. A proxy in front (Caddy in a
 * deployment) must let its idle connections to the gateway go sooner: one it reused just as the
 * gateway closed it would fail a POST with a 502 (Node's own default, 5 s, is shorter than any
 * proxy's). pulumi/caddyfile.ts sets Caddy's from this.
 */
export const GATEWAY_KEEP_ALIVE_MS = 75_000;

/** Turns a codex lane runs at once. */
export const CODEX_CONCURRENCY = { min: 1, max: 64, default: 2 } as const;
