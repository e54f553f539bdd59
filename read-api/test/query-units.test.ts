// The pure parts of the stats query: date ranges, calendar values (JS and SQL agree),
// safe regular expressions, CSV cells, filter parsing, row keys.
import Database from 'better-sqlite3';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dayOfWeekOf, isoWeekOf } from '../../projections/analytics/calendar.ts';
import { ProblemError } from '../http/problem.ts';
import { random } from '../../projections/analytics/test-support.ts';
import { aggregateSource, rowKey, valuesOfRowKey, type AggregateRow } from '../routes/query/aggregate.ts';
import { BASE_METRICS, METRIC_COUNT } from '../../projections/analytics/metrics.ts';
import { createAnalyticsQueriesFrom } from '../../projections/analytics/queries.ts';
import { csvText } from '../routes/query/csv.ts';
import { addDays, addYears, isDay, resolveCompareRange, resolveDateRange } from '../routes/query/dates.ts';
import { parseFilters, splitFilters } from '../routes/query/filters.ts';
import { compileSafeRegex, LINEAR_REGEX_ENGINE, patternShape } from '../routes/query/regex.ts';

const problem = (run: () => unknown): ProblemError => {
  try {
    run();
  } catch (error) {
    if (error instanceof ProblemError) return error;
    throw error;
  }
  throw new Error('expected a problem');
};

test('presets around month and year ends, and leap days', () => {
  assert.equal(resolveDateRange('7d', '2026-03-02', undefined), { from: '2026-02-24', to: '2026-03-02' });
  assert.equal(resolveDateRange('last_month', '2026-03-31', undefined), { from: '2026-02-01', to: '2026-02-28' });
  assert.equal(resolveDateRange('last_month', '2026-01-15', undefined), { from: '2025-12-01', to: '2025-12-31' });
  assert.equal(resolveDateRange('12mo', '2028-02-29', undefined), { from: '2027-03-01', to: '2028-02-29' });
  assert.equal(resolveDateRange('year', '2026-01-01', undefined), { from: '2026-01-01', to: '2026-01-01' });
  assert.equal(resolveDateRange('all', '2026-05-05', undefined), { from: '2026-05-05', to: '2026-05-05' });
  assert.equal(resolveDateRange('all', '2026-05-05', '2024-01-09'), { from: '2024-01-09', to: '2026-05-05' });
  assert.equal(resolveCompareRange('previous_year', { from: '2028-02-29', to: '2028-03-01' }), { from: '2027-02-28', to: '2027-03-01' });
  assert.equal(resolveCompareRange('previous_period', { from: '2026-03-01', to: '2026-03-31' }), { from: '2026-01-29', to: '2026-02-28' });
  assert.is(resolveCompareRange(null, { from: '2026-03-01', to: '2026-03-31' }), null);
  assert.is(addYears('2024-02-29', 1), '2025-02-28');
  assert.is(addDays('2026-12-31', 1), '2027-01-01');
  assert.ok(isDay('2024-02-29') && !isDay('2026-02-29') && !isDay('2026-1-01') && !isDay('1969-12-31'));
  assert.is(problem(() => resolveDateRange(['2020-01-01', '2031-01-01'], '2026-01-01', undefined)).field, 'date_range');
});

test('week and weekday values: the JavaScript and the SQLite computations agree', () => {
  const db = new Database(':memory:');
  const statement = db.prepare("SELECT strftime('%G-W%V', ?), strftime('%w', ?)").raw(true);
  for (let day = '2019-12-20'; day <= '2031-01-10'; day = addDays(day, 1)) {
    const [week, weekday] = statement.get(day, day) as [string, string];
    if (isoWeekOf(day) !== week || dayOfWeekOf(day) !== weekday) assert.unreachable(`${day}: ${isoWeekOf(day)}/${dayOfWeekOf(day)} vs ${week}/${weekday}`);
  }
  db.close();
  assert.is(isoWeekOf('2026-12-31'), '2026-W53');
  assert.is(isoWeekOf('2027-01-03'), '2026-W53');
});

test('regular expressions: catastrophic patterns cannot spin, refused ones say why', () => {
  assert.ok(LINEAR_REGEX_ENGINE, 'the linear-time engine is available on this Node');
  for (const pattern of ['(a+)+$', '^(a|a)*$', '.*a.*a.*a.*a.*b']) {
    const regex = compileSafeRegex(pattern, 'f');
    const started = performance.now();
    assert.is(regex.test(`${'a'.repeat(5000)}!`), false);
    assert.ok(performance.now() - started < 200, `${pattern} ran in linear time`);
  }
  assert.ok(compileSafeRegex('^/(en|de)/products?/\\d+$', 'f').test('/de/product/12'));
  assert.match(problem(() => compileSafeRegex('(a)\\1', 'f')).detail, /backreference/);
  assert.match(problem(() => compileSafeRegex('(?<=a)b', 'f')).detail, /linear time/);
  assert.match(problem(() => compileSafeRegex('\\p{L}+', 'f')).detail, /unicode property/);
  assert.match(problem(() => compileSafeRegex('[\\w--[aeiou]]', 'f')).detail, /set operations/);
  assert.match(problem(() => compileSafeRegex('a'.repeat(257), 'f')).detail, /at most 256/);
  assert.match(problem(() => compileSafeRegex('a{2', 'f')).detail, /not a valid regular expression/);
});

test('the structural rules used without the linear engine', () => {
  assert.ok(patternShape('(a+)+').nestedQuantifier);
  assert.ok(patternShape('(x|y)*z').nestedQuantifier);
  assert.ok(patternShape('((ab)*c){2,}').nestedQuantifier);
  assert.not.ok(patternShape('(ab)+c*').nestedQuantifier);
  assert.not.ok(patternShape('(a+)?b').nestedQuantifier);
  assert.not.ok(patternShape('[(+]+x').nestedQuantifier);
  assert.is(patternShape('.*a.+b\\d{3,}c{2,4}').unboundedQuantifiers, 3);
  assert.ok(patternShape('(?=a)b').lookaround);
  assert.ok(patternShape('(?<n>a)\\k<n>').backreference);
});

test('CSV cells: quoting and the formula guard', () => {
  assert.is(csvText('plain'), 'plain');
  assert.is(csvText('a,b'), '"a,b"');
  assert.is(csvText('say "hi"'), '"say ""hi"""');
  assert.is(csvText('two\nlines'), '"two\nlines"');
  assert.is(csvText('=1+1'), "'=1+1");
  assert.is(csvText('+33 1'), "'+33 1");
  assert.is(csvText('-x'), "'-x");
  assert.is(csvText('@SUM(A1)'), "'@SUM(A1)");
  assert.is(csvText('=A1,"x"'), `"'=A1,""x"""`);
});

test('filter trees: shapes, limits, and the split between data and rows', () => {
  assert.is(parseFilters(null), undefined);
  const tree = parseFilters({ and: [['is', 'customDimension3', ['x', 7]], { not: ['starts_with', 'pagePath', ['/a']] }, ['lt', 'bounceRate', [0.5]]] });
  const split = splitFilters(tree, new Set());
  assert.equal(split.data, { and: [{ condition: { dimension: 'cd3', op: 'is', values: ['x', '7'] } }, { not: { condition: { dimension: 'pagePath', op: 'starts_with', values: ['/a'] } } }] });
  assert.equal(split.rows, { metric: { op: 'lt', metric: 'bounceRate', value: 0.5 } });
  assert.is(problem(() => parseFilters({ and: [], or: [] })).field, 'filters');
  assert.is(problem(() => parseFilters(['is', 'country'])).field, 'filters');
  assert.is(problem(() => parseFilters(['is', 'country', []])).field, 'filters[2]');
  assert.is(problem(() => parseFilters(['gt', 'sessions', ['1']])).field, 'filters[2]');
  assert.is(problem(() => parseFilters(['like', 'country', ['x']])).field, 'filters[0]');
  let deep: unknown = ['is', 'country', ['GB']];
  for (let i = 0; i < 9; i++) deep = { not: deep };
  assert.match(problem(() => parseFilters(deep)).detail, /levels deep/);
  const many = { or: Array.from({ length: 65 }, () => ['is', 'country', ['GB']]) };
  assert.match(problem(() => parseFilters(many)).detail, /at most 64 conditions/);
});

test('row keys: their string order is the element-by-element order of the values, and they decode to the values', () => {
  // Characters around the encoding's own (NUL, 0x01, 0xFF) and JSON's (quote, backslash, space).
  const alphabet = ['\u0000', '\u0001', '\u00ff', ' ', '"', '\\', 'a', 'b', '/', '\u00e9'];
  const next = random(11);
  const valueOf = (): string => Array.from({ length: Math.floor(next() * 4) }, () => alphabet[Math.floor(next() * alphabet.length)]!).join('');
  const elementwise = (a: string[], b: string[]): number => {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
    return 0;
  };
  for (let round = 0; round < 2000; round++) {
    const n = 1 + Math.floor(next() * 3);
    const a = Array.from({ length: n }, valueOf);
    const b = Array.from({ length: n }, valueOf);
    const ka = rowKey(a);
    const kb = rowKey(b);
    assert.equal(valuesOfRowKey(ka), a);
    assert.is(Math.sign(ka < kb ? -1 : ka > kb ? 1 : 0), Math.sign(elementwise(a, b)), JSON.stringify([a, b]));
  }
  assert.equal(valuesOfRowKey(rowKey([])), []);
  assert.equal(valuesOfRowKey(rowKey([''])), ['']);
  // JSON would not do: a space sorts before the quote that ends a shorter value.
  assert.ok(rowKey(['a', 'x']) < rowKey(['a b', 'x']) && JSON.stringify(['a', 'x']) > JSON.stringify(['a b', 'x']));
});

test("a report's page is that page of every row sorted by the metric, ties by value, whatever the page's size", async () => {
  const next = random(5);
  const at = (metric: string): number => BASE_METRICS.indexOf(metric as (typeof BASE_METRICS)[number]);
  const rows = new Map<string, AggregateRow>();
  for (let i = 0; i < 3000; i++) {
    const stored = new Array<number>(METRIC_COUNT).fill(0);
    stored[at('sessions')] = 1 + Math.floor(next() * 20); // few distinct values: many ties
    stored[at('bounces')] = Math.floor(next() * stored[at('sessions')]!);
    stored[at('pageviews')] = Math.floor(next() * 50);
    rows.set(rowKey([`v${Math.floor(next() * 1e6)}`]), { stored, custom: next() < 0.5 ? { cm1: Math.floor(next() * 5) * 1e6 } : {}, users: 1 + Math.floor(next() * 5) });
  }
  const queries = createAnalyticsQueriesFrom(aggregateSource({ rows, users: 5000 }));
  const metrics = ['sessions', 'users', 'bounceRate', 'pageviews', 'cm1'];
  for (const [metric, direction] of [['sessions', 'desc'], ['users', 'asc'], ['bounceRate', 'desc'], ['cm1', 'desc'], ['pageviews', 'asc']] as const) {
    const ask = (limit: number, offset: number) =>
      queries.report({ property: 'p', dimension: 'source', from: '2026-01-01', to: '2026-01-02', metrics, orderBy: { metric, direction }, limit, offset });
    const whole = await ask(rows.size, 0); // past the selection's bound: every row sorted
    assert.is(whole.rowCount, rows.size);
    const sign = direction === 'asc' ? 1 : -1;
    for (let i = 1; i < whole.rows.length; i++) {
      const [a, b] = [whole.rows[i - 1]!, whole.rows[i]!];
      const [ka, kb] = [a.metrics[metric]!, b.metrics[metric]!];
      assert.ok(ka === kb ? a.dimension! < b.dimension! : sign * (ka - kb) < 0, `${metric} ${direction}: row ${i} after row ${i - 1}`);
    }
    for (const [limit, offset] of [[10, 0], [7, 13], [1, 2999], [50, 2990]] as const) {
      const page = await ask(limit, offset);
      assert.equal(page.rows, whole.rows.slice(offset, offset + limit), `${metric} ${direction} ${limit}@${offset}`);
      assert.equal(page.totals, whole.totals);
      assert.is(page.rowCount, rows.size);
    }
  }
});

test.run();
