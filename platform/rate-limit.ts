// Per-address rate limit: a token bucket per client address, refilled continuously at
// `perMinute / 60` tokens a second up to one minute's worth. The buckets live in a
// bounded LRU, so a flood of distinct addresses costs bounded memory (an evicted
// address simply starts again with a full bucket).
import { createLru } from './lru.ts';

export interface RateLimiter {
  /** Takes `count` tokens for `key`; when there are not enough, takes none and says when to retry. */
  take(key: string, count: number, now: number): { ok: true } | { ok: false; retryAfterSeconds: number };
}

interface Bucket {
  tokens: number;
  updated: number;
}

export function createRateLimiter(options: { perMinute: number; maxAddresses?: number }): RateLimiter {
  const { perMinute } = options;
  if (perMinute <= 0) return { take: () => ({ ok: true }) };
  const perMs = perMinute / 60_000;
  const buckets = createLru<string, Bucket>(options.maxAddresses ?? 100_000);
  return {
    take(key, count, now) {
      let bucket = buckets.get(key);
      if (bucket === undefined) {
        bucket = { tokens: perMinute, updated: now };
        buckets.set(key, bucket);
      } else if (now > bucket.updated) {
        bucket.tokens = Math.min(perMinute, bucket.tokens + (now - bucket.updated) * perMs);
        bucket.updated = now;
      }
      if (bucket.tokens >= count) {
        bucket.tokens -= count;
        return { ok: true };
      }
      const missing = Math.min(count, perMinute) - bucket.tokens;
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(missing / perMs / 1000)) };
    },
  };
}
