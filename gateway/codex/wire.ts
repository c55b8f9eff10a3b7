// The app-server wire as the engine uses it, typed by the protocol the pinned binary generated
// (protocol/, `npm run codex:protocol`). Params and notifications come straight from the generated
// unions; the generated code has no method -> response map, so the responses of the methods we
// call are named here, once.

import type { ClientRequest } from "./protocol/ClientRequest";
import type { InitializeResponse } from "./protocol/InitializeResponse";
import type { ResponseItem } from "./protocol/ResponseItem";
import type { JsonValue } from "./protocol/serde_json/JsonValue";
import type { ServerNotification } from "./protocol/ServerNotification";
import type { ServerRequest } from "./protocol/ServerRequest";
import type {
  CancelLoginAccountResponse,
  GetAccountRateLimitsResponse,
  GetAccountResponse,
  LoginAccountResponse,
  LogoutAccountResponse,
  ModelListResponse,
  ThreadInjectItemsResponse,
  ThreadStartResponse,
  ThreadUnsubscribeResponse,
  TurnInterruptResponse,
  TurnStartResponse,
} from "./protocol/v2";

/** What each client request we send answers with. */
export interface Responses {
  initialize: InitializeResponse;
  "thread/start": ThreadStartResponse;
  "thread/inject_items": ThreadInjectItemsResponse;
  "thread/unsubscribe": ThreadUnsubscribeResponse;
  "turn/start": TurnStartResponse;
  "turn/interrupt": TurnInterruptResponse;
  "model/list": ModelListResponse;
  "account/read": GetAccountResponse;
  "account/login/start": LoginAccountResponse;
  "account/login/cancel": CancelLoginAccountResponse;
  "account/logout": LogoutAccountResponse;
  "account/rateLimits/read": GetAccountRateLimitsResponse;
}

export type Method = keyof Responses;
// Fails to compile when a new pin drops or renames a method listed above.
type Holds<T extends true> = T;
export type MethodsExist = Holds<Method extends ClientRequest["method"] ? true : false>;
export type ParamsOf<M extends Method> = Extract<ClientRequest, { method: M }>["params"];

export type Notification = ServerNotification;
export type NotificationOf<M extends Notification["method"]> = Extract<Notification, { method: M }>["params"];

/** A request the server sends us (approvals, dynamic tool calls, ...), without its id. */
export type ServerCall = { [K in ServerRequest["method"]]: { method: K; params: Extract<ServerRequest, { method: K }>["params"] } }[ServerRequest["method"]];

/** `thread/inject_items` takes raw Responses items as untyped JSON; ours are typed by the generated ResponseItem. */
export function responseItemsJson(items: ResponseItem[]): JsonValue[] {
  return items as unknown as JsonValue[];
}
