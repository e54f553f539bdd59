// The analytics contract: the same events in, the same numbers out, on any read store.
// Events are produced by the REAL client decider from hit sequences (test-support.ts),
// applied through the projection's sink for the store, and read back through
// `createAnalyticsQueries`. Nothing here knows the store's kind: the embedded test runs
// it on SQLite, the MongoDB adapter's test runs it on its store.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ClientEvent } from '../../domain/client/events.ts';
import { withSettings } from '../../domain/client/fixtures.ts';
import { metricsOf } from '../../domain/client/testing.ts';
import type { PropertySettings } from '../../domain/property/settings.ts';
import { defaultChannelGrouping } from '../../domain/traffic-source/index.ts';
import { silentLogger } from '../../platform/logger.ts';
import type { JsonValue, RecordedEvent } from '../../storage/eventstore/port.ts';
import type { ReadStore } from '../../storage/readstore/port.ts';
import { ProjectionEventError, type ProjectionSink } from '../projection.ts';
import { createAnalyticsProjection } from './index.ts';
import { STANDARD_DIMENSIONS } from './dimensions.ts';
import { createAnalyticsQueries, createAnalyticsQueriesFrom, createAnalyticsSource, METRIC_NAMES, type AnalyticsQueries, type Report } from './queries.ts';
import { createEventLog, event, page, variedHits, variedSettings, visit } from './test-support.ts';

export interface ContractStore {
  store: ReadStore;
  close(): Promise<void>;
  /** Everything the store holds, as text: the erasure tests check the visitor's values are nowhere left. */
  dump(): Promise<string>;
}

const VERSION = 1;
const NOW = Date.parse('2024-05-06T12:00:00Z');

interface Projected {
  store: ReadStore;
  sink: ProjectionSink;
  queries: AnalyticsQueries;
  close(): Promise<void>;
  dump(): Promise<string>;
}

/** Opens a store, applies `events` through the analytics sink in batches of `batchSize` (all at once by default). */
async function project(open: () => Promise<ContractStore>, events: readonly RecordedEvent[], batchSize = events.length, now = NOW): Promise<Projected> {
  const { store, close, dump } = await open();
  const sink = await createAnalyticsProjection({ clock: () => now }).openSink(store, VERSION, silentLogger());
  for (let i = 0; i < events.length; i += Math.max(1, batchSize)) {
    const batch = events.slice(i, i + Math.max(1, batchSize));
    await sink.applyBatch(batch, batch[batch.length - 1]!.position);
  }
  return { store, sink, queries: createAnalyticsQueries(store, VERSION), close, dump };
}

const settings = withSettings({ id: 'UA-1000-1' });
const near = (actual: number, expected: number, message?: string) => assert.ok(Math.abs(actual - expected) < 1e-9, `${message ?? ''} expected ${expected}, got ${actual}`);
const rowOf = (report: Report, value: string) => report.rows.find((r) => r.dimension === value)?.metrics ?? {};
const day = '2024-05-06';

async function rejects(run: () => Promise<unknown>, pattern: RegExp): Promise<void> {
  const error = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error instanceof Error, 'expected a rejection');
  assert.match(error.message, pattern);
}

export function defineAnalyticsContract(adapterName: string, open: () => Promise<ContractStore>): void {
  const named = (title: string) => suite(`analytics contract (${adapterName}): ${title}`);

  // ---- §6.6 worked examples ------------------------------------------------------
  const examples = named('worked examples M-1..M-6');

  examples('M-1: an interaction 20 s after the landing: no bounce, 20 s; with ni=1: bounce, 0 s', async () => {
    const interactive = createEventLog().hits(settings, [visit(settings, 'c1', '2024-05-06T10:00:00Z', page('/a')), visit(settings, 'c1', '2024-05-06T10:00:20Z', event('Video', 'Play'))]);
    const p = await project(open, interactive.events);
    const r = await p.queries.report({ property: settings.id, from: day, to: day, metrics: ['sessions', 'bounces', 'bounceRate', 'sessionDuration', 'avgSessionDuration'] });
    assert.equal(r.totals, { sessions: 1, bounces: 0, bounceRate: 0, sessionDuration: 20, avgSessionDuration: 20 });
    await p.close();

    const ni = createEventLog().hits(settings, [
      visit(settings, 'c1', '2024-05-06T10:00:00Z', page('/a')),
      visit(settings, 'c1', '2024-05-06T10:00:20Z', event('Video', 'Play', undefined, undefined, true)),
    ]);
    const q = await project(open, ni.events);
    const s = await q.queries.report({ property: settings.id, from: day, to: day, metrics: ['sessions', 'bounces', 'bounceRate', 'sessionDuration'] });
    assert.equal(s.totals, { sessions: 1, bounces: 1, bounceRate: 100, sessionDuration: 0 });
    await q.close();
  });

  const m2 = (withEvent: boolean) => {
    const hits = [
      visit(settings, 'c1', '2024-05-06T10:00:00Z', page('/A')),
      visit(settings, 'c1', '2024-05-06T10:05:00Z', page('/B')),
      visit(settings, 'c1', '2024-05-06T10:15:00Z', page('/C')),
    ];
    if (withEvent) hits.push(visit(settings, 'c1', '2024-05-06T10:17:00Z', event('Link', 'Click')));
    return createEventLog().hits(settings, hits).events;
  };

  examples('M-2: time on page A 300 / B 600 / C 0, exits C, duration 900, avg time on page A 300 and C 0', async () => {
    const p = await project(open, m2(false));
    const r = await p.queries.report({ property: settings.id, from: day, to: day, dimension: 'pagePath', metrics: ['pageviews', 'timeOnPage', 'exits', 'entrances', 'avgTimeOnPage', 'exitRate'] });
    assert.equal(rowOf(r, '/A'), { pageviews: 1, timeOnPage: 300, exits: 0, entrances: 1, avgTimeOnPage: 300, exitRate: 0 });
    assert.equal(rowOf(r, '/B'), { pageviews: 1, timeOnPage: 600, exits: 0, entrances: 0, avgTimeOnPage: 600, exitRate: 0 });
    assert.equal(rowOf(r, '/C'), { pageviews: 1, timeOnPage: 0, exits: 1, entrances: 0, avgTimeOnPage: 0, exitRate: 100 });
    const t = await p.queries.report({ property: settings.id, from: day, to: day, metrics: ['sessionDuration', 'pageviewsPerSession', 'entrances', 'exits'] });
    assert.equal(t.totals, { sessionDuration: 900, pageviewsPerSession: 3, entrances: 1, exits: 1 });
    const exit = await p.queries.report({ property: settings.id, from: day, to: day, dimension: 'exitPage', metrics: ['sessions'] });
    assert.equal(exit.rows, [{ dimension: '/C', metrics: { sessions: 1 } }]);
    await p.close();
  });

  examples('M-2: an interactive event at 10:17 gives C 120 s (cookbook rule) and the session 1020 s', async () => {
    const p = await project(open, m2(true));
    const r = await p.queries.report({ property: settings.id, from: day, to: day, dimension: 'pagePath', metrics: ['timeOnPage', 'avgTimeOnPage'] });
    assert.equal(rowOf(r, '/C'), { timeOnPage: 120, avgTimeOnPage: 0 });
    assert.equal(rowOf(r, '/A'), { timeOnPage: 300, avgTimeOnPage: 300 });
    const t = await p.queries.report({ property: settings.id, from: day, to: day, metrics: ['sessionDuration'] });
    assert.is(t.totals['sessionDuration'], 1020);
    await p.close();
  });

  examples('M-3: exit rate = exits / pageviews of the page; page bounce rate from the sessions starting on it', async () => {
    const log = createEventLog().hits(settings, [
      visit(settings, 'c1', '2024-05-06T09:00:00Z', page('/x')),
      visit(settings, 'c2', '2024-05-06T09:10:00Z', page('/y')),
      visit(settings, 'c2', '2024-05-06T09:11:00Z', page('/x')),
      visit(settings, 'c3', '2024-05-06T09:20:00Z', page('/x')),
      visit(settings, 'c3', '2024-05-06T09:21:00Z', page('/y')),
    ]);
    const p = await project(open, log.events);
    const r = await p.queries.report({ property: settings.id, from: day, to: day, dimension: 'pagePath', metrics: ['pageviews', 'exits', 'exitRate', 'sessions', 'bounces', 'bounceRate', 'entrances'] });
    const x = rowOf(r, '/x');
    assert.equal({ ...x, exitRate: Math.round(x['exitRate']! * 100) / 100 }, { pageviews: 3, exits: 2, exitRate: 66.67, sessions: 2, bounces: 1, bounceRate: 50, entrances: 2 });
    assert.equal(rowOf(r, '/y'), { pageviews: 2, exits: 1, exitRate: 50, sessions: 1, bounces: 0, bounceRate: 0, entrances: 1 });
    await p.close();
  });

  examples('M-4: Play clicked 5 times in one session: total events 5, unique events 1', async () => {
    const hits = [visit(settings, 'c1', '2024-05-06T10:00:00Z', page('/video'))];
    for (let i = 1; i <= 5; i++) hits.push(visit(settings, 'c1', `2024-05-06T10:00:1${i}Z`, event('Video', 'Play', 'Intro', 1)));
    const p = await project(open, createEventLog().hits(settings, hits).events);
    const r = await p.queries.report({ property: settings.id, from: day, to: day, dimension: 'eventAction', metrics: ['totalEvents', 'uniqueEvents', 'eventValue', 'avgEventValue', 'sessionsWithEvent'] });
    assert.equal(r.rows, [{ dimension: 'Play', metrics: { totalEvents: 5, uniqueEvents: 1, eventValue: 5, avgEventValue: 1, sessionsWithEvent: 1 } }]);
    assert.equal(r.totals, { totalEvents: 5, uniqueEvents: 1, eventValue: 5, avgEventValue: 1, sessionsWithEvent: 1 });
    await p.close();
  });

  examples('M-5: unique pageviews count path + title combinations once per session', async () => {
    const log = createEventLog().hits(settings, [
      visit(settings, 'c1', '2024-05-06T10:00:00Z', page('/p', 'X')),
      visit(settings, 'c1', '2024-05-06T10:01:00Z', page('/p', 'X')),
      visit(settings, 'c1', '2024-05-06T10:02:00Z', page('/p', 'Y')),
      visit(settings, 'c2', '2024-05-06T10:00:00Z', page('/q')),
      visit(settings, 'c2', '2024-05-06T10:01:00Z', page('/q')),
      visit(settings, 'c3', '2024-05-06T10:00:00Z', page('/q')),
      visit(settings, 'c3', '2024-05-06T10:01:00Z', page('/q')),
    ]);
    const p = await project(open, log.events);
    const r = await p.queries.report({ property: settings.id, from: day, to: day, dimension: 'pagePath', metrics: ['pageviews', 'uniquePageviews'] });
    assert.equal(rowOf(r, '/p'), { pageviews: 3, uniquePageviews: 2 });
    assert.equal(rowOf(r, '/q'), { pageviews: 4, uniquePageviews: 2 });
    const titles = await p.queries.report({ property: settings.id, from: day, to: day, dimension: 'pageTitle', metrics: ['uniquePageviews'] });
    assert.equal(rowOf(titles, 'X'), { uniquePageviews: 1 });
    await p.close();
  });

  examples('M-6: a first session across midnight: new users 1, sessions 2, % new sessions 50; a client seen before the range: 0', async () => {
    const log = createEventLog().hits(settings, [
      visit(settings, 'c1', '2024-05-06T23:50:00Z', page('/a')),
      visit(settings, 'c1', '2024-05-07T00:10:00Z', page('/b')),
      visit(settings, 'old', '2024-05-01T10:00:00Z', page('/a')),
      visit(settings, 'old', '2024-05-07T10:00:00Z', page('/a')),
    ]);
    const p = await project(open, log.events);
    const both = await p.queries.report({ property: settings.id, from: '2024-05-06', to: '2024-05-07', metrics: ['newUsers', 'sessions', 'percentNewSessions', 'users'] });
    assert.equal(both.totals, { newUsers: 1, sessions: 3, percentNewSessions: (1 / 3) * 100, users: 2 });
    const seriesOfC1 = await p.queries.timeseries({ property: settings.id, from: '2024-05-06', to: '2024-05-07', interval: 'day', metrics: ['users', 'newUsers', 'sessions'] });
    assert.equal(seriesOfC1.points, [
      { period: '2024-05-06', metrics: { users: 1, newUsers: 1, sessions: 1 } },
      { period: '2024-05-07', metrics: { users: 2, newUsers: 0, sessions: 2 } },
    ]);
    const type = await p.queries.report({ property: settings.id, from: '2024-05-06', to: '2024-05-07', dimension: 'userType', metrics: ['sessions', 'users'] });
    assert.equal(rowOf(type, 'New Visitor'), { sessions: 1, users: 1 });
    assert.equal(rowOf(type, 'Returning Visitor'), { sessions: 2, users: 2 });
    await p.close();
  });

  examples.run();

  // ---- a multi-day, multi-source dataset -----------------------------------------
  const dataset = named('a multi-day multi-source dataset');

  /** 60 visits of 15 clients over three days from five kinds of source: pages, events, ni hits, purchases, a bot. */
  function history(): { decided: ClientEvent[]; events: RecordedEvent[] } {
    const log = createEventLog().property(settings);
    const referrers = [undefined, 'https://www.google.com/search?q=shoes', 'https://www.facebook.com/', 'https://blog.example.org/post', undefined];
    const hits: { at: number; cid: string; params: Record<string, string | number | boolean>; country: string }[] = [];
    let visitStart = Date.parse('2024-05-05T20:00:00Z');
    for (let v = 0; v < 60; v++) {
      const cid = `${(v * 7) % 15}.1`;
      const country = ['DE', 'FR', 'US'][v % 3]!;
      visitStart += 45 * 60_000 + ((v * 37) % 11) * 60_000;
      let at = visitStart;
      const length = 1 + ((v * 5) % 6);
      for (let h = 0; h < length; h++) {
        const i = v * 10 + h;
        const kind = h === 0 ? (v % 9 === 4 ? 4 : 0) : (i * 11) % 7;
        let params: Record<string, string | number | boolean>;
        if (kind <= 2) {
          params = { ...page(`/p${i % 6}`, `T${i % 4}`), sr: v % 2 ? '1920x1080' : '390x844', ul: v % 3 ? 'en-us' : 'de-de', cm1: i % 5 };
          const referrer = referrers[v % referrers.length];
          if (h === 0 && referrer !== undefined) params['dr'] = referrer;
          if (h === 0 && v % 13 === 0) params['dl'] = `https://mysite.com/p${i % 6}?utm_source=newsletter&utm_medium=email&utm_campaign=may`;
        } else if (kind <= 4) params = event('Video', i % 2 ? 'Play' : 'Pause', `L${i % 3}`, i % 4, i % 5 === 0);
        else if (kind === 5) params = { t: 'transaction', ti: `T${i}`, tr: 20 + (i % 3), tt: 2, ts: 1 };
        else params = { ...page(`/p${i % 6}`), ni: '1' };
        hits.push({ at, cid, params, country });
        at += 20_000 + ((i * 53) % 180) * 1000;
      }
    }
    // Visits overlap: the log holds their hits in time order, interleaved.
    hits.sort((a, b) => a.at - b.at);
    const decided = hits.map((h) => log.hit(settings, visit(settings, h.cid, h.at, h.params, { geo: { country: h.country, region: 'R', city: 'C', continent: 'X' } })));
    log.hit(settings, visit(settings, 'robot', visitStart, page('/p1'), { isBot: true }));
    return { decided, events: log.events };
  }

  const ADDITIVE = ['sessions', 'newUsers', 'bounces', 'sessionDuration', 'pageviews', 'uniquePageviews', 'entrances', 'exits', 'timeOnPage', 'totalEvents', 'uniqueEvents', 'transactions', 'transactionRevenue', 'hits', 'cm1'];
  const HOURLY = ADDITIVE.filter((m) => m !== 'cm1');
  const range = { property: settings.id, from: '2024-05-05', to: '2024-05-09' };

  dataset('totals agree with the domain reference projection (metricsOf)', async () => {
    const { decided, events } = history();
    const reference = metricsOf(decided);
    const p = await project(open, events);
    const r = await p.queries.report({ ...range, metrics: ['sessions', 'newUsers', 'bounces', 'sessionDuration', 'pageviews', 'uniquePageviews', 'totalEvents', 'uniqueEvents', 'transactions', 'transactionRevenue'] });
    assert.equal(r.totals, {
      sessions: reference.sessions,
      newUsers: reference.newUsers,
      bounces: reference.bounces,
      sessionDuration: reference.sessionDuration,
      pageviews: reference.pageviews,
      uniquePageviews: reference.uniquePageviews,
      totalEvents: reference.totalEvents,
      uniqueEvents: reference.uniqueEvents,
      transactions: reference.transactions,
      transactionRevenue: reference.revenue,
    });
    const pages = await p.queries.report({ ...range, dimension: 'pagePath', metrics: ['entrances', 'exits', 'timeOnPage'] });
    for (const [path, n] of Object.entries(reference.entrances)) assert.is(rowOf(pages, path)['entrances'], n, `entrances of ${path}`);
    for (const [path, n] of Object.entries(reference.exits)) assert.is(rowOf(pages, path)['exits'], n, `exits of ${path}`);
    for (const [path, s] of Object.entries(reference.timeOnPage)) near(rowOf(pages, path)['timeOnPage'] ?? 0, s, `time on page of ${path}`);
    assert.ok(reference.sessions > 40 && reference.transactions > 5 && reference.uniqueEvents > 5 && reference.bounces < reference.sessions / 2, 'the dataset exercises the metrics');
    assert.ok(Object.values(reference.timeOnPage).some((s) => s > 0), 'pages with time on page');
    await p.close();
  });

  dataset('every session dimension splits the totals exactly; users per value are distinct clients', async () => {
    const { decided, events } = history();
    const p = await project(open, events);
    const totals = (await p.queries.report({ ...range, metrics: [...ADDITIVE, 'users'] })).totals;
    for (const dimension of ['channel', 'source', 'medium', 'sourceMedium', 'campaign', 'referralPath', 'landingPage', 'exitPage', 'country', 'deviceCategory', 'browser', 'os', 'language', 'screenResolution', 'userType']) {
      const r = await p.queries.report({ ...range, dimension, metrics: ADDITIVE });
      for (const metric of ADDITIVE) {
        near(
          r.rows.reduce((sum, row) => sum + row.metrics[metric]!, 0),
          totals[metric]!,
          `${dimension}: Σ ${metric}`,
        );
      }
    }
    // Users per channel, computed from the events: distinct clients of the sessions with that channel.
    const expected = new Map<string, Set<string>>();
    for (const e of decided) {
      if (e.type === 'HitDiscarded.v1') continue;
      const channel = defaultChannelGrouping(e.data.session.source, settings);
      const client = e.data.session.id.slice(0, e.data.session.id.lastIndexOf(':'));
      expected.set(channel, (expected.get(channel) ?? new Set()).add(client));
    }
    const channels = await p.queries.report({ ...range, dimension: 'channel', metrics: ['users', 'sessions'], orderBy: { metric: 'users', direction: 'desc' } });
    assert.equal(Object.fromEntries(channels.rows.map((r) => [r.dimension, r.metrics['users']])), Object.fromEntries([...expected].map(([c, s]) => [c, s.size])));
    assert.ok(expected.size >= 4, 'several channels');
    const allClients = new Set([...expected.values()].flatMap((s) => [...s]));
    assert.is(totals['users'], allClients.size);
    assert.is(channels.totals['users'], allClients.size);
    await p.close();
  });

  dataset('time series by day and by hour add up to the totals; users per day are distinct clients of the day', async () => {
    const { decided, events } = history();
    const p = await project(open, events);
    const totals = (await p.queries.report({ ...range, metrics: ADDITIVE })).totals;
    const days = await p.queries.timeseries({ ...range, interval: 'day', metrics: [...ADDITIVE, 'users'] });
    assert.is(days.points.length, 5);
    const hours = await p.queries.timeseries({ ...range, interval: 'hour', metrics: HOURLY });
    assert.is(hours.points.length, 5 * 24);
    for (const metric of ADDITIVE) {
      near(days.points.reduce((s, x) => s + x.metrics[metric]!, 0), totals[metric]!, `days Σ ${metric}`);
      if (metric !== 'cm1') near(hours.points.reduce((s, x) => s + x.metrics[metric]!, 0), totals[metric]!, `hours Σ ${metric}`);
      near(days.totals[metric]!, totals[metric]!, `timeseries totals ${metric}`);
    }
    const perDay = new Map<string, Set<string>>();
    for (const e of decided) {
      if (e.type === 'HitDiscarded.v1') continue;
      const client = e.data.session.id.slice(0, e.data.session.id.lastIndexOf(':'));
      perDay.set(e.data.state.sessionDay, (perDay.get(e.data.state.sessionDay) ?? new Set()).add(client));
    }
    for (const point of days.points) assert.is(point.metrics['users'], perDay.get(point.period)?.size ?? 0, `users on ${point.period}`);
    await p.close();
  });

  dataset('the same events in batches of 1, 7 or all give the same reports', async () => {
    const { events } = history();
    const read = async (p: Projected) => {
      const out: unknown[] = [];
      for (const dimension of [undefined, 'pagePath', 'landingPage', 'exitPage', 'channel', 'eventLabel', 'country', 'hostname']) {
        out.push(await p.queries.report({ ...range, ...(dimension ? { dimension } : {}), metrics: [...ADDITIVE, 'users', 'bounceRate', 'avgTimeOnPage'] }));
      }
      out.push(await p.queries.timeseries({ ...range, interval: 'hour', metrics: HOURLY }));
      return out;
    };
    const all = await project(open, events);
    const expected = await read(all);
    await all.close();
    for (const size of [1, 7]) {
      const p = await project(open, events, size);
      assert.equal(await read(p), expected, `batches of ${size}`);
      await p.close();
    }
  });

  dataset('session documents: drill-down by session dimension and by page', async () => {
    const { decided, events } = history();
    const p = await project(open, events);
    const organic = new Set<string>();
    const viewedP1 = new Set<string>();
    for (const e of decided) {
      if (e.type === 'HitDiscarded.v1') continue;
      if (defaultChannelGrouping(e.data.session.source, settings) === 'Organic Search') organic.add(e.data.session.id);
      if (e.data.hit.type === 'pageview' && e.data.hit.page.path === '/p1') viewedP1.add(e.data.session.id);
    }
    const found = await p.queries.sessions({ ...range, filters: { channel: 'Organic Search' }, limit: 1000 });
    assert.equal(found.map((s) => s.id).sort(), [...organic].sort());
    assert.ok(found.every((s) => s.dimensions['channel'] === 'Organic Search' && s.dimensions['medium'] === 'organic'));
    const byPage = await p.queries.sessions({ ...range, filters: { pagePath: '/p1' }, limit: 1000 });
    assert.equal(byPage.map((s) => s.id).sort(), [...viewedP1].sort());
    const page1 = await p.queries.sessions({ ...range, limit: 5 });
    const page2 = await p.queries.sessions({ ...range, limit: 5, offset: 5 });
    assert.is(page1.length, 5);
    assert.ok(page2.every((s) => !page1.some((t) => t.id === s.id)), 'offset pages do not overlap');
    assert.ok(page1[0]!.metrics['hits']! >= 1);
    await p.close();
  });

  dataset('a report asking a few metrics lists the same values, with the same numbers, as one asking them all', async () => {
    const { events } = history();
    const p = await project(open, events);
    // Event values have no page views: asked for page views alone they are still listed (with 0).
    for (const [dimension, few] of [
      ['pagePath', ['pageviews', 'avgTimeOnPage']],
      ['eventCategory', ['pageviews']],
      ['eventLabel', ['sessions', 'bounceRate']],
      ['channel', ['transactions']],
    ] as const) {
      const full = await p.queries.report({ ...range, dimension, metrics: [...ADDITIVE] });
      const some = await p.queries.report({ ...range, dimension, metrics: [...few] });
      assert.ok(full.rowCount > 0, `${dimension}: the history has values`);
      assert.is(some.rowCount, full.rowCount, `${dimension}: row count`);
      const byValue = new Map(full.rows.map((r) => [r.dimension, r.metrics]));
      const fullFew = await p.queries.report({ ...range, dimension, metrics: [...few, ...ADDITIVE] });
      assert.equal(
        some.rows.map((r) => [r.dimension, r.metrics]),
        fullFew.rows.map((r) => [r.dimension, Object.fromEntries(few.map((m) => [m, r.metrics[m]]))]),
        `${dimension}: rows`,
      );
      assert.ok(some.rows.every((r) => byValue.has(r.dimension)), `${dimension}: values`);
    }
    await p.close();
  });

  dataset('a report is sorted, limited and offset; unknown metrics and dimensions are refused', async () => {
    const { events } = history();
    const p = await project(open, events);
    const all = await p.queries.report({ ...range, dimension: 'pagePath', metrics: ['pageviews'] });
    const sorted = all.rows.map((r) => r.metrics['pageviews']!);
    assert.equal(sorted, [...sorted].sort((a, b) => b - a));
    const second = await p.queries.report({ ...range, dimension: 'pagePath', metrics: ['pageviews'], limit: 2, offset: 1 });
    assert.equal(second.rows, all.rows.slice(1, 3));
    assert.is(second.rowCount, all.rowCount);
    const asc = await p.queries.report({ ...range, dimension: 'pagePath', metrics: ['pageviews'], orderBy: { metric: 'pageviews', direction: 'asc' } });
    assert.equal(asc.rows.map((r) => r.metrics['pageviews']), [...sorted].reverse());
    await rejects(() => p.queries.report({ ...range, metrics: ['nope'] }), /known metric/);
    await rejects(() => p.queries.report({ ...range, dimension: 'nope', metrics: ['sessions'] }), /known dimension/);
    await rejects(() => p.queries.report({ ...range, from: '2024-05-10', metrics: ['sessions'] }), /from/);
    await p.close();
  });

  dataset.run();

  // ---- ecommerce -----------------------------------------------------------------
  const ecommerce = named('ecommerce');

  ecommerce('classic transactions and items, EE purchases and refunds', async () => {
    const log = createEventLog().hits(settings, [
      visit(settings, 'c1', '2024-05-06T10:00:00Z', page('/shop')),
      visit(settings, 'c1', '2024-05-06T10:01:00Z', { t: 'transaction', ti: 'T1', tr: 100.5, tt: 10.25, ts: 5 }),
      visit(settings, 'c1', '2024-05-06T10:01:01Z', { t: 'item', ti: 'T1', in: 'Frisbee', ic: 'F1', iv: 'Toys', ip: 10.5, iq: 2 }),
      visit(settings, 'c1', '2024-05-06T10:01:02Z', { t: 'item', ti: 'T1', in: 'Ball', ic: 'B1', iv: 'Toys', ip: 15.9, iq: 5 }),
      visit(settings, 'c2', '2024-05-06T11:00:00Z', page('/shop')),
      // EE purchase without tr: revenue = Σ price × quantity = 2 × 19.99 + 1 × 5 = 44.98
      visit(settings, 'c2', '2024-05-06T11:02:00Z', { ...event('Checkout', 'Purchase'), pa: 'purchase', ti: 'T2', pr1id: 'S1', pr1nm: 'Shoe', pr1ca: 'Wear', pr1pr: 19.99, pr1qt: 2, pr2id: 'B1', pr2nm: 'Ball', pr2pr: 5 }),
      visit(settings, 'c2', '2024-05-06T11:05:00Z', { ...event('Checkout', 'Refund'), pa: 'refund', ti: 'T2', tr: 19.99, pr1id: 'S1', pr1qt: 1 }),
    ]);
    const p = await project(open, log.events);
    const t = await p.queries.report({
      property: settings.id,
      from: day,
      to: day,
      metrics: ['transactions', 'transactionRevenue', 'transactionTax', 'transactionShipping', 'itemQuantity', 'itemRevenue', 'uniquePurchases', 'avgOrderValue', 'ecommerceConversionRate', 'refunds', 'refundAmount', 'quantityRefunded', 'sessions'],
    });
    near(t.totals['transactionRevenue']!, 145.48);
    near(t.totals['itemRevenue']!, 21 + 79.5 + 44.98);
    near(t.totals['avgOrderValue']!, 145.48 / 2);
    assert.equal(
      { ...t.totals, transactionRevenue: 0, itemRevenue: 0, avgOrderValue: 0 },
      {
        transactions: 2,
        transactionRevenue: 0,
        transactionTax: 10.25,
        transactionShipping: 5,
        itemQuantity: 10,
        itemRevenue: 0,
        uniquePurchases: 4,
        avgOrderValue: 0,
        ecommerceConversionRate: 100,
        refunds: 1,
        refundAmount: 19.99,
        quantityRefunded: 1,
        sessions: 2,
      },
    );
    const products = await p.queries.report({ property: settings.id, from: day, to: day, dimension: 'productSku', metrics: ['itemQuantity', 'itemRevenue', 'uniquePurchases', 'quantityRefunded', 'avgPrice'] });
    assert.equal(rowOf(products, 'B1'), { itemQuantity: 6, itemRevenue: 84.5, uniquePurchases: 2, quantityRefunded: 0, avgPrice: 84.5 / 6 });
    assert.equal(rowOf(products, 'S1'), { itemQuantity: 2, itemRevenue: 39.98, uniquePurchases: 1, quantityRefunded: 1, avgPrice: 19.99 });
    const names = await p.queries.report({ property: settings.id, from: day, to: day, dimension: 'productName', metrics: ['itemQuantity'] });
    assert.equal(rowOf(names, 'Frisbee'), { itemQuantity: 2 });
    const categories = await p.queries.report({ property: settings.id, from: day, to: day, dimension: 'productCategory', metrics: ['itemQuantity'] });
    assert.equal(rowOf(categories, 'Toys'), { itemQuantity: 7 });
    const bySource = await p.queries.report({ property: settings.id, from: day, to: day, dimension: 'source', metrics: ['transactions', 'revenuePerSession'] });
    assert.equal(rowOf(bySource, '(direct)')['transactions'], 2);
    await p.close();
  });

  ecommerce.run();

  // ---- custom dimensions and metrics -------------------------------------------------
  const custom = named('custom dimensions and metrics');

  custom('session scope keeps the last value, hit scope (or no definition) reports hits, inactive ones nothing; cm<N> adds up', async () => {
    const defined: PropertySettings = withSettings({
      customDimensions: [
        { index: 1, name: 'Tier', scope: 'session', active: true },
        { index: 2, name: 'Section', scope: 'hit', active: true },
        { index: 4, name: 'Old', scope: 'hit', active: false },
      ],
    });
    const log = createEventLog()
      .property(defined)
      .hits(defined, [
        visit(defined, 'c1', '2024-05-06T10:00:00Z', { ...page('/a'), cd1: 'gold', cd2: 'news', cd3: 'x', cd4: 'gone', cm1: 2 }),
        visit(defined, 'c1', '2024-05-06T10:01:00Z', { ...page('/b'), cd1: 'silver', cd2: 'sport', cm1: 3.5 }),
        visit(defined, 'c2', '2024-05-06T10:00:00Z', { ...page('/a'), cd1: 'gold', cd2: 'news', cm1: 1 }),
      ]);
    const p = await project(open, log.events);
    const tier = await p.queries.report({ property: defined.id, from: day, to: day, dimension: 'cd1', metrics: ['sessions', 'pageviews', 'users', 'cm1'] });
    assert.equal(tier.rows, [
      { dimension: 'gold', metrics: { sessions: 1, pageviews: 1, users: 1, cm1: 1 } },
      { dimension: 'silver', metrics: { sessions: 1, pageviews: 2, users: 1, cm1: 5.5 } },
    ]);
    const section = await p.queries.report({ property: defined.id, from: day, to: day, dimension: 'cd2', metrics: ['pageviews', 'users', 'cm1'] });
    assert.equal(rowOf(section, 'news'), { pageviews: 2, users: 2, cm1: 3 });
    assert.equal(rowOf(section, 'sport'), { pageviews: 1, users: 1, cm1: 3.5 });
    const undefinedScope = await p.queries.report({ property: defined.id, from: day, to: day, dimension: 'cd3', metrics: ['pageviews'] });
    assert.equal(undefinedScope.rows, [{ dimension: 'x', metrics: { pageviews: 1 } }]);
    const inactive = await p.queries.report({ property: defined.id, from: day, to: day, dimension: 'cd4', metrics: ['pageviews'] });
    assert.equal(inactive.rows, []);
    const totals = await p.queries.report({ property: defined.id, from: day, to: day, metrics: ['cm1', 'cm2'] });
    assert.equal(totals.totals, { cm1: 6.5, cm2: 0 });
    const byPage = await p.queries.report({ property: defined.id, from: day, to: day, dimension: 'pagePath', metrics: ['cm1'] });
    assert.equal(rowOf(byPage, '/a'), { cm1: 3 });
    const series = await p.queries.timeseries({ property: defined.id, from: day, to: day, interval: 'day', metrics: ['cm1'] });
    assert.equal(series.points, [{ period: day, metrics: { cm1: 6.5 } }]);
    const drill = await p.queries.sessions({ property: defined.id, from: day, to: day, filters: { cd1: 'silver' }, limit: 10 });
    assert.equal(drill.map((s) => s.dimensions['cd1']), ['silver']);
    await p.close();
  });

  custom('a custom dimension defined later is read with its new scope from then on', async () => {
    const log = createEventLog().property(settings);
    log.hit(settings, visit(settings, 'c1', '2024-05-06T10:00:00Z', { ...page('/a'), cd7: 'early' }));
    log.propertyEvent(settings.id, 'CustomDimensionDefined.v1', { propertyId: settings.id, at: 1, index: 7, name: 'Plan', scope: 'session', active: true });
    log.hit(settings, visit(settings, 'c2', '2024-05-06T11:00:00Z', { ...page('/a'), cd7: 'pro' }));
    const p = await project(open, log.events);
    const r = await p.queries.report({ property: settings.id, from: day, to: day, dimension: 'cd7', metrics: ['pageviews', 'sessions'] });
    assert.equal(rowOf(r, 'early'), { pageviews: 1, sessions: 0 });
    assert.equal(rowOf(r, 'pro'), { pageviews: 1, sessions: 1 });
    await p.close();
  });

  custom.run();

  // ---- time zones ----------------------------------------------------------------
  const zones = named('two properties in different time zones');

  zones('days and hours are local to each property; properties never mix', async () => {
    const london = withSettings({ id: 'UA-2000-1', timeZone: 'Europe/London' });
    const tokyo = withSettings({ id: 'UA-3000-1', timeZone: 'Asia/Tokyo' });
    const log = createEventLog().property(london).property(tokyo);
    for (const at of ['2024-05-06T14:30:00Z', '2024-05-06T20:30:00Z']) {
      log.hit(london, visit(london, 'c1', at, page('/l')));
      log.hit(tokyo, visit(tokyo, 'c1', at, page('/t')));
    }
    const p = await project(open, log.events);
    const both = { from: '2024-05-06', to: '2024-05-07', interval: 'day' as const, metrics: ['sessions', 'pageviews'] };
    const l = await p.queries.timeseries({ ...both, property: london.id });
    const t = await p.queries.timeseries({ ...both, property: tokyo.id });
    // London (BST, UTC+1): 15:30 and 21:30 on May 6. Tokyo (UTC+9): 23:30 on May 6, then 05:30 on May 7.
    assert.equal(l.points, [
      { period: '2024-05-06', metrics: { sessions: 2, pageviews: 2 } },
      { period: '2024-05-07', metrics: { sessions: 0, pageviews: 0 } },
    ]);
    assert.equal(t.points, [
      { period: '2024-05-06', metrics: { sessions: 1, pageviews: 1 } },
      { period: '2024-05-07', metrics: { sessions: 1, pageviews: 1 } },
    ]);
    const hours = await p.queries.timeseries({ property: tokyo.id, from: '2024-05-07', to: '2024-05-07', interval: 'hour', metrics: ['pageviews'] });
    assert.equal(hours.points.filter((x) => x.metrics['pageviews']! > 0).map((x) => x.period), ['2024-05-07T05']);
    const londonHours = await p.queries.timeseries({ property: london.id, from: '2024-05-06', to: '2024-05-06', interval: 'hour', metrics: ['pageviews', 'sessions'] });
    assert.equal(
      londonHours.points.filter((x) => x.metrics['pageviews']! > 0 || x.metrics['sessions']! > 0),
      [
        { period: '2024-05-06T15', metrics: { pageviews: 1, sessions: 1 } },
        { period: '2024-05-06T21', metrics: { pageviews: 1, sessions: 1 } },
      ],
    );
    const pages = await p.queries.report({ property: london.id, from: '2024-05-01', to: '2024-05-31', dimension: 'pagePath', metrics: ['pageviews'] });
    assert.equal(pages.rows, [{ dimension: '/l', metrics: { pageviews: 2 } }]);
    await p.close();
  });

  zones.run();

  // ---- realtime ------------------------------------------------------------------
  const realtime = named('realtime');

  realtime('active users in the last 5 and 30 minutes by page, source, country and device', async () => {
    const minutesAgo = (m: number) => NOW - m * 60_000;
    const geo = (country: string) => ({ country, region: 'R', city: 'C', continent: 'X' });
    const iphone = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';
    const log = createEventLog().hits(settings, [
      visit(settings, 'old', minutesAgo(120), page('/gone')),
      visit(settings, 'c4', minutesAgo(40), page('/d')),
      visit(settings, 'c3', minutesAgo(10), page('/c'), { geo: geo('FR') }),
      visit(settings, 'c2', minutesAgo(3), { ...page('/b'), dr: 'https://www.google.com/search?q=x' }, { geo: geo('DE') }),
      visit(settings, 'c1', minutesAgo(2), page('/a'), { geo: geo('DE'), userAgent: iphone }),
      visit(settings, 'c1', minutesAgo(1), page('/a2'), { geo: geo('DE'), userAgent: iphone }),
    ]);
    const p = await project(open, log.events);
    const r = await p.queries.realtime({ property: settings.id, now: NOW });
    assert.is(r.activeUsers5, 2);
    assert.is(r.activeUsers30, 3);
    assert.equal(r.last5.pages, [
      { value: '/a2', users: 1 },
      { value: '/b', users: 1 },
    ]);
    assert.equal(r.last5.countries, [{ value: 'DE', users: 2 }]);
    assert.equal(r.last5.sources, [
      { value: '(direct) / (none)', users: 1 },
      { value: 'google / organic', users: 1 },
    ]);
    assert.equal(r.last5.devices, [
      { value: 'desktop', users: 1 },
      { value: 'mobile', users: 1 },
    ]);
    assert.equal(r.last30.countries, [
      { value: 'DE', users: 2 },
      { value: 'FR', users: 1 },
    ]);
    assert.is(r.perMinute.length, 30);
    assert.equal(
      r.perMinute.filter((m) => m.users > 0).map((m) => [m.minute, m.users]),
      [
        [new Date(minutesAgo(10)).toISOString(), 1],
        [new Date(minutesAgo(3)).toISOString(), 1],
        [new Date(minutesAgo(2)).toISOString(), 1],
        [new Date(minutesAgo(1)).toISOString(), 1],
      ],
    );
    const later = await p.queries.realtime({ property: settings.id, now: NOW + 6 * 60_000 });
    assert.is(later.activeUsers5, 0);
    await p.close();
  });

  realtime('page views per minute add up across batches; events and screen views are not page views', async () => {
    const at = NOW - 4 * 60_000 + 5_000;
    const log = createEventLog().hits(settings, [
      visit(settings, 'p1', at, page('/a')),
      visit(settings, 'p1', at + 10_000, page('/b')),
      visit(settings, 'p1', at + 20_000, event('Video', 'Play')),
      visit(settings, 'p1', at + 30_000, page('/c')),
      visit(settings, 'p2', at + 40_000, page('/a')),
      visit(settings, 'p2', at + 50_000, { t: 'screenview', cd: 'Home', an: 'App' }),
    ]);
    const minute = new Date(Math.floor(at / 60_000) * 60_000).toISOString();
    for (const size of [1, 2, log.events.length]) {
      const p = await project(open, log.events, size);
      const r = await p.queries.realtime({ property: settings.id, now: NOW });
      assert.equal(
        r.perMinute.filter((m) => m.users > 0).map((m) => [m.minute, m.users, m.pageviews]),
        [[minute, 2, 4]],
        `batches of ${size}`,
      );
      await p.close();
    }
  });

  realtime.run();

  // ---- the sink: all or nothing ----------------------------------------------------
  const sink = named('the sink commits all or nothing');

  sink('an event it cannot handle fails the batch with its position; nothing of the batch is kept; drop removes everything', async () => {
    const log = createEventLog().hits(settings, [visit(settings, 'c1', '2024-05-06T10:00:00Z', page('/a')), visit(settings, 'c2', '2024-05-06T10:01:00Z', page('/b'))]);
    const [first, second] = log.events as [RecordedEvent, RecordedEvent];
    const p = await project(open, [first]);
    assert.is(await p.sink.checkpoint(), first.position);
    const broken: RecordedEvent = { ...second, position: '00000000000000000003', data: { hit: 'nonsense' } as JsonValue };
    const error = await p.sink.applyBatch([second, broken], broken.position).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.instance(error, ProjectionEventError);
    assert.is((error as ProjectionEventError).position, broken.position);
    assert.is((error as ProjectionEventError).eventId, broken.id);
    assert.is(await p.sink.checkpoint(), first.position, 'the checkpoint did not move');
    const r = await p.queries.report({ property: settings.id, from: day, to: day, metrics: ['pageviews', 'users'] });
    assert.equal(r.totals, { pageviews: 1, users: 1 }, "the failed batch's good event was not kept");
    await p.sink.applyBatch([second], second.position);
    assert.equal((await p.queries.report({ property: settings.id, from: day, to: day, metrics: ['pageviews', 'users'] })).totals, { pageviews: 2, users: 2 });
    await p.sink.drop();
    assert.is(await p.sink.checkpoint(), undefined);
    await p.close();
  });

  sink('two sinks of one version taking turns (a lease handed over and back) give the numbers of one', async () => {
    const log = createEventLog().hits(settings, [
      visit(settings, 'c1', '2024-05-06T10:00:00Z', page('/a')),
      visit(settings, 'c1', '2024-05-06T10:01:00Z', page('/b')),
      visit(settings, 'c1', '2024-05-06T10:02:00Z', page('/c')),
      visit(settings, 'c1', '2024-05-06T10:03:00Z', event('E', 'A')),
      visit(settings, 'c1', '2024-05-06T10:04:00Z', page('/d')),
    ]);
    const events = log.events;
    const reference = await project(open, events);
    const metrics = ['sessions', 'pageviews', 'exits', 'timeOnPage', 'sessionDuration', 'uniqueEvents', 'bounces'];
    const expected = [
      await reference.queries.report({ property: settings.id, from: day, to: day, metrics }),
      await reference.queries.report({ property: settings.id, from: day, to: day, dimension: 'exitPage', metrics }),
      await reference.queries.report({ property: settings.id, from: day, to: day, dimension: 'pagePath', metrics }),
    ];
    await reference.close();

    const a = await project(open, events.slice(0, 2));
    const b = await createAnalyticsProjection({ clock: () => NOW }).openSink(a.store, VERSION, silentLogger());
    await b.applyBatch(events.slice(2, 4), events[3]!.position);
    await a.sink.applyBatch(events.slice(4), events[4]!.position);
    const actual = [
      await a.queries.report({ property: settings.id, from: day, to: day, metrics }),
      await a.queries.report({ property: settings.id, from: day, to: day, dimension: 'exitPage', metrics }),
      await a.queries.report({ property: settings.id, from: day, to: day, dimension: 'pagePath', metrics }),
    ];
    assert.equal(actual, expected);
    await a.close();
  });

  sink.run();

  // ---- erasure (GDPR) ----------------------------------------------------------------
  const erasure = named('erasure');
  const varied = variedSettings;
  const everywhere = { property: varied.id, from: '2024-05-01', to: '2024-05-07' };
  const ALL_METRICS = [...METRIC_NAMES, 'cm1', 'cm2', 'cm3'];
  const CIDS = ['0.1', '1.1', '2.1', '3.1', '4.1'];

  /** Every answer the queries give over the varied history: a report per dimension (and none), both time series, the session list, realtime. */
  async function everyAnswer(queries: AnalyticsQueries): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const dimension of [undefined, ...STANDARD_DIMENSIONS, 'cd1', 'cd2', 'cd3', 'cd4']) {
      out[`report by ${dimension ?? '(nothing)'}`] = await queries.report({ ...everywhere, ...(dimension === undefined ? {} : { dimension }), metrics: ALL_METRICS });
    }
    out['days'] = await queries.timeseries({ ...everywhere, interval: 'day', metrics: ALL_METRICS });
    out['hours'] = await queries.timeseries({ ...everywhere, interval: 'hour', metrics: [...METRIC_NAMES] });
    out['sessions'] = await queries.sessions({ ...everywhere, limit: 10_000 });
    out['realtime'] = await queries.realtime({ property: varied.id, now: NOW });
    return out;
  }

  function assertSameAnswers(actual: Record<string, unknown>, expected: Record<string, unknown>, context: string): void {
    assert.equal(Object.keys(actual), Object.keys(expected));
    for (const key of Object.keys(expected)) assert.equal(actual[key], expected[key], `${context}: ${key}`);
  }

  /**
   * The history of five visitors; `cid` is erased (the store's log loses its events), then
   * comes back with a new visit, and another visitor carries on. `seen` is what a live
   * projection read: the visitor's events before the erasure too.
   */
  function erasedHistory(cid: string, later: readonly ReturnType<typeof visit>[] = []): { seen: RecordedEvent[]; log: RecordedEvent[]; erasure: RecordedEvent } {
    const log = createEventLog().property(varied).hits(varied, variedHits(varied, CIDS, NOW));
    const before = [...log.events];
    const erasure = log.erase(varied, cid, NOW - 90_000);
    log.hits(varied, [visit(varied, cid, NOW - 60_000, page('/back')), visit(varied, '4.1', NOW - 30_000, page('/a')), ...later]);
    const after = log.events.filter((e) => e.position > erasure.position);
    return { seen: [...before, erasure, ...after], log: [...log.events], erasure };
  }

  erasure('a live projection that erases a visitor answers every query as a replay of the remaining log does', async () => {
    for (const cid of ['0.1', '1.1']) {
      const { seen, log } = erasedHistory(cid);
      const replayed = await project(open, log);
      const expected = await everyAnswer(replayed.queries);
      await replayed.close();
      const client = `${varied.id}.c.${cid}`;
      const sessions = expected['sessions'] as { client: string; dimensions: Record<string, string> }[];
      assert.equal(
        sessions.filter((s) => s.client === client).map((s) => s.dimensions['landingPage']),
        ['/back'],
        'after the erasure, the visitor has only its new session',
      );
      // Batches of 1: the erasure alone, every session stored; of 7: the erasure beside other
      // events, some of the visitor's sessions loaded by its batch; all: nothing stored yet.
      for (const size of [1, 7, seen.length]) {
        const live = await project(open, seen, size);
        assertSameAnswers(await everyAnswer(live.queries), expected, `${cid}, batches of ${size}`);
        await live.close();
      }
    }
  });

  erasure('the erased visitor was there before: its own page, cd value and product leave the reports and its sessions are not found', async () => {
    const cid = '2.1';
    const { seen, erasure: erased } = erasedHistory(cid);
    const cut = seen.indexOf(erased);
    const p = await project(open, seen.slice(0, cut), 7);
    const client = `${varied.id}.c.${cid}`;
    const own = async () => ({
      page: rowOf(await p.queries.report({ ...everywhere, dimension: 'pagePath', metrics: ['pageviews'] }), `/private/${cid}`),
      section: rowOf(await p.queries.report({ ...everywhere, dimension: 'cd2', metrics: ['pageviews'] }), `sec-${cid}`),
      product: rowOf(await p.queries.report({ ...everywhere, dimension: 'productSku', metrics: ['itemQuantity', 'quantityRefunded'] }), `P-${cid}`),
      sessions: (await p.queries.sessions({ ...everywhere, limit: 10_000 })).filter((s) => s.client === client).length,
      realtime: (await p.queries.realtime({ property: varied.id, now: NOW })).last30.pages.filter((x) => x.value === `/private/${cid}`).length,
    });
    const before = await own();
    assert.ok(before.page['pageviews']! > 0 && before.section['pageviews']! > 0 && before.product['itemQuantity']! > 0, 'the visitor had its own values');
    // Its client key and the values only it had: in rows, documents and ledgers.
    const traces = [client, `/private/${cid}`, `sec-${cid}`, `P-${cid}`, `Gift for ${cid}`, `Form-${cid}`];
    const stored = await p.dump();
    assert.ok(traces.every((trace) => stored.includes(trace)), 'the store held every trace of the visitor');
    assert.ok(before.sessions >= 4 && before.realtime === 1, 'the visitor had sessions and was active');
    const users = (await p.queries.report({ ...everywhere, metrics: ['users'] })).totals['users'];
    await p.sink.applyBatch([erased], erased.position);
    assert.equal(await own(), { page: {}, section: {}, product: {}, sessions: 0, realtime: 0 });
    const left = await p.dump();
    assert.equal(
      traces.filter((trace) => left.includes(trace)),
      [],
      'no rollup row, document or realtime row keeps a trace of the visitor',
    );
    assert.is((await p.queries.report({ ...everywhere, metrics: ['users'] })).totals['users'], users! - 1);
    assert.is(await p.sink.checkpoint(), erased.position);
    await p.close();
  });

  erasure('a repeated erasure changes nothing', async () => {
    const cid = '3.1';
    const { seen, erasure: erased } = erasedHistory(cid);
    const cut = seen.indexOf(erased);
    const p = await project(open, seen.slice(0, cut + 1), 7);
    const once = await everyAnswer(p.queries);
    const again: RecordedEvent = { ...erased, id: '00000000-0000-4000-a000-999999999999', revision: erased.revision + 1, position: '00000000000000999999' };
    await p.sink.applyBatch([again], again.position);
    assertSameAnswers(await everyAnswer(p.queries), once, 'erased twice');
    await p.close();
  });

  erasure('a report sorted and cut by the store is the report read whole and sorted by the queries (after an erasure, with negative revenue)', async () => {
    // A negative-revenue transaction: its sums can cancel others, its rows still count.
    const { seen } = erasedHistory('1.1', [visit(varied, '9.1', NOW - 20_000, { t: 'transaction', ti: 'T-neg', tr: -20, tt: 0, ts: 0 })]);
    const p = await project(open, seen, 7);
    const source = createAnalyticsSource(p.store, VERSION);
    const whole = createAnalyticsQueriesFrom({ ...source, rollupPage: undefined });
    const metrics = ['pageviews', 'sessions', 'users', 'bounceRate', 'avgTimeOnPage', 'transactionRevenue', 'exitRate', 'avgPrice'];
    let compared = 0;
    for (const dimension of STANDARD_DIMENSIONS) {
      for (const metric of ['pageviews', 'sessions', 'users', 'bounceRate', 'avgTimeOnPage', 'transactionRevenue', 'itemQuantity', 'avgPrice']) {
        for (const direction of ['asc', 'desc'] as const) {
          for (const page of [{}, { limit: 3, offset: 2 }, { values: ['/a', '/private/0.1', '(not set)', 'Shoe', 'google', 'nowhere'] }]) {
            const request = { ...everywhere, dimension, metrics, orderBy: { metric, direction }, ...page };
            const expected = await whole.report(request);
            assert.equal(await p.queries.report(request), expected, `${dimension} by ${metric} ${direction} ${JSON.stringify(page)}`);
            compared += expected.rows.length;
          }
        }
      }
    }
    assert.ok(compared > 1000, `compared ${compared} rows`);
    await p.close();
  });

  erasure('an erasure event that is not a ClientErased.v1 of a client stream stops the projection at its position', async () => {
    const { erasure: erased } = erasedHistory('4.1');
    const p = await project(open, []);
    const broken: RecordedEvent = { ...erased, data: { propertyId: varied.id, stream: `property-${varied.id}`, at: 0 } };
    const error = await p.sink.applyBatch([broken], broken.position).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.instance(error, ProjectionEventError);
    assert.is((error as ProjectionEventError).position, broken.position);
    assert.is(await p.sink.checkpoint(), undefined);
    await p.close();
  });

  erasure.run();
}
