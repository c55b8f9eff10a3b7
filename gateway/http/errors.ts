// Failures only the HTTP layer meets (keys, routes, bodies, admin queries). Each carries how the
// client sees it; gateway/errors turns any of them, and every domain error, into the OpenAI shape.

import { GatewayError } from "../errors/api-error";

const CREATE_KEY_HINT = "Send 'Authorization: Bearer <gateway key>'; create one with `codex-lanes keys create <name>`.";

export class InvalidApiKeyError extends GatewayError {
  override readonly name = "InvalidApiKeyError";
  constructor(message = `Incorrect or missing API key. ${CREATE_KEY_HINT}`) {
    super(message, { status: 401, code: "invalid_api_key" });
  }
}

/** A valid client key on an admin route: admin routes need a key from `keys create --admin` or CODEX_LANES_ADMIN_KEY. */
export class AdminKeyRequiredError extends GatewayError {
  override readonly name = "AdminKeyRequiredError";
  constructor() {
    super("This route needs an admin key (`codex-lanes keys create <name> --admin`, or CODEX_LANES_ADMIN_KEY); client keys cannot open it.", {
      status: 403,
      type: "permission_error",
      code: "admin_key_required",
    });
  }
}

export class InvalidJsonError extends GatewayError {
  override readonly name = "InvalidJsonError";
  constructor() {
    super("The request body is not valid JSON.", { status: 400, code: "invalid_json" });
  }
}

export class RouteNotFoundError extends GatewayError {
  override readonly name = "RouteNotFoundError";
  constructor(method: string, path: string) {
    super(`Invalid URL (${method} ${path}).`, { status: 404, code: "not_found" });
  }
}

/** A stored response id this key does not have (unknown, deleted, pruned, or another key's). */
export class ResponseNotFoundError extends GatewayError {
  override readonly name = "ResponseNotFoundError";
  constructor(
    readonly id: string,
    which: "previous_response_id" | "response_id",
  ) {
    const previous = which === "previous_response_id";
    super(
      previous
        ? `Previous response with id '${id}' not found. Responses are kept for the gateway key that made them, until the request log's retention prunes them, unless they were sent with store: false.`
        : `Response with id '${id}' not found.`,
      { status: 404, code: previous ? "previous_response_not_found" : "response_not_found", param: previous ? "previous_response_id" : null },
    );
  }
}

/** A bad query parameter on an admin route. */
export class BadQueryError extends GatewayError {
  override readonly name = "BadQueryError";
  constructor(message: string, param: string) {
    super(message, { status: 400, code: "invalid_value", param });
  }
}

/** An admin route named a lane the config does not have, or one that cannot do what was asked. */
export class LaneRouteError extends GatewayError {
  override readonly name = "LaneRouteError";
  constructor(message: string, status: 400 | 404, code: string) {
    super(message, { status, code, param: "lane" });
  }
}

/** A lane's worker or engine could not carry out a sign-in or sign-out. */
export class SignInError extends GatewayError {
  override readonly name = "SignInError";
  constructor(message: string) {
    super(message, { status: 502, code: "sign_in_failed" });
  }
}
