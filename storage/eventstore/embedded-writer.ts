// The write side of the embedded store: one group-commit transaction over a batch of
// operations whose events are already serialised. The same code runs on the store's own
// thread (inline) or in the writer thread (embedded-writer-thread.ts), so both give the
// same outcomes; everything crossing the thread boundary is plain data.
import type Database from 'better-sqlite3';
import type { ExpectedRevision } from './port.ts';
import type { Statements } from './embedded-sql.ts';

/** One event ready for INSERT: id, type, data JSON, metadata JSON. */
export type SerialisedEvent = [id: string, type: string, data: string, metadata: string];

export type WriteOperation =
  | { kind: 'append'; stream: string; events: SerialisedEvent[]; expected: ExpectedRevision }
  | { kind: 'delete'; stream: string };

/**
 * Per operation, in batch order. A conflict is the only per-caller failure; anything
 * else (I/O, disk full) aborts the whole transaction and the batch fails as one.
 */
export type WriteOutcome =
  | { ok: true; nextRevision: number; position: number; written: number }
  | { ok: false; actualRevision: number };

export interface BatchResult {
  outcomes: WriteOutcome[];
  /** Highest position ever assigned, read inside the committed transaction. */
  lastAssigned: number;
  /** Set when a stream deletion could not be erased from the WAL at once (logged by the store). */
  walWarning?: string;
}

/** Returns the function that commits one batch; it throws when the transaction fails (rolled back). */
export function createBatchWriter(db: Database.Database, sql: Statements): (batch: WriteOperation[], created: number) => BatchResult {
  const transaction = db.transaction((batch: WriteOperation[], created: number): WriteOutcome[] => {
    const outcomes: WriteOutcome[] = new Array(batch.length);
    for (let i = 0; i < batch.length; i++) {
      const operation = batch[i]!;
      if (operation.kind === 'delete') {
        sql.deleteStream.run(operation.stream);
        outcomes[i] = { ok: true, nextRevision: -1, position: 0, written: 0 };
      } else {
        outcomes[i] = applyAppend(operation, created);
      }
    }
    return outcomes;
  });

  /**
   * One append inside the batch transaction. Idempotency, pinned in the contract where
   * EventStoreDB agrees:
   * - If every id of the batch is already in the stream, at consecutive revisions in
   *   batch order (as one earlier append wrote them), the append is a no-op success that
   *   returns the revision and position of the last of them, provided the expected
   *   revision fits that place: 'any' and 'stream_exists' always, 'no_stream' when they
   *   start at revision 0, a number N when they start at N + 1.
   * - If only some ids are there, or they sit elsewhere, nothing is written and the
   *   caller gets WrongExpectedRevisionError (EventStoreDB's "corrupted idempotency").
   *   Unlike EventStoreDB, which writes duplicates when N is the current revision, a
   *   stream here never holds the same id twice.
   */
  function applyAppend(operation: Extract<WriteOperation, { kind: 'append' }>, created: number): WriteOutcome {
    const { stream, events, expected } = operation;
    const current = sql.lastRevision.get(stream) ?? -1;
    if (current >= 0) {
      const found = findExisting(stream, events);
      if (found.length > 0) {
        const start = found[0]![1];
        const inPlace = found.length === events.length && found.every(([, revision], i) => revision === start + i);
        const fits = expected === 'any' || expected === 'stream_exists' || (expected === 'no_stream' ? start === 0 : expected + 1 === start);
        if (inPlace && fits) return { ok: true, nextRevision: start + events.length - 1, position: found[found.length - 1]![2], written: 0 };
        return { ok: false, actualRevision: current };
      }
    }
    const matches =
      expected === 'any' || (expected === 'no_stream' ? current === -1 : expected === 'stream_exists' ? current >= 0 : expected === current);
    if (!matches) return { ok: false, actualRevision: current };
    let position = 0;
    for (let i = 0; i < events.length; i++) {
      const [id, type, data, metadata] = events[i]!;
      position = Number(sql.insert.run(stream, current + 1 + i, id, type, data, metadata, created).lastInsertRowid);
    }
    return { ok: true, nextRevision: current + events.length, position, written: events.length };
  }

  /** The batch's ids already in the stream, as [id, revision, position], in batch order. */
  function findExisting(stream: string, events: SerialisedEvent[]): [string, number, number][] {
    if (events.length === 1) {
      const row = sql.findIds(1).get(stream, events[0]![0]);
      return row === undefined ? [] : [row];
    }
    const rows = new Map<string, [string, number, number]>();
    for (let from = 0; from < events.length; from += 64) {
      const ids = events.slice(from, from + 64).map((event) => event[0]);
      for (const row of sql.findIds(ids.length).all(stream, ...ids)) rows.set(row[0], row);
    }
    const found: [string, number, number][] = [];
    for (const event of events) {
      const row = rows.get(event[0]);
      if (row) found.push(row);
    }
    return found;
  }

  /**
   * secure_delete zeroes the rows in the database pages, but older page images stay in
   * the WAL until it is checkpointed: checkpoint and truncate it so erased data is gone
   * from the disk. Best effort: a reader in another process can hold the WAL open.
   */
  function eraseFromWal(): string | undefined {
    try {
      const [outcome] = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
      if (outcome?.busy) return 'WAL checkpoint after a stream deletion was blocked by a reader; erased rows stay in the WAL until the next checkpoint';
    } catch (error) {
      return `WAL checkpoint after a stream deletion failed (${(error as Error).message}); erased rows may linger in the WAL until the next checkpoint`;
    }
    return undefined;
  }

  return (batch, created) => {
    const outcomes = transaction.immediate(batch, created);
    // Committed: from here on every acknowledged event is in the WAL.
    const result: BatchResult = { outcomes, lastAssigned: sql.lastAssigned.get() ?? 0 };
    if (batch.some((operation) => operation.kind === 'delete')) {
      const warning = eraseFromWal();
      if (warning !== undefined) result.walWarning = warning;
    }
    return result;
  };
}
