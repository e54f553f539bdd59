// Test support (not used in production): builds an event log the way the write side
// does: property events for the properties, then one event per hit decided by the REAL
// client decider, appended to the client's stream, with global positions in log order.
import type { ClientEvent, ClientState } from '../../domain/client/events.ts';
import { decide, evolve, initialState } from '../../domain/client/decider.ts';
import { clientStreamName } from '../../domain/client/stream.ts';
import { hit as fixtureHit, settings as fixtureSettings, type Params } from '../../domain/client/fixtures.ts';
import type { ReceivedHit } from '../../domain/hit.ts';
import type { PropertySettings } from '../../domain/property/settings.ts';
import { clientErased, erasureStreamName } from '../../domain/erasure/events.ts';
import type { JsonValue, RecordedEvent } from '../../storage/eventstore/port.ts';

export { fixtureSettings };

export const positionOf = (n: number): string => String(n).padStart(20, '0');

export interface EventLog {
  /** Appends PropertyCreated.v1 for the property (its settings as the snapshot). */
  property(settings: PropertySettings, at?: number): EventLog;
  /** Appends any property event. */
  propertyEvent(propertyId: string, type: string, data: JsonValue): EventLog;
  /** Decides the hit with the real decider against the property and appends the client event. */
  hit(settings: PropertySettings, hit: ReceivedHit): ClientEvent;
  /** Many hits, in the order given. */
  hits(settings: PropertySettings, hits: readonly ReceivedHit[]): EventLog;
  /**
   * Erases a visitor as the read API does: appends ClientErased.v1 to `erasure-<tid>`, then
   * removes the client stream's events from the log (the embedded store's deleteStream: a
   * later hit starts the stream again from nothing). Returns the erasure event.
   */
  erase(settings: PropertySettings, cid: string, at?: number): RecordedEvent;
  readonly events: RecordedEvent[];
}

export function createEventLog(): EventLog {
  const events: RecordedEvent[] = [];
  const streams = new Map<string, { revision: number; state: ClientState }>();
  // Positions are never reused, also after an erasure removed events.
  let appended = 0;
  const append = (stream: string, id: string, type: string, data: JsonValue, created: number): RecordedEvent => {
    const entry = streams.get(stream);
    const revision = entry === undefined ? 0 : entry.revision + 1;
    appended += 1;
    const event: RecordedEvent = { stream, revision, position: positionOf(appended), id, type, data, metadata: {}, created };
    events.push(event);
    return event;
  };
  const log: EventLog = {
    events,
    property(settings, at = 0) {
      const { id: _id, active: _active, ...snapshot } = settings;
      const stream = `property-${settings.id}`;
      append(stream, `00000000-0000-4000-9000-${String(appended + 1).padStart(12, '0')}`, 'PropertyCreated.v1', JSON.parse(JSON.stringify({ propertyId: settings.id, at, settings: snapshot })) as JsonValue, at);
      streams.set(stream, { revision: (streams.get(stream)?.revision ?? -1) + 1, state: initialState() });
      return log;
    },
    propertyEvent(propertyId, type, data) {
      const stream = `property-${propertyId}`;
      append(stream, `00000000-0000-4000-9000-${String(appended + 1).padStart(12, '0')}`, type, data, 0);
      streams.set(stream, { revision: (streams.get(stream)?.revision ?? -1) + 1, state: initialState() });
      return log;
    },
    hit(settings, received) {
      const stream = clientStreamName(settings.id, received.params, settings);
      const entry = streams.get(stream);
      const state = entry?.state ?? initialState();
      const decided = decide({ type: 'RecordHit', hit: received, property: settings }, state);
      if (decided.length !== 1) throw new Error(`the decider returned ${decided.length} events for one hit`);
      const event = decided[0]!;
      // A JSON round trip, as a stored event is read back.
      append(stream, event.id, event.type, JSON.parse(JSON.stringify(event.data)) as JsonValue, received.receivedAt);
      streams.set(stream, { revision: (entry?.revision ?? -1) + 1, state: evolve(state, event) });
      return event;
    },
    hits(settings, hits) {
      for (const h of hits) log.hit(settings, h);
      return log;
    },
    erase(settings, cid, at = 0) {
      const client = clientStreamName(settings.id, { cid }, settings);
      const { type, data } = clientErased(settings.id, client, at);
      const stream = erasureStreamName(settings.id);
      const recorded = append(stream, `00000000-0000-4000-a000-${String(appended + 1).padStart(12, '0')}`, type, data, at);
      streams.set(stream, { revision: recorded.revision, state: initialState() });
      for (let i = events.length - 1; i >= 0; i--) if (events[i]!.stream === client) events.splice(i, 1);
      streams.delete(client);
      return recorded;
    },
  };
  return log;
}

/** A hit for `settings` from client `cid` at `at` (ISO or epoch ms): a pageview of https://mysite.com/ unless `params` say otherwise. */
export function visit(settings: PropertySettings, cid: string, at: string | number, params: Params = {}, extra: Partial<Omit<ReceivedHit, 'params'>> = {}): ReceivedHit {
  return fixtureHit(at, { tid: settings.id, cid, ...params }, extra);
}

/** dl for a path on the fixture site. */
export const page = (path: string, title?: string): Params => ({ t: 'pageview', dl: `https://mysite.com${path}`, ...(title === undefined ? {} : { dt: title }) });
export const event = (category: string, action: string, label?: string, value?: number, ni = false): Params => ({
  t: 'event',
  ec: category,
  ea: action,
  ...(label === undefined ? {} : { el: label }),
  ...(value === undefined ? {} : { ev: value }),
  ...(ni ? { ni: '1' } : {}),
});

/** A property in Berlin time with a session-scoped cd1, a hit-scoped cd2 and an inactive cd4 (cd3 has no definition: hit scope). */
export const variedSettings: PropertySettings = {
  ...fixtureSettings,
  id: 'UA-4000-1',
  timeZone: 'Europe/Berlin',
  customDimensions: [
    { index: 1, name: 'Tier', scope: 'session', active: true },
    { index: 2, name: 'Section', scope: 'hit', active: true },
    { index: 4, name: 'Old', scope: 'hit', active: false },
  ],
};

const SHARED_PATHS = ['/', '/a', '/b', '/c'];
const REFERRERS = [undefined, 'https://www.google.com/search?q=shoes', 'https://www.facebook.com/', 'https://blog.example.org/post'];
const COUNTRIES = ['DE', 'FR', 'US', 'JP'];
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';

/**
 * A varied history of the given visitors on May 4 to 6, 2024 (UTC), in time order, for
 * tests that compare two ways of building the read models (erasure against a replay):
 * every visitor has four sessions on three days (two on May 4), one crossing an hour
 * and, for the second visitor, one crossing local midnight; pageviews of shared pages
 * and of a page only that visitor views (with its own title, cd2 value and cm2), events
 * (some non-interaction), classic transactions with items, EE purchases of a shared
 * and a private product (with a product-scoped cm3), EE refunds, exceptions, cd1 that
 * changes within a session, cm1; the first three visitors are also active in the
 * 30 minutes before `now` (realtime).
 */
export function variedHits(settings: PropertySettings, cids: readonly string[], now: number): ReceivedHit[] {
  const hits: ReceivedHit[] = [];
  cids.forEach((cid, k) => {
    const extra: Partial<Omit<ReceivedHit, 'params'>> = {
      geo: { country: COUNTRIES[k % COUNTRIES.length]!, region: `R${k % 2}`, city: `City${k}`, continent: 'X' },
      ...(k % 2 === 1 ? { userAgent: IPHONE } : {}),
    };
    const add = (at: number, params: Params) => hits.push(visit(settings, cid, at, params, extra));
    for (let s = 0; s < 4; s++) {
      const day = Date.parse('2024-05-04T00:00:00Z') + (s % 3) * 86_400_000;
      // Session 1 starts at :45 or later and runs past the hour; the second visitor's session 2 crosses local midnight (22:00 UTC in May).
      // Sessions of May 6 end before 09:00 UTC, well before `now` (the tests' noon).
      const hour = s === 2 ? 5 + (k % 4) : 5 + 3 * ((k + s) % 4) + (s === 3 ? 10 : 0);
      let at = k === 1 && s === 2 ? Date.parse('2024-05-05T21:52:00Z') : day + hour * 3_600_000 + (s === 1 ? 45 + k : 5 + 3 * k) * 60_000;
      const length = 4 + ((k * 3 + s) % 4);
      const tier = k % 2 === 0 ? 'gold' : 'silver';
      for (let h = 0; h < length; h++) {
        const shared = SHARED_PATHS[(k + s + h) % SHARED_PATHS.length]!;
        if (h === 0) {
          const referrer = REFERRERS[(k + s) % REFERRERS.length];
          add(at, {
            ...page(shared, `T${(k + h) % 3}`),
            cd1: tier,
            cd2: `sec${(k + s) % 2}`,
            cm1: k + 1,
            sr: k % 2 ? '390x844' : '1920x1080',
            ul: k % 3 ? 'en-us' : 'de-de',
            ...(referrer === undefined ? {} : { dr: referrer }),
            ...((k + s) % 5 === 4 ? { dl: `https://mysite.com${shared}?utm_source=newsletter&utm_medium=email&utm_campaign=may` } : {}),
          });
        } else {
          switch ((k + s + h) % 7) {
            case 0:
              add(at, { ...page(shared, `T${h % 3}`), cd2: `sec${h % 2}`, cd3: 'x', cd4: 'gone', cm1: h });
              break;
            case 1:
              add(at, { ...page(`/private/${cid}`, `Private ${cid}`), cd2: `sec-${cid}`, cm2: 2.5 });
              break;
            case 2:
              add(at, event(h % 2 ? 'Video' : `Form-${cid}`, h % 2 ? 'Play' : 'Submit', `L${h % 3}`, h, h % 3 === 0));
              break;
            case 3:
              add(at, { t: 'transaction', ti: `T-${cid}-${s}`, tr: 20 + h, tt: 2, ts: 1 });
              add(at + 1000, { t: 'item', ti: `T-${cid}-${s}`, in: 'Ball', ic: 'B1', iv: 'Toys', ip: 7.5, iq: 1 + (h % 3) });
              break;
            case 4:
              add(at, {
                ...event('Checkout', 'Purchase'),
                pa: 'purchase',
                ti: `E-${cid}-${s}`,
                pr1id: 'S1',
                pr1nm: 'Shoe',
                pr1ca: 'Wear',
                pr1pr: 19.99,
                pr1qt: 1 + (h % 2),
                pr1cm3: 4,
                pr2id: `P-${cid}`,
                pr2nm: `Gift for ${cid}`,
                pr2pr: 5,
              });
              break;
            case 5:
              add(at, { ...page(shared), cd1: 'platinum', pa: 'refund', ti: `E-${cid}-${s}`, tr: 5, pr1id: `P-${cid}`, pr1qt: 1 });
              break;
            default:
              add(at, { t: 'exception', exd: 'boom', exf: '0' });
          }
        }
        at += (60 + ((k * 13 + s * 7 + h * 29) % 240)) * 1000;
      }
    }
    if (k < 3) {
      add(now - (25 - k) * 60_000, { ...page(`/live/${k}`), cm1: 1 });
      add(now - (10 - k) * 60_000, page('/live/shared'));
      add(now - (2 + k) * 60_000, { ...page(`/private/${cid}`), cd2: `sec-${cid}` });
    }
  });
  return hits.sort((a, b) => a.time - b.time);
}

/** A deterministic pseudo-random sequence in [0, 1) (mulberry32), for generated test cases. */
export function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}
