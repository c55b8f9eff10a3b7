// Public shapes of the store. The HTTP layer, the CLI and the dispatcher code against these;
// the SQLite details stay inside gateway/store.

import type { RateLimitSnapshot } from "../lanes/types";
import type { AttemptRecord, LaneRecord } from "../lanes/types";

// ---------- gateway keys ----------

export interface CreatedKey {
  name: string;
  /** The plaintext key (`cl-` + 43 base64url chars). Shown once; only its SHA-256 is stored. */
  key: string;
}

export interface VerifiedKey {
  name: string;
  admin: boolean;
}

export interface KeyInfo {
  name: string;
  /** First 8 characters of the key, for recognising it in lists (e.g. "cl-Ab3xY"). */
  prefix: string;
  admin: boolean;
  /** ISO 8601 UTC. */
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface KeysApi {
  /** Throws DuplicateKeyNameError when an active (not revoked) key has this name; InvalidKeyNameError for a bad name. */
  create(name: string, opts?: { admin?: boolean }): CreatedKey;
  /** Null for an unknown or revoked key. Updates last_used_at at most once a minute. `now` is epoch ms (default Date.now()). */
  verify(plaintext: string, now?: number): VerifiedKey | null;
  /** All keys, active and revoked, oldest first. Never the hash. */
  list(): KeyInfo[];
  /** Revokes the active key with this name; false when there is none. */
  revoke(name: string): boolean;
  /** Active keys; `admin: true` counts admin keys only, `admin: false` client keys only, omitted counts all. */
  countActive(opts?: { admin?: boolean }): number;
}

// ---------- request log ----------

export type RequestStatus = "ok" | "error" | "cancelled";

/** One row of the `requests` table, as read back. */
export interface RequestRow {
  /** The x-request-id. */
  id: string;
  /** ISO 8601 UTC with milliseconds, e.g. 2025-01-31T12:00:00.000Z. */
  createdAt: string;
  keyName: string | null;
  model: string;
  stream: boolean;
  /** The lane that served, or null when none did. */
  lane: string | null;
  attempts: AttemptRecord[];
  status: RequestStatus;
  httpStatus: number;
  errorCode: string | null;
  queueMs: number;
  latencyMs: number;
  /** Time to the first byte sent to the client, when anything was sent. */
  firstByteMs: number | null;
  inputTokens: number;
  cachedInputTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  apiCostUsd: number;
  /** Only when config.log.bodies is on. */
  requestBody: string | null;
  responseBody: string | null;
  /** The API route: `chat.completions`, `responses`, or a passed-through one (`embeddings`, `audio.speech`, `files`, ...). */
  endpoint: string;
  /** Tool calls returned to the client. */
  toolCalls: number;
}

/** What `requests.insert` takes: createdAt as epoch ms or an ISO string; optional fields default to null/0. */
export interface NewRequestRow {
  id: string;
  createdAt: number | string;
  keyName: string | null;
  model: string;
  stream: boolean;
  lane: string | null;
  attempts: AttemptRecord[];
  status: RequestStatus;
  httpStatus: number;
  errorCode?: string | null;
  queueMs: number;
  latencyMs: number;
  firstByteMs?: number | null;
  inputTokens?: number;
  cachedInputTokens?: number;
  outputTokens?: number;
  reasoningTokens?: number;
  apiCostUsd?: number;
  requestBody?: string | null;
  responseBody?: string | null;
  /** Default `chat.completions`. */
  endpoint?: string;
  /** Tool calls returned to the client. */
  toolCalls?: number;
}

export interface RequestFilter {
  lane?: string;
  /** The API route, e.g. `embeddings`. */
  endpoint?: string;
  /** Gateway key name. */
  key?: string;
  status?: RequestStatus;
  model?: string;
  /** Epoch ms, inclusive. */
  since?: number;
  /** Epoch ms, exclusive. */
  until?: number;
}

export interface RequestListQuery extends RequestFilter {
  /** Default 50, at most 500. */
  limit?: number;
  /** The `nextCursor` of the previous page. Throws InvalidCursorError when malformed. */
  before?: string;
}

export interface RequestPage {
  /** Newest first (created_at desc, id desc). */
  rows: RequestRow[];
  /** Pass as `before` for the next (older) page; null when there is none. */
  nextCursor: string | null;
}

export interface LaneSummary {
  /** null groups the requests no lane served (queue full, every lane cooling, client errors). */
  lane: string | null;
  requests: number;
  /** status = "error". */
  errors: number;
  /** status = "cancelled". */
  cancelled: number;
  p50LatencyMs: number | null;
  p95LatencyMs: number | null;
  inputTokens: number;
  cachedInputTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  apiCostUsd: number;
}

export interface Summary {
  /** Epoch ms, as asked. */
  since: number;
  until: number;
  /** One entry per lane that has requests in the range, lanes by name, the null lane last. */
  lanes: LaneSummary[];
  total: Omit<LaneSummary, "lane">;
}

export interface TimelinePoint {
  /** Epoch ms, a multiple of bucketMs (buckets are aligned to the epoch, so days are UTC days). */
  bucketStart: number;
  lane: string | null;
  requests: number;
  errors: number;
}

export interface RequestsApi {
  /** Throws InvalidRequestRowError for a bad row, DuplicateRequestIdError when the id exists. */
  insert(row: NewRequestRow): void;
  /**
   * Writes many rows with multi-row INSERTs (far fewer statements than one insert per row). Returns
   * the rows it could not write, each with the error insert() would have thrown for it.
   */
  insertMany(rows: NewRequestRow[]): Array<{ row: NewRequestRow; error: unknown }>;
  /**
   * The cheap durable write (one narrow row each in the inbox; run it in a transaction): the rows
   * are seen by every reader below at once, and moved into the indexed log by moveInbox(), by the
   * first reader, or on the next open. Returns the rows it could not take, each with the error
   * insert() would have thrown for it (DuplicateRequestIdError for an id in the log or the inbox).
   */
  enqueue(rows: NewRequestRow[]): Array<{ row: NewRequestRow; error: unknown }>;
  /** Moves every enqueued row into the indexed log (its filter indexes and rollups) in one transaction; returns how many. */
  moveInbox(): number;
  list(query?: RequestListQuery): RequestPage;
  get(id: string): RequestRow | null;
  count(filter?: RequestFilter): number;
  /** since inclusive, until exclusive, epoch ms. */
  summary(range: { since: number; until: number }): Summary;
  /** Buckets with no requests are left out. Ordered by bucketStart, then lane. */
  timeline(range: { since: number; until: number; bucketMs: number }): TimelinePoint[];
  /** Sum of api_cost_usd of requests this lane served in the calendar month (UTC) containing `now` (epoch ms). */
  monthSpend(lane: string, now: number): number;
  /** Deletes requests created before now - olderThanMs; returns how many. */
  prune(olderThanMs: number, now: number): number;
}

// ---------- lane state ----------

export interface StoredLaneState {
  record: LaneRecord | null;
  rateLimits: RateLimitSnapshot | null;
}

export interface StoredLaneStateRow extends StoredLaneState {
  lane: string;
  /** Epoch ms of the last write. */
  updatedAt: number;
}

export interface LaneStateApi {
  /** Both null for a lane never saved. */
  get(name: string): StoredLaneState;
  saveRecord(rec: LaneRecord): void;
  saveRateLimits(name: string, snapshot: RateLimitSnapshot): void;
  /** Every lane with saved state, by name. */
  all(): StoredLaneStateRow[];
  /** Forget a lane (e.g. removed from the config). */
  delete(name: string): boolean;
}

// ---------- secrets ----------

export interface SecretsApi {
  /** Encrypts with AES-256-GCM under masterKey (32 bytes; InvalidMasterKeyError otherwise), the lane name as AAD. */
  set(lane: string, plaintext: string, masterKey: Buffer): void;
  /** Null when none is stored; SecretDecryptError when masterKey is not the one used to store it, or the row was tampered with. */
  get(lane: string, masterKey: Buffer): string | null;
  delete(lane: string): boolean;
  /** Lane names with a stored secret, by name. */
  list(): string[];
}

// ---------- the store ----------

// ---------- stored responses ----------

export interface StoredResponse {
  id: string;
  keyName: string | null;
  /** Epoch ms. */
  createdAt: number;
  /** The conversation through this response's output, as Responses items. */
  items: unknown[];
  /** The Response object as the client got it. */
  response: Record<string, unknown>;
}

export interface ResponsesApi {
  put(r: StoredResponse): void;
  /** Null when the id is unknown or belongs to another key. */
  get(id: string, keyName: string | null): StoredResponse | null;
  /** False when there was nothing of this key's to delete. */
  delete(id: string, keyName: string | null): boolean;
  /** Deletes responses created before now - olderThanMs; returns how many. */
  prune(olderThanMs: number, now: number): number;
}

export interface Store {
  /** Absolute path of gateway.db, or ":memory:". */
  readonly path: string;
  readonly keys: KeysApi;
  readonly requests: RequestsApi;
  readonly responses: ResponsesApi;
  readonly lanes: LaneStateApi;
  readonly secrets: SecretsApi;
  /**
   * Runs fn in one immediate (write-locking) transaction: all its writes land together or not at
   * all. Synchronous; nesting is allowed (inner calls become savepoints).
   */
  transaction<T>(fn: () => T): T;
  /** Consistent online copy of the database to `file` (safe while the gateway writes). */
  backup(file: string): Promise<void>;
  /** Closes the database. Idempotent. */
  close(): void;
}
