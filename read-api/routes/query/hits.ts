// The hit-level answer: the sessions of the range that can matter (narrowed by the
// session-level part of the filter) are read from the raw history (their client streams),
// turned into facts (hit-facts.ts), filtered, and summed per row of dimension values.
// Bounded: a query that would read more than `maxSessions` sessions is refused with a
// problem saying how to narrow it, rather than running for minutes.
import { evaluateFilter, necessaryPart, type DimensionFilter } from '../../../projections/analytics/adhoc-filter.ts';
import type { AdhocSource } from '../../../projections/analytics/adhoc.ts';
import { isTimeDimension, timeValueOf } from '../../../projections/analytics/calendar.ts';
import { NOT_SET } from '../../../projections/analytics/dimensions.ts';
import { METRIC_COUNT } from '../../../projections/analytics/metrics.ts';
import { sessionDimensionsOf, type ModelContext, type RecordedData, type SessionDoc } from '../../../projections/analytics/model.ts';
import { recordedDataOf } from '../../../projections/analytics/process-batch.ts';
import { HIT_DISCARDED } from '../../../domain/client/events.ts';
import type { EventStore } from '../../../storage/eventstore/port.ts';
import { ProblemError } from '../../http/problem.ts';
import type { DimensionKind, HitFamily } from './catalog.ts';
import { familyOf } from './catalog.ts';
import { rowKey, type Aggregate, type AggregateRow } from './aggregate.ts';
import { sessionFacts, type Fact } from './hit-facts.ts';

export interface HitQuery {
  property: string;
  from: string;
  to: string;
  /** Requested dimensions (model names), in order. */
  dimensions: readonly string[];
  filter: DimensionFilter | undefined;
  /** The kind of every dimension the query names (requested and filtered). */
  kinds: ReadonlyMap<string, DimensionKind>;
  customMetrics: readonly string[];
  /** Custom dimensions that are hit-scoped for this property. */
  hitScoped: ReadonlySet<string>;
}

export interface HitAnswer extends Aggregate {
  sessionsRead: number;
  /** Sessions whose hits are no longer in the raw history (retention, erasure): left out. */
  sessionsWithoutHits: number;
}

export interface HitDeps {
  adhoc: AdhocSource;
  eventStore: EventStore;
  context: ModelContext;
  maxSessions: number;
}

const CLIENT_PREFIX = 'client-';

/** The session's own events, grouped by session id, from one client stream read forwards. */
async function readClientSessions(store: EventStore, client: string, wanted: ReadonlyMap<string, SessionDoc>, maxNumber: number): Promise<Map<string, RecordedData[]>> {
  const out = new Map<string, RecordedData[]>();
  for await (const event of store.readStream(`${CLIENT_PREFIX}${client}`)) {
    if (event.type === HIT_DISCARDED) continue;
    let data: RecordedData;
    try {
      data = recordedDataOf(event.type, event.data);
    } catch {
      continue; // not a hit event
    }
    if (data.session.number > maxNumber) break;
    if (!wanted.has(data.session.id)) continue;
    let list = out.get(data.session.id);
    if (list === undefined) out.set(data.session.id, (list = []));
    list.push(data);
  }
  return out;
}

export async function answerFromHits(query: HitQuery, deps: HitDeps): Promise<HitAnswer> {
  const { kinds } = query;
  const families = new Set<HitFamily>();
  for (const kind of kinds.values()) {
    const family = familyOf(kind);
    if (family !== undefined) families.add(family);
  }
  const eventDimensions = [...kinds].filter(([, kind]) => kind === 'event').map(([name]) => name);
  // Conditions on the session's own values narrow the read; 'hour' is the hit's here.
  const sessionLevel = (d: string): boolean => {
    const kind = kinds.get(d);
    return kind === 'session' || kind === 'cd-session' || (kind === 'time' && d !== 'hour');
  };
  const scan = { property: query.property, from: query.from, to: query.to, filter: necessaryPart(query.filter, sessionLevel), hitScoped: query.hitScoped };
  const count = await deps.adhoc.countSessions(scan);
  if (count > deps.maxSessions) {
    throw new ProblemError(
      422,
      `this combination needs the hits of ${count.toLocaleString('en-US')} sessions, read from the raw history; at most ${deps.maxSessions.toLocaleString('en-US')} per query: ` +
        'shorten date_range or add a filter on a session dimension (source, country, deviceCategory, ...)',
      { type: 'query-too-broad', title: 'Query too broad', field: 'date_range' },
    );
  }

  // Sessions by client: each client stream is read once.
  const byClient = new Map<string, Map<string, SessionDoc>>();
  for await (const doc of deps.adhoc.scanSessions(scan)) {
    let sessions = byClient.get(doc.client);
    if (sessions === undefined) byClient.set(doc.client, (sessions = new Map()));
    sessions.set(doc.id, doc);
  }

  const rows = new Map<string, AggregateRow & { clients: Set<string> }>();
  const allClients = new Set<string>();
  let sessionsRead = 0;
  let sessionsWithoutHits = 0;
  const hitDimensions = new Map<string, HitFamily>();
  for (const [name, kind] of kinds) {
    const family = familyOf(kind);
    if (family !== undefined) hitDimensions.set(name, family);
  }

  const valueOf = (fact: Fact, sessionValues: Record<string, string>, doc: SessionDoc, dimension: string): string | undefined => {
    const family = hitDimensions.get(dimension);
    if (family !== undefined) {
      const own = fact.family === family ? fact.values?.[dimension] : undefined;
      if (own !== undefined) return own;
      // Another kind of fact has no value of this dimension: '(not set)' for the standard ones; a custom one is absent.
      return family === 'cd' ? undefined : NOT_SET;
    }
    if (isTimeDimension(dimension)) return timeValueOf(dimension, doc.day, fact.hour);
    return sessionValues[dimension];
  };

  const names = [...kinds.keys()];
  for (const [client, wanted] of byClient) {
    let maxNumber = 0;
    for (const doc of wanted.values()) maxNumber = Math.max(maxNumber, doc.number);
    const events = await readClientSessions(deps.eventStore, client, wanted, maxNumber);
    for (const id of wanted.keys()) {
      const replayed = sessionFacts(events.get(id) ?? [], deps.context, { families, eventDimensions });
      if (replayed === undefined) {
        sessionsWithoutHits += 1;
        continue;
      }
      sessionsRead += 1;
      const { doc, facts } = replayed;
      const sessionValues = sessionDimensionsOf(doc);
      for (const fact of facts) {
        const values = new Map<string, string>();
        let complete = true;
        for (const name of names) {
          const value = valueOf(fact, sessionValues, doc, name);
          if (value === undefined) {
            complete = false;
            break;
          }
          values.set(name, value);
        }
        if (!complete) continue;
        if (query.filter !== undefined && !evaluateFilter(query.filter, (d) => values.get(d))) continue;
        const key = rowKey(query.dimensions.map((d) => values.get(d)!));
        let row = rows.get(key);
        if (row === undefined) rows.set(key, (row = { stored: new Array<number>(METRIC_COUNT).fill(0), custom: {}, users: 0, clients: new Set() }));
        const m = fact.metrics;
        for (let k = 0; k < m.length; k += 2) row.stored[m[k]!] = row.stored[m[k]!]! + m[k + 1]!;
        if (fact.custom !== undefined) {
          for (const metric of query.customMetrics) {
            const amount = fact.custom[metric];
            if (amount !== undefined) row.custom[metric] = (row.custom[metric] ?? 0) + amount;
          }
        }
        if (fact.user) {
          row.clients.add(client);
          allClients.add(client);
        }
      }
    }
  }

  const out = new Map<string, AggregateRow>();
  for (const [key, row] of rows) out.set(key, { stored: row.stored, custom: row.custom, users: row.clients.size });
  return { rows: out, users: allClients.size, sessionsRead, sessionsWithoutHits };
}
