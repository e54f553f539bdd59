import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_BATCH_BYTES, MAX_BATCH_HITS, splitBatch } from './batch.ts';
import { MAX_PAYLOAD_BYTES } from './parse-payload.ts';

const test = suite('splitBatch');
const hit = (i: number) => `v=1&tid=UA-12345-1&cid=${i}&t=pageview&dp=%2F${i}`;

test('one payload per line, in order; \\r\\n, a trailing newline and blank lines are fine', () => {
  assert.equal(splitBatch(`${hit(1)}\n${hit(2)}\r\n\n  \n${hit(3)}\n`), { payloads: [hit(1), hit(2), hit(3)] });
  assert.equal(splitBatch(hit(1)), { payloads: [hit(1)] });
  assert.equal(splitBatch(''), { payloads: [] });
  assert.equal(splitBatch('\n\r\n'), { payloads: [] });
});

test('20 hits are accepted, 21 refuse the whole request', () => {
  const twenty = Array.from({ length: MAX_BATCH_HITS }, (_, i) => hit(i)).join('\n');
  assert.is(splitBatch(twenty).payloads.length, 20);
  assert.is(splitBatch(twenty).error, undefined);
  const result = splitBatch(`${twenty}\n${hit(21)}`);
  assert.equal(result.payloads, []);
  assert.is(result.error?.messageType, 'ERROR');
  assert.is(result.error?.messageCode, 'BATCH_TOO_MANY_HITS');
  assert.is(result.error?.description, 'The request contains more than 20 hits; the request was not processed.');
});

test('payloads totalling 16384 bytes are accepted, more refuse the whole request', () => {
  const line = (bytes: number) => hit(0).padEnd(bytes, 'x');
  const exact = [line(8000), line(8000), line(MAX_BATCH_BYTES - 16000)].join('\n'); // newlines do not count
  assert.is(splitBatch(exact).payloads.length, 3);
  const over = [line(8000), line(8000), line(MAX_BATCH_BYTES - 16000 + 1)].join('\r\n');
  const result = splitBatch(over);
  assert.equal(result.payloads, []);
  assert.is(result.error?.messageCode, 'BATCH_TOO_LARGE');
  const multiByte = [`${hit(0)}&z=${'é'.repeat(3000)}`, `${hit(1)}&z=${'é'.repeat(3000)}`, `${hit(2)}&z=${'é'.repeat(3000)}`].join('\n');
  assert.ok(multiByte.length < MAX_BATCH_BYTES, 'fewer characters than the limit...');
  assert.is(splitBatch(multiByte).error?.messageCode, 'BATCH_TOO_LARGE', '...but more bytes');
});

test('a payload above 8192 bytes refuses the whole request; exactly 8192 is fine', () => {
  assert.is(splitBatch(hit(0).padEnd(MAX_PAYLOAD_BYTES, 'x')).payloads.length, 1);
  const result = splitBatch(`${hit(0)}\n${hit(1).padEnd(MAX_PAYLOAD_BYTES + 1, 'x')}`);
  assert.equal(result.payloads, []);
  assert.is(result.error?.messageCode, 'PAYLOAD_TOO_LARGE');
  assert.is(result.error?.description, 'Hit 2 of the request is larger than 8192 bytes; the request was not processed.');
});

test('a huge body is refused without being split', () => {
  const body = `${hit(0)}\n`.repeat(200_000);
  const started = performance.now();
  const result = splitBatch(body);
  assert.ok(performance.now() - started < 50);
  assert.equal(result.payloads, []);
  assert.is(result.error?.messageCode, 'BATCH_TOO_LARGE');
  assert.is(splitBatch('x'.repeat(10_000_000)).error?.messageCode, 'BATCH_TOO_LARGE');
});

test.run();
