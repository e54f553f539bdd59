// Test support for the client aggregate (not used in production): the fixtures,
// given/when/then over events, and a reference
// projection that computes §6 metrics from this stream's events alone, to show
// the events carry enough.

import type { ReceivedHit } from '../hit.ts';
import type { PropertySettings } from '../property/settings.ts';
import { decide, evolve, initialState, type RecordHit } from './decider.ts';
import { clientEventSchemas, type ClientEvent, type ClientState } from './events.ts';
import { settings } from './fixtures.ts';

export * from './fixtures.ts';

export const recordHit = (h: ReceivedHit, property: PropertySettings = settings): RecordHit => ({ type: 'RecordHit', hit: h, property });

export const fold = (events: readonly ClientEvent[]): ClientState => events.reduce(evolve, initialState());

// Plain checks, so this support module imports nothing outside domain/ but zod.
function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  return keysA.length === keysB.length && keysA.every((k) => Object.hasOwn(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

type Expectation = readonly ClientEvent[] | ((events: ClientEvent[], stateAfter: ClientState) => void);

/** given(past events).when(command).then(expected events, or a predicate over them and the state after). */
export function given(events: readonly ClientEvent[]) {
  const state = fold(events);
  return {
    when(command: RecordHit) {
      const produced = decide(command, state);
      return {
        then(expected: Expectation): ClientEvent[] {
          // Every hit gives exactly one event, whose id is the hit's and whose data matches its schema.
          check(produced.length === 1, `exactly one event per hit, got ${produced.length}`);
          const [event] = produced as [ClientEvent];
          check(event.id === command.hit.id, 'event id = hit id');
          const parsed = clientEventSchemas[event.type].safeParse(event.data);
          check(parsed.success, `${event.type} matches its schema: ${parsed.success ? '' : parsed.error.message}`);
          if (typeof expected === 'function') expected(produced, evolve(state, event));
          else check(deepEqual(produced, expected), `events differ:\n${JSON.stringify(produced)}\n${JSON.stringify(expected)}`);
          return produced;
        },
      };
    },
  };
}

/** The events the given hits produce, one after the other. */
export function history(hits: readonly ReceivedHit[], property: PropertySettings = settings, start: readonly ClientEvent[] = []): ClientEvent[] {
  const events = [...start];
  for (const h of hits) events.push(...given(events).when(recordHit(h, property)).then(() => {}));
  return events;
}

export const recorded = (events: readonly ClientEvent[]) => events.flatMap((e) => (e.type === 'HitDiscarded.v1' ? [] : [e]));

/** Distinct session ids of the recorded events, in order. */
export const sessionIds = (events: readonly ClientEvent[]): string[] => [...new Set(recorded(events).map((e) => e.data.session.id))];

export interface Metrics {
  sessions: number;
  newUsers: number;
  bounces: number;
  sessionDuration: number; // seconds
  pageviews: number;
  uniquePageviews: number;
  entrances: Record<string, number>;
  exits: Record<string, number>;
  timeOnPage: Record<string, number>; // seconds
  totalEvents: number;
  uniqueEvents: number;
  transactions: number;
  revenue: number;
  landingPages: string[];
}

/**
 * A reference projection of §6 metrics, fed event by event. Its only memory
 * across events is per-session sets for the "unique" metrics (kept by session id,
 * as a real projection keeps its session documents); everything else comes from
 * the event alone.
 */
export function metricsOf(events: readonly ClientEvent[]): Metrics {
  const m: Metrics = {
    sessions: 0,
    newUsers: 0,
    bounces: 0,
    sessionDuration: 0,
    pageviews: 0,
    uniquePageviews: 0,
    entrances: {},
    exits: {},
    timeOnPage: {},
    totalEvents: 0,
    uniqueEvents: 0,
    transactions: 0,
    revenue: 0,
    landingPages: [],
  };
  const seen = new Map<string, Set<string>>();
  const firstInSession = (sessionId: string, key: string): boolean => {
    let set = seen.get(sessionId);
    if (set === undefined) seen.set(sessionId, (set = new Set()));
    if (set.has(key)) return false;
    set.add(key);
    return true;
  };
  const add = (record: Record<string, number>, key: string, n: number) => (record[key] = (record[key] ?? 0) + n);

  for (const event of recorded(events)) {
    const { hit, session } = event.data;
    const path = hit.page.path ?? '(not set)';
    const isPage = hit.type === 'pageview' || hit.type === 'screenview';
    if (hit.interaction) {
      // S-7: a session counts once it has an interaction hit; bounce = exactly one.
      if (session.interactionIndex === 1) {
        m.sessions += 1;
        m.bounces += 1;
        if (session.isNewUser) m.newUsers += 1;
      } else if (session.interactionIndex === 2) m.bounces -= 1;
      if (session.previousInteractionAt !== undefined) m.sessionDuration += (hit.time - session.previousInteractionAt) / 1000;
    }
    // Time on page (cookbook rule): a page runs to the next page view, an exit page to
    // the session's last interaction; what was already credited to the previous page
    // is the time up to the last interaction after it.
    const prev = session.previousPage;
    if (prev !== undefined && (isPage || hit.interaction)) {
      const credited = Math.max(0, (session.previousInteractionAt ?? prev.time) - prev.time);
      add(m.timeOnPage, prev.path ?? '(not set)', (hit.time - prev.time - credited) / 1000);
    }
    if (isPage) {
      if (hit.type === 'pageview') m.pageviews += 1;
      if (hit.type === 'pageview' && firstInSession(session.id, `p\u0000${path}\u0000${hit.page.title ?? ''}`)) m.uniquePageviews += 1;
      if (session.isEntrance) {
        add(m.entrances, path, 1);
        m.landingPages.push(path);
      }
      if (prev !== undefined) add(m.exits, prev.path ?? '(not set)', -1);
      add(m.exits, path, 1);
      add(m.timeOnPage, path, 0);
    }
    if (hit.type === 'event') {
      m.totalEvents += 1;
      const { category, action, label } = hit.event;
      if (firstInSession(session.id, `e\u0000${category}\u0000${action}\u0000${label}`)) m.uniqueEvents += 1;
    }
    if (hit.type === 'transaction') {
      m.transactions += 1;
      m.revenue += hit.transaction.revenue;
    } else if (hit.ecommerce?.action === 'purchase' && hit.ecommerce.transaction !== undefined) {
      m.transactions += 1;
      m.revenue += hit.ecommerce.transaction.revenue;
    }
  }
  for (const key of Object.keys(m.exits)) if (m.exits[key] === 0) delete m.exits[key];
  return m;
}
