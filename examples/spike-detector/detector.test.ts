import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSpikeDetector } from './detector.ts';
import { createSseParser, type SseEvent } from './sse-parser.ts';

const T = Date.UTC(2026, 10, 2, 9, 0, 0);
const SECOND = 1000;

test('flags a client the moment it sends more than the threshold within a minute, once', () => {
  const detector = createSpikeDetector({ threshold: 3 });
  const results = [0, 10, 20, 30, 40, 50].map((s) => detector.observe('a', T + s * SECOND));
  assert.equal(results.slice(0, 3), [undefined, undefined, undefined]);
  assert.equal(results[3], { client: 'a', hits: 4, from: T, to: T + 30 * SECOND });
  assert.equal(results.slice(4), [undefined, undefined], 'still over the threshold: not flagged again');
});

test('hits spread over more than the window are no spike; other clients do not count', () => {
  const detector = createSpikeDetector({ threshold: 3 });
  for (const s of [0, 20, 40, 60, 80, 100, 120]) assert.is(detector.observe('slow', T + s * SECOND), undefined);
  for (const s of [0, 1, 2]) {
    assert.is(detector.observe('b', T + s * SECOND), undefined);
    assert.is(detector.observe('c', T + s * SECOND), undefined);
  }
});

test('a client that calmed down is flagged again on its next burst', () => {
  const detector = createSpikeDetector({ threshold: 2, windowMs: 10 * SECOND });
  const burst = (start: number) => [0, 1, 2].map((s) => detector.observe('a', start + s * SECOND));
  assert.ok(burst(T)[2]);
  assert.is(detector.observe('a', T + 60 * SECOND), undefined, 'calm again');
  assert.ok(burst(T + 120 * SECOND).some((spike) => spike !== undefined));
});

test('exactly threshold hits is fine; the window is half-open (a hit exactly one window later is outside it)', () => {
  const detector = createSpikeDetector({ threshold: 2, windowMs: 60 * SECOND });
  assert.is(detector.observe('a', T), undefined);
  assert.is(detector.observe('a', T + 30 * SECOND), undefined);
  assert.is(detector.observe('a', T + 60 * SECOND), undefined);
  assert.ok(detector.observe('a', T + 61 * SECOND));
});

test('out-of-order times count as the latest one; prune forgets quiet clients', () => {
  const detector = createSpikeDetector({ threshold: 2 });
  detector.observe('a', T + 50 * SECOND);
  detector.observe('a', T); // earlier clock: treated as T+50
  const spike = detector.observe('a', T + 55 * SECOND);
  assert.equal(spike, { client: 'a', hits: 3, from: T + 50 * SECOND, to: T + 55 * SECOND });
  detector.observe('b', T + 100 * SECOND);
  detector.prune(T + 120 * SECOND);
  assert.is(detector.size(), 1);
  detector.prune(T + 170 * SECOND);
  assert.is(detector.size(), 0);
});

test('refuses a nonsensical threshold or window', () => {
  assert.throws(() => createSpikeDetector({ threshold: 0 }), /threshold/);
  assert.throws(() => createSpikeDetector({ threshold: 1.5 }), /threshold/);
  assert.throws(() => createSpikeDetector({ threshold: 5, windowMs: 0 }), /windowMs/);
});

test('the SSE parser: fields, multi-line data, comments, retry, CRLF and chunks split anywhere', () => {
  const text = '\uFEFF: hello\r\nretry: 1500\r\n\r\nid: 7\nevent: PageviewRecorded.v1\ndata: {"a":1}\n\ndata: line1\ndata: line2\n\nid: 9\rdata:no-space\r\r: ping\n\n';
  for (const size of [1, 2, 3, 7, text.length]) {
    const events: SseEvent[] = [];
    const comments: string[] = [];
    const retries: number[] = [];
    const parser = createSseParser({ onEvent: (e) => events.push(e), onComment: (c) => comments.push(c), onRetry: (ms) => retries.push(ms) });
    for (let i = 0; i < text.length; i += size) parser.push(text.slice(i, i + size));
    assert.equal(
      events,
      [
        { id: '7', event: 'PageviewRecorded.v1', data: '{"a":1}' },
        { id: '7', event: 'message', data: 'line1\nline2' },
        { id: '9', event: 'message', data: 'no-space' },
      ],
      `chunks of ${size}`,
    );
    assert.equal(comments, ['hello', 'ping']);
    assert.equal(retries, [1500]);
    assert.is(parser.lastEventId(), '9');
  }
});

test.run();
