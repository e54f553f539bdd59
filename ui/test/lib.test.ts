// The dashboard's pure modules: URL state, SSE parsing, CSV, formatting, date buckets.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { defaultView, formatHash, parseHash, withFilter, type ViewState } from '../src/lib/view.ts';
import { createSseParser } from '../src/lib/sse.ts';
import { csvCell, toCsv } from '../src/lib/csv.ts';
import { changeTone, formatChange, formatDuration, formatMetric, formatValue } from '../src/lib/format.ts';
import { allowedIntervals, bucketKeys, bucketLabel, currentHourIn, daysBetween, defaultInterval } from '../src/lib/dates.ts';
import { filterTree } from '../src/lib/filters.ts';
import { flagEmoji } from '../src/lib/geo.ts';
import { tailLine } from '../src/lib/stream-event.ts';
import { nextSort, sortRows } from '../src/lib/table.ts';
import type { StreamMessage } from '../src/lib/types.ts';
import { pointAfterKey } from '../src/charts/keyboard.ts';

test('chart keys walk the points and stop at the ends', () => {
  assert.equal(pointAfterKey('ArrowRight', undefined, 5), { next: 0 });
  assert.equal(pointAfterKey('ArrowRight', 4, 5), { next: 4 });
  assert.equal(pointAfterKey('ArrowLeft', undefined, 5), { next: 4 });
  assert.equal(pointAfterKey('ArrowLeft', 0, 5), { next: 0 });
  assert.equal(pointAfterKey('Home', 3, 5), { next: 0 });
  assert.equal(pointAfterKey('End', 1, 5), { next: 4 });
  assert.equal(pointAfterKey('Escape', 2, 5), { next: undefined });
  assert.is(pointAfterKey('Tab', 2, 5), undefined, 'other keys are left to the browser');
  assert.is(pointAfterKey('ArrowRight', undefined, 0), undefined, 'no points, nothing to walk');
});

test('the view round-trips through the URL hash, values with dots and symbols included', () => {
  const view: ViewState = {
    ...defaultView(),
    page: 'behaviour',
    property: 'UA-12345-1',
    range: ['2026-11-01', '2026-11-28'],
    compare: 'previous_year',
    filters: [
      { dimension: 'pagePath', op: 'is', value: '/a.b/c?x=1&y=2#z' },
      { dimension: 'eventLabel', op: 'contains', value: '<script>alert(1)</script>' },
    ],
    metric: 'bounceRate',
    interval: 'week',
    report: 'events',
    drill: ['video', 'play'],
    session: 'UA-1-1.c.abc:2',
  };
  const hash = formatHash(view);
  assert.ok(hash.startsWith('#/behaviour?'));
  assert.equal(parseHash(hash), view);
});

test('defaults stay out of the URL and unknown values fall back to them', () => {
  assert.is(formatHash(defaultView()), '#/overview');
  const parsed = parseHash('#/nowhere?range=bogus&compare=sometimes&f=nodots&f=country.equals.GB&interval=decade&drill=a&drill=b&drill=c');
  assert.is(parsed.page, 'overview');
  assert.is(parsed.range, '30d');
  assert.is(parsed.compare, null);
  assert.equal(parsed.filters, []);
  assert.is(parsed.interval, undefined);
  assert.equal(parsed.drill, ['a', 'b']);
  assert.equal(parseHash('#/overview?range=2026-02-10..2026-02-01').range, ['2026-02-01', '2026-02-10']);
});

test('a filter on a dimension already filtered replaces it', () => {
  const filters = withFilter([{ dimension: 'country', op: 'is', value: 'GB' }, { dimension: 'source', op: 'is', value: 'google' }], { dimension: 'country', op: 'is', value: 'US' });
  assert.equal(filters, [{ dimension: 'source', op: 'is', value: 'google' }, { dimension: 'country', op: 'is', value: 'US' }]);
  assert.equal(filterTree(filters, [['is', 'medium', ['referral']]]), {
    and: [['is', 'source', ['google']], ['is', 'country', ['US']], ['is', 'medium', ['referral']]],
  });
  assert.is(filterTree([]), null);
});

test('the SSE parser handles split chunks, CRLF, multi-line data, comments and ids', () => {
  const seen: StreamMessage[] = [];
  const parser = createSseParser((m) => seen.push(m));
  parser.push(': webalytic events\nretry: 2000\n\nid: 0001\nevent: PageviewRecorded.v1\nda');
  parser.push('ta: {"a":1}\r');
  parser.push('\n\r\n: ping\n\ndata: line one\ndata:line two\n\nid: 0002\ndata: x\n');
  assert.is(seen.length, 2);
  parser.push('\n');
  assert.equal(seen, [
    { id: '0001', event: 'PageviewRecorded.v1', data: '{"a":1}' },
    { id: '0001', event: 'message', data: 'line one\nline two' },
    { id: '0002', event: 'message', data: 'x' },
  ]);
  assert.is(parser.lastEventId, '0002');
});

test('CSV cells are quoted when needed and formulas are defused', () => {
  assert.is(csvCell('plain'), 'plain');
  assert.is(csvCell('a,b'), '"a,b"');
  assert.is(csvCell('say "hi"'), '"say ""hi"""');
  assert.is(csvCell('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
  assert.is(csvCell(-5), '-5');
  assert.is(csvCell(null), '');
  assert.is(toCsv(['Page', 'Views'], [['/a', 3], ['/b\nc', 1]]), 'Page,Views\r\n/a,3\r\n"/b\nc",1\r\n');
});

test('numbers are formatted as counts, rates, durations and money', () => {
  assert.is(formatDuration(0), '0:00');
  assert.is(formatDuration(65.4), '1:05');
  assert.is(formatDuration(3725), '1:02:05');
  assert.is(formatValue('count', 1234567, { locale: 'en-US' }), '1,234,567');
  assert.is(formatValue('count', 1234567, { locale: 'en-US', compact: true }), '1.2M');
  assert.is(formatValue('percent', 0.4567, { locale: 'en-US' }), '45.7%');
  assert.is(formatValue('percent', 0.4, { locale: 'en-US' }), '40.0%', 'a column of rates lines up');
  assert.is(formatMetric('pageviewsPerSession', 2.4, { locale: 'en-US' }), '2.40');
  assert.is(formatMetric('eventValue', 1200, { locale: 'en-US' }), '1,200', 'a sum keeps no trailing zeros');
  assert.is(formatMetric('transactionRevenue', 1234.5, { locale: 'en-US', currency: 'EUR' }), '€1,234.50');
  assert.is(formatMetric('transactionRevenue', 1234.5, { locale: 'de-DE', currency: 'EUR' }), '1.234,50\u00a0€');
  assert.is(formatMetric('avgSessionDuration', 150, {}), '2:30');
  assert.is(formatValue('count', null), '–');
  assert.is(formatChange(0.125, 'en-US'), '+12.5%');
  assert.is(formatChange(null), '–');
  assert.is(changeTone('users', 0.2), 'good');
  assert.is(changeTone('bounceRate', 0.2), 'bad');
  assert.is(changeTone('bounceRate', -0.2), 'good');
  assert.is(changeTone('users', 0), 'flat');
});

test('time series buckets: hours for a day, days, then weeks and months', () => {
  assert.is(defaultInterval('today'), 'hour');
  assert.is(defaultInterval('30d'), 'day');
  assert.is(defaultInterval('12mo'), 'week');
  assert.is(defaultInterval('all'), 'month');
  assert.is(defaultInterval(['2026-01-01', '2026-01-02']), 'hour');
  assert.equal(allowedIntervals('today'), ['hour']);
  assert.ok(allowedIntervals('90d').includes('month'));
  assert.is(daysBetween('2026-03-28', '2026-04-02'), 6);
  // Over a daylight-saving change the days stay whole.
  assert.equal(bucketKeys('day', '2026-03-28', '2026-03-30'), ['2026-03-28', '2026-03-29', '2026-03-30']);
  const hours = bucketKeys('hour', '2026-11-28', '2026-11-28', '2026-11-28T05');
  assert.equal(hours, ['2026-11-28T00', '2026-11-28T01', '2026-11-28T02', '2026-11-28T03', '2026-11-28T04', '2026-11-28T05']);
  assert.is(bucketKeys('week', '2026-01-01', '2026-03-01'), undefined);
  assert.is(bucketLabel('hour', '2026-11-28T14'), '14:00');
  assert.is(bucketLabel('day', '2026-11-28', 'en-US'), 'Nov 28');
  assert.is(bucketLabel('month', '2026-11', 'en-US'), 'Nov 2026');
  assert.is(currentHourIn('UTC', Date.UTC(2026, 10, 28, 23, 30)), '2026-11-28T23');
  assert.is(currentHourIn('Asia/Tokyo', Date.UTC(2026, 10, 28, 23, 30)), '2026-11-29T08');
});

test('flags come from ISO codes; anything else gets none', () => {
  assert.is(flagEmoji('gb'), '\u{1F1EC}\u{1F1E7}');
  assert.is(flagEmoji('(not set)'), '');
  assert.is(flagEmoji('GBR'), '');
});

test('a live tail line describes a streamed hit without trusting its shape', () => {
  const line = tailLine(
    '00000000000000000042',
    'EventRecorded.v1',
    JSON.stringify({
      stream: 'client-UA-1-1.c.x',
      type: 'EventRecorded.v1',
      created: 1_700_000_000_000,
      data: { hit: { type: 'event', page: { path: '/p', title: 'T' }, event: { category: 'video', action: 'play', label: '<b>x</b>' } } },
    }),
  );
  assert.is(line.what, 'event');
  assert.is(line.time, 1_700_000_000_000);
  assert.is(line.detail, 'video › play › <b>x</b> · /p · “T”');
  const odd = tailLine(undefined, 'message', 'not json');
  assert.is(odd.what, 'event');
  assert.is(odd.detail, '');
});

test('client-side sorting: numbers high to low first, text A to Z first', () => {
  const rows = [
    { id: 'a', cells: { name: 'beta', n: 2 } },
    { id: 'b', cells: { name: 'Alpha', n: 10 } },
    { id: 'c', cells: { name: 'gamma', n: null } },
  ];
  assert.equal(nextSort(undefined, 'n', 'count'), { key: 'n', dir: 'desc' });
  assert.equal(nextSort({ key: 'n', dir: 'desc' }, 'n', 'count'), { key: 'n', dir: 'asc' });
  assert.equal(nextSort(undefined, 'name', 'text'), { key: 'name', dir: 'asc' });
  assert.equal(sortRows(rows, { key: 'n', dir: 'desc' }).map((r) => r.id), ['b', 'a', 'c']);
  assert.equal(sortRows(rows, { key: 'name', dir: 'asc' }).map((r) => r.id), ['b', 'a', 'c']);
});

test.run();
