// The request log's inbox (migrations 4 and 5). A row that must be durable before its response's
// last byte is committed here: one narrow row (its id and its columns as JSON) costs about a third
// of a row in `requests`, whose five filter indexes and two rollup triggers each dirty a page of their
// own. Rows are moved into `requests` in batches, where those pages are shared by the whole batch.
// Every reader of the log moves the inbox first, so a reader never misses a committed row; opening
// the store moves what a crash left behind.

import type Database from "better-sqlite3";

export interface Inbox {
  /** Adds a validated row; false when its id is already in the log or in the inbox (a reused request id). */
  add(id: string, columns: object): boolean;
  /** Whether an id waits in the inbox (a direct insert into the log must not take it). */
  has(id: string): boolean;
  /**
   * Moves every waiting row into `requests`, in one transaction, and returns how many. Readers of
   * the log call it first; with nothing waiting it is one read, with no transaction.
   */
  move(): number;
}

export function createInbox(db: Database.Database, columns: readonly string[]): Inbox {
  const add = db.prepare(
    `INSERT INTO request_inbox (id, row) SELECT @id, @row WHERE NOT EXISTS (SELECT 1 FROM requests WHERE id = @id)`,
  );
  const has = db.prepare(`SELECT 1 FROM request_inbox WHERE id = ?`).pluck();
  const any = db.prepare(`SELECT EXISTS (SELECT 1 FROM request_inbox)`).pluck();
  const copyAs = (id: string) => {
    const values = columns.map((c) => (c === "id" ? id : `i.row ->> '${c}'`)).join(", ");
    return db.prepare(`INSERT INTO requests (${columns.join(", ")}) SELECT ${values} FROM request_inbox i ORDER BY i.seq`);
  };
  const copy = copyAs("i.id");
  // add() keeps an id out of the inbox while the log has it, and insert() the other way round, so
  // only a row written around the store can clash. It gets a suffix rather than wedge the inbox
  // (every reader moves it first). Apart: a SELECT that reads `requests` is first copied whole.
  const copyClashing = copyAs(`CASE WHEN EXISTS (SELECT 1 FROM requests r WHERE r.id = i.id) THEN i.id || '.' || lower(hex(randomblob(3))) ELSE i.id END`);
  const clear = db.prepare(`DELETE FROM request_inbox`);
  const move = db.transaction((): number => {
    let moved: number;
    try {
      moved = copy.run().changes;
    } catch (err) {
      if ((err as { code?: string }).code !== "SQLITE_CONSTRAINT_PRIMARYKEY") throw err;
      moved = copyClashing.run().changes;
    }
    clear.run();
    return moved;
  });

  return {
    add(rowId, row) {
      try {
        return add.run({ id: rowId, row: JSON.stringify(row) }).changes === 1;
      } catch (err) {
        if ((err as { code?: string }).code === "SQLITE_CONSTRAINT_UNIQUE") return false;
        throw err;
      }
    },
    has: (rowId) => has.get(rowId) !== undefined,
    move: () => (any.get() === 1 ? move.immediate() : 0),
  };
}
