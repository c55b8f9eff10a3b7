// Writes request-log rows so that none that was answered is lost: a row is committed before its
// response's last byte goes out. Rows that end in the same turn of the event loop share one
// transaction (flushed on setImmediate, not on a timer), so a burst costs one commit per turn,
// not one per request, and a kill -9 can only lose rows whose responses had not finished.
// That commit goes to the store's inbox, a narrow table; the rows are moved into the indexed log
// in batches, off the responses' path (every reader of the store moves them first anyway).

import type { Logger } from "../log";
import { DuplicateRequestIdError, type NewRequestRow, type Store } from "../store";

/** The store keeps at most this many characters of a row's text fields (model, key name, error code). */
export const ROW_TEXT_MAX = 256;
/** A batch larger than this is written at once instead of waiting for the end of the loop turn. */
const ROW_BATCH_MAX = 500;
/**
 * The inbox is moved once it holds this many rows. Moving costs a few ms that the next request
 * waits out, so a batch this large delays fewer than 1 in 100 requests (p99 stays untouched).
 */
export const MOVE_BATCH = 128;
/** ... or this long after its first row, so that the indexed log is never far behind for outside readers. */
export const MOVE_AFTER_MS = 1_000;

export interface RowWriterDeps {
  store: Pick<Store, "transaction" | "requests">;
  log: Pick<Logger, "error">;
  /** For the suffix of a reused request id. */
  random: () => number;
  /** Sees every row as it is queued (e.g. the /metrics counters). A throw is logged and ignored. */
  onRow?: (row: NewRequestRow) => void;
}

export class RowWriter {
  private pending: NewRequestRow[] = [];
  private committed: (() => void)[] = [];
  private scheduled: NodeJS.Immediate | null = null;
  private unmoved = 0;
  private moveSoon: NodeJS.Immediate | null = null;
  private moveLater: NodeJS.Timeout | null = null;

  constructor(private readonly deps: RowWriterDeps) {}

  /** Queues the row; resolves once it is in the database (or its failure is logged). Never rejects. */
  write(row: NewRequestRow): Promise<void> {
    const fitted = fit(row);
    try {
      this.deps.onRow?.(fitted);
    } catch (err) {
      this.deps.log.error("request-log row hook failed", { requestId: row.id, err });
    }
    this.pending.push(fitted);
    const done = new Promise<void>((resolve) => this.committed.push(resolve));
    if (this.pending.length >= ROW_BATCH_MAX) this.flush();
    else this.scheduled ??= setImmediate(() => this.flush());
    return done;
  }

  /** Writes every queued row now, in one transaction (readers in this process and shutdown call it). */
  flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = null;
    const rows = this.pending;
    const committed = this.committed;
    this.pending = [];
    this.committed = [];
    if (rows.length > 0) this.insert(rows);
    for (const resolve of committed) resolve();
    if (rows.length > 0) this.scheduleMove(rows.length);
  }

  /** Writes what is queued and moves the inbox: nothing is left waiting (shutdown). */
  close(): void {
    this.flush();
    this.move();
  }

  /** Moves the inbox into the indexed log now. */
  move(): void {
    if (this.moveSoon) clearImmediate(this.moveSoon);
    if (this.moveLater) clearTimeout(this.moveLater);
    this.moveSoon = this.moveLater = null;
    this.unmoved = 0;
    try {
      this.deps.store.requests.moveInbox();
    } catch (err) {
      // The rows stay in the inbox, durable and seen by readers; the next move takes them.
      this.deps.log.error("could not move request-log rows from the inbox", { err });
    }
  }

  private scheduleMove(rows: number): void {
    this.unmoved += rows;
    // After this turn's responses have gone out, not before them.
    if (this.unmoved >= MOVE_BATCH) this.moveSoon ??= setImmediate(() => this.move());
    else this.moveLater ??= setTimeout(() => this.move(), MOVE_AFTER_MS).unref();
  }

  private insert(rows: NewRequestRow[]): void {
    const { store, log } = this.deps;
    try {
      store.transaction(() => {
        for (const { row, error } of store.requests.enqueue(rows)) this.insertFailed(row, error);
      });
    } catch (err) {
      log.error("could not write request-log rows", { rows: rows.length, err });
    }
  }

  private insertFailed(row: NewRequestRow, error: unknown): void {
    let err = error;
    if (err instanceof DuplicateRequestIdError) {
      // A client reused its x-request-id: keep both rows, the second under a suffixed id.
      try {
        this.deps.store.requests.insert({ ...row, id: `${row.id}.${this.deps.random().toString(36).slice(2, 8)}` });
        return;
      } catch (err2) {
        err = err2;
      }
    }
    this.deps.log.error("could not write the request-log row", { requestId: row.id, err });
  }
}

/** A model name longer than the store keeps is cut, not a reason to drop the row. */
function fit(row: NewRequestRow): NewRequestRow {
  return row.model.length > ROW_TEXT_MAX ? { ...row, model: truncate(row.model, ROW_TEXT_MAX) } : row;
}

function truncate(s: string, max: number): string {
  let cut = s.slice(0, max - 1);
  // Never leave half of a surrogate pair behind.
  if (/[\ud800-\udbff]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}
