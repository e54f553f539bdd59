// Session documents in the embedded `sessions` table: the identity, the session
// dimensions and the session's totals are columns (reports group, filter and sum on
// them without parsing JSON), everything else is one compact JSON `doc`. Kept small on
// purpose: every touched session is rewritten once per batch, so its size is replay speed.
import type Database from 'better-sqlite3';
import { SESSION_DIMENSIONS, SESSION_VALUE_COUNT } from './dimensions.ts';
import { columnsOf, q, totalColumn } from './embedded-schema.ts';
import { BASE_METRICS, type BaseMetric } from './metrics.ts';
import type { SessionDoc } from './model.ts';

const NOT_SET = '(not set)';
const FIXED = ['id', 'property', 'client', 'day', 'hour', 'started_at'] as const;

const TOTAL_COLUMNS: readonly string[] = BASE_METRICS.map(totalColumn);

/** The columns of a session row, in the order of `sessionRowValues` / `sessionOfRow`. */
export const SESSION_COLUMNS: readonly string[] = [...FIXED, ...SESSION_DIMENSIONS, ...TOTAL_COLUMNS, 'doc'];
export const sessionColumnList = SESSION_COLUMNS.map(q).join(', ');

const TOTALS_AT = FIXED.length + SESSION_DIMENSIONS.length;

/** What the JSON column holds: the document minus its columns (before v3 the totals too). */
type StoredDoc = Omit<SessionDoc, 'id' | 'property' | 'client' | 'day' | 'hour' | 'startedAt' | 'dims' | 'totals'> & { landing: (string | null)[]; totals?: number[] };

export function sessionRowValues(doc: SessionDoc): unknown[] {
  const values: unknown[] = [doc.id, doc.property, doc.client, doc.day, doc.hour, doc.startedAt];
  for (let id = 0; id < SESSION_DIMENSIONS.length; id++) values.push(doc.dims[id] ?? NOT_SET);
  for (let i = 0; i < BASE_METRICS.length; i++) values.push(doc.totals[i] ?? 0);
  const stored: StoredDoc = {
    number: doc.number,
    lastHitAt: doc.lastHitAt,
    isNewUser: doc.isNewUser,
    hits: doc.hits,
    interactions: doc.interactions,
    landing: doc.dims.slice(SESSION_DIMENSIONS.length, SESSION_VALUE_COUNT),
    cds: doc.cds,
    custom: doc.custom,
    pages: doc.pages,
    events: doc.events,
    hitValues: doc.hitValues,
    userDay: doc.userDay,
    ledger: doc.ledger,
  };
  values.push(JSON.stringify(stored));
  return values;
}

/** A row read with `.raw()` in SESSION_COLUMNS order (or, from a table before v3, without the total columns). */
export function sessionOfRow(row: readonly unknown[]): SessionDoc {
  const stored = JSON.parse(String(row[row.length - 1])) as StoredDoc;
  const dims: (string | null)[] = [];
  for (let id = 0; id < SESSION_DIMENSIONS.length; id++) dims.push(String(row[FIXED.length + id]));
  dims.push(...stored.landing);
  const totals: number[] = [];
  if (stored.totals !== undefined) totals.push(...stored.totals);
  else for (let i = 0; i < BASE_METRICS.length; i++) totals.push(Number(row[TOTALS_AT + i]));
  return {
    id: String(row[0]),
    property: String(row[1]),
    client: String(row[2]),
    day: String(row[3]),
    hour: String(row[4]),
    startedAt: Number(row[5]),
    lastHitAt: stored.lastHitAt,
    number: stored.number,
    isNewUser: stored.isNewUser,
    hits: stored.hits,
    interactions: stored.interactions,
    dims,
    cds: stored.cds,
    totals,
    custom: stored.custom,
    pages: stored.pages,
    events: stored.events,
    hitValues: stored.hitValues,
    userDay: stored.userDay,
    ledger: stored.ledger,
  };
}

/**
 * How the reports read a sessions table of some version: the totals are columns from
 * analytics v3 on, and only in the JSON before. The read API serves the previous version
 * while a new one builds (blue/green), so it reads both.
 */
export interface SessionTableLayout {
  /** The SELECT list `sessionOfRow` reads. */
  columnList: string;
  /** SQL of a session's total of a base metric. */
  total(metric: BaseMetric): string;
  /**
   * SQL of the session's client for counting distinct users: its number (`client_key`,
   * v8 on) where there is one. SQLite sorts to count distinct values, and sorting integers
   * instead of client ids made a month's ad hoc aggregate at 3M page views 40% faster.
   */
  distinctClient: string;
}

export function sessionTableLayout(db: Database.Database, table: string): SessionTableLayout {
  const columns = columnsOf(db, table);
  const distinctClient = columns.has('client_key') ? 'client_key' : 'client';
  if (columns.size === 0 || columns.has(totalColumn('sessions'))) return { columnList: sessionColumnList, total: (metric) => q(totalColumn(metric)), distinctClient };
  return {
    columnList: [...FIXED, ...SESSION_DIMENSIONS, 'doc'].map(q).join(', '),
    total: (metric) => `json_extract(doc, '$.totals[${BASE_METRICS.indexOf(metric)}]')`,
    distinctClient,
  };
}
