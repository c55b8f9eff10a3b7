// Names, ports and paths the deployed containers agree on. They mirror the product's contracts
// (DESIGN.md: config file, worker protocol); change them only together with the gateway and the images.

export const PROJECT = "codex-lanes";

export const GATEWAY_PORT = 8787;
export const WORKER_PORT = 8790;

export const GATEWAY_CONTAINER = "codex-lanes-gateway";
export const CADDY_CONTAINER = "codex-lanes-caddy";
export const NETWORK_NAME = "codex-lanes";

export const GATEWAY_CONFIG_PATH = "/etc/codex-lanes/config.json";
export const GATEWAY_DATA_DIR = "/data";
export const WORKER_CODEX_HOME = "/codex-home";

/** Copied into both images by the Dockerfile. */
export const HEALTHCHECK_SCRIPT = "/app/scripts/containers/healthcheck.cjs";

/** The one Dockerfile (repository root) and its two targets. */
export const DOCKERFILE = "Dockerfile";
export const GATEWAY_TARGET = "gateway";
export const WORKER_TARGET = "worker";

/** The worker image's CMD (Dockerfile, target worker); the program appends flags to it. */
export const WORKER_COMMAND = ["node", "gateway/bin/codex-lanes.cjs", "worker"] as const;

export function workerContainerName(account: string): string {
  return `codex-lanes-worker-${account}`;
}

/** The worker's DNS name on the private network. */
export function workerAlias(account: string): string {
  return `worker-${account}`;
}

/** `plus-a` -> `WORKER_TOKEN_PLUS_A`. Names only hold [a-z0-9-], so this is one-to-one. */
export function workerTokenEnv(account: string): string {
  return `WORKER_TOKEN_${account.toUpperCase().replace(/-/g, "_")}`;
}

/** Memory limits (MB) of the gateway and Caddy; each worker's is the workerMemoryMb setting. */
export const GATEWAY_MEMORY_MB = 512;
export const CADDY_MEMORY_MB = 256;
/** Process limits: a worker runs Codex and the commands it starts; the gateway and Caddy far fewer. */
export const WORKER_PIDS_LIMIT = 512;
export const GATEWAY_PIDS_LIMIT = 256;
export const CADDY_PIDS_LIMIT = 128;
/**
 * Open files of a worker (soft = hard). The app-server keeps a thread's connections open for about a
 * minute after its turn; at the most turns a 2-vCPU host runs (~30/s, scripts/bench/capacity.ts) that
 * is ~1,800 threads x ~2.7 files + ~60 of its own, ~5,000. 16384 leaves 3x headroom, and is explicit
 * because Docker 25+ starts containers with a soft limit of 1024.
 */
export const WORKER_NOFILE = 16384;
