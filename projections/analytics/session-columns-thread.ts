// Entry point of the session columns' warm-up thread (session-columns-embedded.ts `warm`):
// reads whole days' columns from its own read-only connection, each day in one read
// snapshot with its change count, and hands each finished day over with its arrays
// transferred, not copied. A warm-up reads every column of a month's sessions; on the
// serving thread that held up every request meanwhile (docs/benchmarks.md).
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { readSnapshot } from '../../storage/readstore/embedded.ts';
import { addRow, buffersOf, finishDay, startDay, type DayColumns } from './session-columns-day.ts';

export interface ColumnsThreadData {
  file: string;
  /** Quoted table names. */
  sessions: string;
  sessionDays: string;
}

export interface ColumnsThreadRequest {
  property: string;
  day: string;
  texts: string[];
  totals: number[];
  /** The SELECT list: client_key, the texts, the totals (session-columns-embedded.ts `columnList`). */
  columns: string;
}

/** `entry` is absent when the day has no sessions any more, or the read failed (`error`). */
export interface ColumnsThreadReply {
  property: string;
  day: string;
  entry?: DayColumns;
  error?: string;
}

const port = parentPort;
if (port === null) throw new Error('session-columns-thread.ts runs only as a worker thread');
const { file, sessions, sessionDays } = workerData as ColumnsThreadData;
// Read only: the read store's own connections write and keep the file in WAL mode.
const db = new Database(file, { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = 5000');
const changesOf = db.prepare<[string, string], number>(`SELECT changes FROM ${sessionDays} WHERE property = ? AND day = ?`).pluck();
const countOf = db.prepare<[string, string], number>(`SELECT COUNT(*) FROM ${sessions} WHERE property = ? AND day = ?`).pluck();
// One statement per SELECT list (a warm-up asks every column, so in practice one).
const selects = new Map<string, Database.Statement<[string, string], unknown[]>>();
const selectOf = (columns: string): Database.Statement<[string, string], unknown[]> => {
  let statement = selects.get(columns);
  if (statement === undefined) selects.set(columns, (statement = db.prepare<[string, string], unknown[]>(`SELECT ${columns} FROM ${sessions} WHERE property = ? AND day = ?`).raw(true)));
  return statement;
};

port.on('message', (request: ColumnsThreadRequest) => {
  const { property, day, texts, totals, columns } = request;
  try {
    const entry = readSnapshot(db, (): DayColumns | undefined => {
      const changes = changesOf.get(property, day);
      if (changes === undefined) return undefined;
      const builder = startDay(changes, countOf.get(property, day) ?? 0, texts, totals);
      for (const row of selectOf(columns).iterate(property, day)) addRow(builder, row, 0);
      return finishDay(builder, day);
    });
    const reply: ColumnsThreadReply = entry === undefined ? { property, day } : { property, day, entry };
    port.postMessage(reply, entry === undefined ? [] : buffersOf(entry));
  } catch (error) {
    port.postMessage({ property, day, error: error instanceof Error ? error.message : String(error) } satisfies ColumnsThreadReply);
  }
});
