import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ImportFailedError } from '../importer.ts';
import { linesOfStream, linesOfText } from '../lines.ts';
import { createLineParser, parseIsoWithOffset } from '../line.ts';
import { clientHits, GOOGLEBOT, line, ndjson, NOW, setUp, TID } from './helpers.ts';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** Two visitors, each with pages a..; times in order per visitor. */
function twoVisitors(): string[] {
  const start = NOW - 2 * DAY;
  return [
    line('111.1', start + 0 * MINUTE, { dp: '/a1' }),
    line('111.1', start + 3 * MINUTE, { dp: '/a2' }),
    line('111.1', start + 7 * MINUTE, { dp: '/a3' }),
    line('111.1', start + 9 * MINUTE, { dp: '/a4' }),
    line('222.2', start + 1 * MINUTE, { dp: '/b1' }),
    line('222.2', start + 2 * MINUTE, { dp: '/b2' }),
    line('222.2', start + 8 * MINUTE, { dp: '/b3' }),
  ];
}

/** A fixed shuffle: newest first, then interleaved. */
const shuffled = (lines: string[]): string[] => [lines[3]!, lines[6]!, lines[0]!, lines[5]!, lines[2]!, lines[4]!, lines[1]!];

test('a shuffled file is recorded in time order per client, through the live enrichment', async () => {
  const { store, pipeline, close } = await setUp();
  const report = await pipeline.importer.run(linesOfText(ndjson(shuffled(twoVisitors()))));
  assert.equal(report.totals, { lines: 7, valid: 7, invalid: 0, recorded: 7, discarded: 0, duplicates: 0, late: 0 });
  assert.equal(report.errors, []);
  const hits = await clientHits(store);
  const of = (cid: string) => hits.filter((hit) => hit.stream === `client-${TID}.c.${cid}`);
  assert.equal(of('111.1').map((hit) => hit.dp), ['/a1', '/a2', '/a3', '/a4']);
  assert.equal(of('222.2').map((hit) => hit.dp), ['/b1', '/b2', '/b3']);
  assert.equal(of('111.1').map((hit) => hit.hitIndex), [1, 2, 3, 4], 'one session, hits counted in order');
  const times = of('111.1').map((hit) => hit.sentTime);
  assert.equal(times, [...times].sort((a, b) => a - b));

  const [first] = await (async () => {
    const events = [];
    for await (const event of store.readStream(`client-${TID}.c.111.1`, { maxCount: 1 })) events.push(event);
    return events;
  })();
  const data = first!.data as { hit: { geo: { country: string; city: string }; ip: string; receivedAt: number }; params: Record<string, unknown> };
  assert.is(data.hit.geo.country, 'GB', 'geo from uip, as live');
  assert.is(data.hit.ip, '81.2.69.0', 'uip anonymised before storage');
  assert.not.ok('uip' in data.params, 'the full address is not stored');
  assert.is(data.hit.receivedAt, NOW - 2 * DAY, 'receipt time is the line timestamp');
  await close();
});

test('per-line errors carry the line number and the parameter; good lines are still recorded', async () => {
  const { store, pipeline, close } = await setUp();
  const at = NOW - DAY;
  const file = [
    line('1.1', at, { dp: '/ok-first' }), // 1
    '{"v":1,"tid":', // 2: bad JSON
    JSON.stringify({ v: 1, cid: '1.2', t: 'pageview', dl: 'https://shop.example/', timestamp: new Date(at).toISOString() }), // 3: no tid
    line('1.3', at, { timestamp: 'yesterday at noon' }), // 4: bad timestamp
    line('1.4', at, { tid: 'UA-9999-9' }), // 5: unknown property
    '', // 6: blank, skipped
    line('1.5', at, { timestamp: undefined }), // 7: no timestamp
    line('1.6', at, { dp: { nested: true } }), // 8: not an MP value
    '[1,2,3]', // 9: not an object
    line('1.7', at + MINUTE, { dp: '/ok-last' }), // 10
  ];
  const report = await pipeline.importer.run(linesOfText(file.join('\n')));
  assert.equal(report.totals, { lines: 9, valid: 2, invalid: 7, recorded: 2, discarded: 0, duplicates: 0, late: 0 });
  assert.equal(report.errors.map((e) => e.line), [2, 3, 4, 5, 7, 8, 9]);
  const byLine = new Map(report.errors.map((e) => [e.line, e.errors]));
  assert.equal(byLine.get(2)![0]!.parameter, '(line)');
  assert.match(byLine.get(2)![0]!.description, /not valid JSON/);
  assert.equal(byLine.get(3)!.map((e) => e.parameter), ['tid']);
  assert.match(byLine.get(3)![0]!.description, /Tracking Id is a required field/);
  assert.equal(byLine.get(4)![0]!.parameter, 'timestamp');
  assert.match(byLine.get(4)![0]!.description, /ISO 8601/);
  assert.equal(byLine.get(5)![0]!.parameter, 'tid');
  assert.match(byLine.get(5)![0]!.description, /UA-9999-9/);
  assert.equal(byLine.get(7)![0], { parameter: 'timestamp', description: 'timestamp: is required' });
  assert.equal(byLine.get(8)![0]!.parameter, 'dp');
  assert.equal(byLine.get(9)![0]!.parameter, '(line)');
  assert.equal((await clientHits(store)).map((hit) => hit.dp).sort(), ['/ok-first', '/ok-last']);
  await close();
});

test('re-running an import adds nothing, in any order: every hit is a duplicate', async () => {
  const { store, pipeline, close } = await setUp();
  const lines = twoVisitors();
  const first = await pipeline.importer.run(linesOfText(ndjson(lines)));
  assert.is(first.totals.recorded, 7);
  const before = (await clientHits(store)).length;
  const again = await pipeline.importer.run(linesOfText(ndjson(shuffled(lines))));
  assert.equal(again.totals, { lines: 7, valid: 7, invalid: 0, recorded: 0, discarded: 0, duplicates: 7, late: 0 });
  assert.is((await clientHits(store)).length, before);
  await close();
});

test('re-running after a restart (cold caches, hits far back in long streams) still adds nothing', async () => {
  const first = await setUp();
  const lines = Array.from({ length: 40 }, (_, i) => line('333.3', NOW - DAY + i * MINUTE, { dp: `/p${i}` }));
  assert.is((await first.pipeline.importer.run(linesOfText(ndjson(lines)))).totals.recorded, 40);
  await first.pipeline.close();
  const { openImportPipeline } = await import('../open.ts');
  const { silentLogger } = await import('../../../platform/logger.ts');
  const { notSetGeoLookup } = await import('../../geo.ts');
  const restarted = await openImportPipeline({ store: first.store, logger: silentLogger(), geo: notSetGeoLookup(), now: () => NOW });
  const again = await restarted.importer.run(linesOfText(ndjson(lines)));
  assert.is(again.totals.duplicates, 40);
  assert.is(again.totals.recorded, 0);
  assert.is((await clientHits(first.store)).length, 40);
  await restarted.close();
  await first.store.close();
});

test('the same hit as ISO with an offset and as epoch milliseconds is one hit', async () => {
  const { pipeline, close } = await setUp();
  const at = Date.UTC(2024, 5, 1, 8, 30, 0);
  const report = await pipeline.importer.run(
    linesOfText(ndjson([line('4.4', at, { timestamp: '2024-06-01T10:30:00+02:00' }), line('4.4', at, { timestamp: at })])),
  );
  assert.equal([report.totals.recorded, report.totals.duplicates], [1, 1]);
  await close();
});

test('bots are discarded by the property filter; a dry run records nothing', async () => {
  const { store, pipeline, close } = await setUp();
  const lines = [line('5.5', NOW - DAY, { ua: GOOGLEBOT }), line('6.6', NOW - DAY)];
  const dry = await pipeline.importer.run(linesOfText(ndjson(lines)), { dryRun: true });
  assert.ok(dry.dryRun);
  assert.equal(dry.totals, { lines: 2, valid: 2, invalid: 0, recorded: 0, discarded: 0, duplicates: 0, late: 0 });
  assert.is((await clientHits(store)).length, 0);
  const real = await pipeline.importer.run(linesOfText(ndjson(lines)));
  assert.equal([real.totals.recorded, real.totals.discarded], [1, 1]);
  assert.equal((await clientHits(store)).map((hit) => hit.type).sort(), ['HitDiscarded.v1', 'PageviewRecorded.v1']);
  await close();
});

test('timestamps: future, epoch seconds, cookieless without cid and bad qt are refused', async () => {
  const { pipeline, close } = await setUp();
  const report = await pipeline.importer.run(
    linesOfText(
      ndjson([
        line('7.1', NOW + 60 * MINUTE),
        line('7.2', NOW, { timestamp: Math.floor(NOW / 1000) }),
        JSON.stringify({ v: 1, tid: TID, _cl: 1, t: 'pageview', dl: 'https://shop.example/', uip: '81.2.69.160', timestamp: NOW - DAY }),
        line('7.4', NOW - DAY, { qt: 5 * 60 * 60 * 1000 }),
        line('7.5', NOW - DAY, { qt: 30_000, dp: '/queued' }),
      ]),
    ),
  );
  assert.equal(report.errors.map((e) => [e.line, e.errors[0]!.parameter]), [
    [1, 'timestamp'],
    [2, 'timestamp'],
    [3, 'cid'],
    [4, 'qt'],
  ]);
  assert.match(report.errors[0]!.errors[0]!.description, /future/);
  assert.match(report.errors[1]!.errors[0]!.description, /seconds/);
  assert.is(report.totals.recorded, 1);
  await close();
});

test('a sort window smaller than the file: nearly ordered files keep client order; hits beyond the window are late', async () => {
  const { store, pipeline, close } = await setUp();
  const base = NOW - DAY;
  // Ordered except neighbours swapped: disorder of one place, well inside a window of 4.
  const ordered = Array.from({ length: 12 }, (_, i) => line(i % 2 === 0 ? '8.1' : '8.2', base + i * MINUTE, { dp: `/n${i}` }));
  const nearly = ordered.map((_, i) => ordered[i % 2 === 0 ? i + 1 : i - 1]!);
  const report = await pipeline.importer.run(linesOfText(ndjson(nearly)), { maxBufferedHits: 4 });
  assert.equal([report.totals.recorded, report.totals.late], [12, 0]);
  const dps = (await clientHits(store)).filter((hit) => hit.stream.endsWith('.8.1')).map((hit) => hit.dp);
  assert.equal(dps, ['/n0', '/n2', '/n4', '/n6', '/n8', '/n10']);
  // One hit far older than everything before it: counted late, still recorded.
  const late = await pipeline.importer.run(linesOfText(ndjson([...Array.from({ length: 6 }, (_, i) => line('8.3', base + i * MINUTE, { dp: `/m${i}` })), line('8.3', base - DAY, { dp: '/old' })])), {
    maxBufferedHits: 2,
  });
  assert.equal([late.totals.recorded, late.totals.late], [7, 1]);
  await close();
});

test('a failing store stops the import with ImportFailedError and the report so far', async () => {
  const { store, pipeline } = await setUp();
  await pipeline.close();
  await store.close(); // every read and append now fails
  try {
    await pipeline.importer.run(linesOfText(ndjson(twoVisitors())));
    assert.unreachable('should have thrown');
  } catch (error) {
    assert.instance(error, ImportFailedError);
    const failed = error as ImportFailedError;
    assert.match(failed.message, /re-run/);
    assert.is(failed.report.totals.recorded, 0);
    assert.is(failed.report.totals.lines, 7);
  }
});

test('the error list is capped; the count is complete', async () => {
  const { pipeline, close } = await setUp();
  const report = await pipeline.importer.run(linesOfText(Array.from({ length: 30 }, () => 'nope').join('\n')), { maxReportedErrors: 10 });
  assert.is(report.totals.invalid, 30);
  assert.is(report.errors.length, 10);
  assert.is(report.errorsOmitted, 20);
  await close();
});

test('line framing: streams split across chunks, CRLF, over-long lines reported without being held', async () => {
  async function* chunks(): AsyncGenerator<Buffer> {
    yield Buffer.from('{"a":1}\r\n{"b":');
    yield Buffer.from('2}\n\n');
    yield Buffer.from(`${'x'.repeat(50)}`);
    yield Buffer.from(`${'y'.repeat(50)}\n{"é":"`);
    yield Buffer.from([0xc3]); // 'é' split between its two bytes
    yield Buffer.from([0xa9, 0x22, 0x7d]);
  }
  const got = [];
  for await (const raw of linesOfStream(chunks(), 80)) got.push(raw);
  assert.equal(got, [
    { number: 1, text: '{"a":1}' },
    { number: 2, text: '{"b":2}' },
    { number: 4, tooLong: true },
    { number: 5, text: '{"é":"é"}' },
  ]);
  assert.equal([...linesOfText('a\r\n\n  \nb', 80)], [
    { number: 1, text: 'a' },
    { number: 4, text: 'b' },
  ]);
});

test('timestamps: ISO 8601 with an offset only, real calendar dates', () => {
  assert.is(parseIsoWithOffset('2024-06-03T12:00:00+02:00'), Date.UTC(2024, 5, 3, 10));
  assert.is(parseIsoWithOffset('2024-06-03T12:00:00.250+0200'), Date.UTC(2024, 5, 3, 10, 0, 0, 250));
  assert.is(parseIsoWithOffset('2024-06-03T05:30Z'), Date.UTC(2024, 5, 3, 5, 30));
  assert.is(parseIsoWithOffset('2024-06-03T12:00:00'), undefined, 'no offset: ambiguous');
  assert.is(parseIsoWithOffset('2023-02-29T12:00:00Z'), undefined);
  assert.is(parseIsoWithOffset('2024-13-01T12:00:00Z'), undefined);
  const parse = createLineParser(NOW);
  const parsed = parse(JSON.stringify({ timestamp: NOW, v: 1, aip: true, ni: false, dt: 'a & b=c', cd1: null }));
  assert.equal(parsed, { ok: true, payload: 'v=1&aip=1&ni=0&dt=a%20%26%20b%3Dc', timestamp: NOW });
});

test.run();
