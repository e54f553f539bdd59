// Test support (not used in production): the same events through the embedded sink and
// a MongoDB sink must give the same answer to every query. The events are realistic:
// simulated traffic for two properties in different time zones, decided by the real
// write side (simulator → import pipeline → client aggregate), plus a hand-made property
// with custom dimensions and metrics, all decided by the real client decider.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { openGeoLookup } from '../../collector/geo.ts';
import { createProperty, GEOIP_TEST_DB } from '../../collector/test/support.ts';
import { withSettings } from '../../domain/client/fixtures.ts';
import { silentLogger } from '../../platform/logger.ts';
import { simulateHistory } from '../../simulator/history.ts';
import { loadGeoNetworks } from '../../simulator/networks.ts';
import { openEmbeddedEventStore } from '../../storage/eventstore/embedded.ts';
import type { RecordedEvent } from '../../storage/eventstore/port.ts';
import { openEmbeddedReadStore } from '../../storage/readstore/embedded.ts';
import type { MongoReadStore, ReadStore } from '../../storage/readstore/port.ts';
import { createAnalyticsProjection } from '../analytics/index.ts';
import { createAnalyticsQueries, METRIC_NAMES, type AnalyticsQueries } from '../analytics/queries.ts';
import { STANDARD_DIMENSIONS } from '../analytics/dimensions.ts';
import { createEventLog, event, page, positionOf, visit } from '../analytics/test-support.ts';
import { tempDir } from '../test/helpers.ts';

export const EQUIVALENCE_NOW = Date.UTC(2024, 5, 3, 10, 0, 0);
const logger = silentLogger();

export interface Dataset {
  events: RecordedEvent[];
  /** Properties and the day range their events cover. */
  ranges: { property: string; from: string; to: string }[];
}

const customProperty = withSettings({
  id: 'UA-7300-1',
  timeZone: 'Asia/Kolkata',
  customDimensions: [
    { index: 1, name: 'Plan', scope: 'session', active: true },
    { index: 2, name: 'Section', scope: 'hit', active: true },
  ],
});

/** Hits with custom dimensions and metrics, events and transactions, decided by the real decider. */
function customHistory(): RecordedEvent[] {
  const log = createEventLog().property(customProperty);
  let at = EQUIVALENCE_NOW - 2 * 86_400_000;
  for (let v = 0; v < 40; v++) {
    const cid = `${v % 11}.7`;
    at += 47 * 60_000;
    for (let h = 0; h < 1 + (v % 4); h++) {
      const t = at + h * 40_000;
      const params: Record<string, string | number> =
        h === 2
          ? { ...event('Form', v % 2 ? 'Send' : 'Open', `L${v % 3}`, v % 5), cd2: `s${v % 2}`, cm2: 1.5 }
          : h === 3
            ? { t: 'transaction', ti: `T${v}`, tr: 10 + v, tt: 1 }
            : { ...page(`/c${(v + h) % 5}`, `C${h}`), cd1: ['free', 'pro', 'team'][(v + h) % 3]!, cd2: `s${h}`, cm1: (v % 3) + 0.25 };
      log.hit(customProperty, visit(customProperty, cid, t, params));
    }
  }
  return log.events;
}

let built: Promise<Dataset> | undefined;
let reference: Promise<[string, unknown][]> | undefined;

/** The dataset (built once per process). */
export const dataset = (): Promise<Dataset> => (built ??= buildDataset());

/** The embedded store's answers to every question about the dataset (computed once per process). */
export const embeddedAnswers = (): Promise<[string, unknown][]> =>
  (reference ??= dataset().then(async (d) => {
    const embedded = openEmbeddedReadStore(join(tempDir(), 'readmodels.sqlite'));
    try {
      return await askEverything(await projectInto(embedded, d.events, 500), d);
    } finally {
      await embedded.close();
    }
  }));

/** The dataset: simulated history of two properties, then the custom-dimension property; positions in log order. */
async function buildDataset(): Promise<Dataset> {
  const store = openEmbeddedEventStore({ file: join(tempDir(), 'events.sqlite') });
  try {
    await createProperty(store, 'UA-7100-1', { defaultUrl: 'https://shop.example/', domains: ['shop.example'], timeZone: 'Europe/Berlin' });
    await createProperty(store, 'UA-7200-1', { defaultUrl: 'https://blog.example/', domains: ['blog.example'], timeZone: 'America/New_York' });
    const geo = await openGeoLookup(GEOIP_TEST_DB, logger);
    const networks = loadGeoNetworks();
    await simulateHistory({ store, property: 'UA-7100-1', visitors: 140, days: 4, seed: 'mongo-eq-1', now: EQUIVALENCE_NOW, geo, networks });
    await simulateHistory({ store, property: 'UA-7200-1', visitors: 40, days: 3, seed: 'mongo-eq-2', now: EQUIVALENCE_NOW, geo, networks });
    const events: RecordedEvent[] = [];
    for await (const e of store.readAll()) events.push(e);
    events.push(...customHistory());
    return {
      events: events.map((e, i) => ({ ...e, position: positionOf(i + 1) })),
      ranges: [
        { property: 'UA-7100-1', from: '2024-05-30', to: '2024-06-03' },
        { property: 'UA-7200-1', from: '2024-05-31', to: '2024-06-03' },
        { property: customProperty.id, from: '2024-05-31', to: '2024-06-03' },
      ],
    };
  } finally {
    await store.close();
  }
}

/** Applies events through the analytics sink of `store` in batches of `batchSize`. */
export async function projectInto(store: ReadStore, events: readonly RecordedEvent[], batchSize: number): Promise<AnalyticsQueries> {
  const sink = await createAnalyticsProjection({ clock: () => EQUIVALENCE_NOW }).openSink(store, 1, logger);
  for (let i = 0; i < events.length; i += batchSize) {
    const batch = events.slice(i, i + batchSize);
    await sink.applyBatch(batch, batch[batch.length - 1]!.position);
  }
  return createAnalyticsQueries(store, 1);
}

const ALL_METRICS = [...METRIC_NAMES, 'cm1', 'cm2'];
const NO_CUSTOM = METRIC_NAMES.filter((m) => m !== 'users');

/** Every question the dashboard can ask, answered by `queries`, as a list of [question, answer]. */
export async function askEverything(queries: AnalyticsQueries, dataset: Dataset, dimensions: readonly (string | undefined)[] = [undefined, ...STANDARD_DIMENSIONS, 'cd1', 'cd2', 'cd3']): Promise<[string, unknown][]> {
  const answers: [string, unknown][] = [];
  const ask = async (question: string, answer: Promise<unknown>) => answers.push([question, await answer]);
  for (const { property, from, to } of dataset.ranges) {
    for (const dimension of dimensions) {
      await ask(`${property} report ${dimension ?? '(totals)'}`, queries.report({ property, from, to, ...(dimension ? { dimension } : {}), metrics: ALL_METRICS, limit: 100_000 }));
    }
    await ask(`${property} report pagePath on ${to}`, queries.report({ property, from: to, to, dimension: 'pagePath', metrics: ['pageviews', 'users', 'avgTimeOnPage', 'bounceRate'] }));
    await ask(`${property} days`, queries.timeseries({ property, from, to, interval: 'day', metrics: ALL_METRICS }));
    await ask(`${property} hours`, queries.timeseries({ property, from, to, interval: 'hour', metrics: NO_CUSTOM.concat('users') }));
    for (const minutesBefore of [0, 10, 45]) await ask(`${property} realtime -${minutesBefore}m`, queries.realtime({ property, now: EQUIVALENCE_NOW - minutesBefore * 60_000 }));
    const sessions = await queries.sessions({ property, from, to, limit: 10_000 });
    answers.push([`${property} sessions`, sessions]);
    await ask(`${property} sessions page 2`, queries.sessions({ property, from, to, limit: 7, offset: 7 }));
    const first = sessions[0];
    if (first !== undefined) {
      for (const dimension of ['channel', 'deviceCategory', 'landingPage', 'pagePath', 'cd1', 'cd2']) {
        const value = first.dimensions[dimension] ?? (dimension === 'pagePath' ? first.dimensions['landingPage'] : undefined);
        if (value !== undefined) await ask(`${property} sessions ${dimension}=${value}`, queries.sessions({ property, from, to, filters: { [dimension]: value }, limit: 10_000 }));
      }
    }
  }
  return answers;
}

/**
 * The equivalence suite: embedded (batches of 500) against `openMongo` (batches of 97), every
 * answer equal; and a failure inside the MongoDB sink's transaction leaves nothing.
 */
export function defineEquivalence(adapterName: string, openMongo: () => Promise<{ store: MongoReadStore; close(): Promise<void> }>): void {
  const test = suite(`analytics on MongoDB equals the embedded store (${adapterName})`);
  let data: Dataset;
  let expected: [string, unknown][];
  test.before(async () => {
    data = await dataset();
    expected = await embeddedAnswers();
  });

  test('the dataset is rich: many sessions, sources, countries, devices, transactions and custom values', () => {
    const get = (question: string) => expected.find(([q]) => q === question)?.[1] as { rows: unknown[]; totals: Record<string, number> };
    const shop = get('UA-7100-1 report (totals)');
    assert.ok(data.events.length > 700, `events: ${data.events.length}`);
    assert.ok(shop.totals['sessions']! > 100 && shop.totals['transactions']! > 0 && shop.totals['users']! > 50, JSON.stringify(shop.totals));
    assert.ok(get('UA-7100-1 report country').rows.length >= 3);
    assert.ok(get('UA-7100-1 report channel').rows.length >= 3);
    assert.ok(get('UA-7100-1 report deviceCategory').rows.length >= 2);
    assert.ok(get('UA-7300-1 report cd1').rows.length === 3 && get('UA-7300-1 report cd2').rows.length >= 2);
    assert.ok((get('UA-7300-1 report (totals)').totals['cm1'] ?? 0) > 0);
  });

  test('every report, time series, realtime view and session drill-down is the same', async () => {
    const mongo = await openMongo();
    const actual = await askEverything(await projectInto(mongo.store, data.events, 97), data);
    assert.is(actual.length, expected.length);
    for (let i = 0; i < expected.length; i++) assert.equal(actual[i], expected[i], `answer to: ${expected[i]![0]}`);
    await mongo.close();
  });

  test.run();
}
