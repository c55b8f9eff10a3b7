// Typed failures of dispatch; each carries how the client sees it (gateway/errors).

import { GatewayError, outcomeToApiError, seconds, type ApiError } from "../errors/api-error";
import type { AttemptRecord, Outcome } from "../lanes/types";

/** The lane's wait queue is full, or the request waited longer than queue.maxWaitMs. */
export class QueueFullError extends GatewayError {
  override readonly name = "QueueFullError";
  constructor(
    readonly lane: string,
    /** How long a retry should wait, in ms. */
    readonly retryAfterMs: number,
    readonly why: "full" | "timeout",
  ) {
    super(
      why === "full"
        ? `Too many requests are waiting for lane '${lane}'; retry later.`
        : `No slot on lane '${lane}' became free in time; retry later.`,
      { status: 429, type: "rate_limit_error", code: "queue_full", retryAfterSec: seconds(retryAfterMs) },
    );
  }
}

/** No lane produced an answer: the final outcome runLanes reported, and when a lane comes back. */
export class LanesFailedError extends GatewayError {
  override readonly name = "LanesFailedError";
  constructor(
    readonly outcome: Outcome,
    /** Epoch ms when a lane serving the model leaves its cooldown; null when unknown. */
    readonly retryAt: number | null,
    readonly attempts: AttemptRecord[] = [],
  ) {
    const api = outcomeToApiError(outcome, retryAt, Date.now());
    super(outcome.message, api);
  }

  /** Retry-After counts from the moment the client is answered. */
  override apiError(now: number): ApiError {
    return outcomeToApiError(this.outcome, this.retryAt, now);
  }
}

/** The gateway is shutting down and takes no new work. */
export class ShuttingDownError extends GatewayError {
  override readonly name = "ShuttingDownError";
  constructor() {
    super("The gateway is shutting down; retry in a moment.", { status: 503, code: "shutting_down", retryAfterSec: 5 });
  }
}

/**
 * A route the gateway would pass through to an API-key lane, but no lane may take it: none is
 * configured, or none lists the route in its `routes`. The message names the route and the fix.
 */
export class NoPassLaneError extends GatewayError {
  override readonly name = "NoPassLaneError";
  constructor(
    message: string,
    override readonly code: "no_api_key_lane" | "route_not_allowed",
  ) {
    super(message, { status: 404, code });
  }
}
