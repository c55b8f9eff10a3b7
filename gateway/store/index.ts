// The gateway's SQLite store: openStore(dataDir) -> Store. See README.md.

export type {
  CreatedKey,
  KeyInfo,
  KeysApi,
  LaneStateApi,
  LaneSummary,
  NewRequestRow,
  RequestFilter,
  RequestListQuery,
  RequestPage,
  RequestRow,
  RequestsApi,
  RequestStatus,
  ResponsesApi,
  StoredResponse,
  SecretsApi,
  Store,
  StoredLaneState,
  StoredLaneStateRow,
  Summary,
  TimelinePoint,
  VerifiedKey,
} from "./types";
export * from "./errors";
export { openStore } from "./open";
