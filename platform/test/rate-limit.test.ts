import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createLru } from '../lru.ts';
import { createRateLimiter } from '../rate-limit.ts';

test('a bucket holds one minute of hits and refills continuously', () => {
  const limiter = createRateLimiter({ perMinute: 60 });
  const t0 = 1_000_000;
  for (let i = 0; i < 60; i++) assert.ok(limiter.take('1.2.3.4', 1, t0).ok, `hit ${i}`);
  const refused = limiter.take('1.2.3.4', 1, t0);
  assert.equal(refused, { ok: false, retryAfterSeconds: 1 });
  assert.ok(limiter.take('5.6.7.8', 1, t0).ok, 'another address has its own bucket');
  assert.ok(limiter.take('1.2.3.4', 1, t0 + 1000).ok, 'one token a second comes back');
  assert.not.ok(limiter.take('1.2.3.4', 1, t0 + 1000).ok);
});

test('a batch takes one token per hit, all or nothing, and says how long to wait', () => {
  const limiter = createRateLimiter({ perMinute: 60 });
  assert.ok(limiter.take('a', 50, 0).ok);
  const refused = limiter.take('a', 20, 0);
  assert.equal(refused, { ok: false, retryAfterSeconds: 10 });
  assert.ok(limiter.take('a', 10, 0).ok, 'the refused batch took nothing');
});

test('0 turns the limit off', () => {
  const limiter = createRateLimiter({ perMinute: 0 });
  for (let i = 0; i < 10_000; i++) assert.ok(limiter.take('a', 1, 0).ok);
});

test('the buckets are bounded: the least recently seen address is forgotten', () => {
  const limiter = createRateLimiter({ perMinute: 1, maxAddresses: 2 });
  assert.ok(limiter.take('a', 1, 0).ok);
  assert.not.ok(limiter.take('a', 1, 0).ok);
  assert.ok(limiter.take('b', 1, 0).ok);
  assert.ok(limiter.take('c', 1, 0).ok); // evicts a
  assert.ok(limiter.take('a', 1, 0).ok, 'a starts again with a full bucket');
});

test('lru: get refreshes, set beyond capacity evicts the oldest', () => {
  const lru = createLru<string, number>(2);
  lru.set('a', 1);
  lru.set('b', 2);
  assert.is(lru.get('a'), 1);
  lru.set('c', 3);
  assert.is(lru.get('b'), undefined);
  assert.is(lru.get('a'), 1);
  assert.is(lru.size, 2);
});

test.run();
