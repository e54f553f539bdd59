// Live: simulated hits sent to a running collector over real HTTP, at a steady rate,
// as POST /collect (one hit) and POST /batch (up to 20 hits, 16 KB), with a realistic
// queue time (`qt`). It stops by itself: when the visitors are done or the duration is
// over, whichever comes first. Requests in flight are bounded; when the collector is
// slower than the rate, the sender falls behind instead of queueing without limit.
import { setTimeout as sleep } from 'node:timers/promises';
import { MAX_BATCH_BYTES, MAX_BATCH_HITS } from '../collector/measurement-protocol/index.ts';
import type { SimulatedHit } from './generate.ts';
import { createRandom, type Random } from './random.ts';
import { createTally, type LiveStats, type SimulationSummary } from './summary.ts';

export interface LiveOptions {
  /** The collector's base URL, e.g. http://127.0.0.1:8080. */
  url: string;
  hits: Iterable<SimulatedHit>;
  /** Hits per second. */
  rate: number;
  /** Upper bound of the run. */
  durationMs: number;
  /** Share of hits sent through /batch. Default 0.3. */
  batchShare?: number;
  /** Requests in flight at most. Default 32. */
  maxInFlight?: number;
  /** Seed of the queue times and batching. */
  seed?: string | number;
  signal?: AbortSignal;
  onProgress?: (progress: { hits: number; elapsedMs: number }) => void;
}

/** Queue time as real senders show it: mostly none, some short delays, a few offline queues. */
function queueTime(random: Random): number | undefined {
  const roll = random.next();
  if (roll < 0.7) return undefined;
  if (roll < 0.95) return random.int(50, 3000);
  return random.int(10_000, 600_000);
}

export const encodeHit = (params: Record<string, string>, qt: number | undefined): string => {
  const query = new URLSearchParams(params);
  if (qt !== undefined) query.set('qt', String(qt));
  return query.toString();
};

export async function sendLive(options: LiveOptions): Promise<SimulationSummary & { http: LiveStats }> {
  const base = options.url.replace(/\/+$/, '');
  if (!(options.rate > 0)) throw new RangeError('rate: must be more than 0 hits per second');
  const random = createRandom(`${options.seed ?? 'live'}/live`);
  const batchShare = options.batchShare ?? 0.3;
  const maxInFlight = options.maxInFlight ?? 32;
  const stats: LiveStats = { requests: 0, batches: 0, accepted: 0, rateLimited: 0, overloaded: 0, failed: 0 };
  const tally = createTally();
  const iterator = options.hits[Symbol.iterator]();
  const started = performance.now();
  let inFlight = 0;
  let freed: (() => void) | undefined;
  let exhausted = false;

  async function send(path: '/collect' | '/batch', body: string, count: number): Promise<void> {
    stats.requests += 1;
    if (path === '/batch') stats.batches += 1;
    try {
      const response = await fetch(`${base}${path}`, { method: 'POST', body, headers: { 'content-type': 'text/plain;charset=UTF-8' }, ...(options.signal ? { signal: options.signal } : {}) });
      await response.arrayBuffer();
      if (response.status >= 200 && response.status < 300) stats.accepted += count;
      else if (response.status === 429) stats.rateLimited += count;
      else if (response.status === 503) stats.overloaded += count;
      else stats.failed += count;
    } catch {
      stats.failed += count;
    }
  }

  function dispatch(path: '/collect' | '/batch', body: string, count: number): void {
    inFlight += 1;
    void send(path, body, count).finally(() => {
      inFlight -= 1;
      const wake = freed;
      freed = undefined;
      wake?.();
    });
  }

  const take = (): SimulatedHit | undefined => {
    const next = iterator.next();
    if (next.done) {
      exhausted = true;
      return undefined;
    }
    tally.add({ ...next.value, time: Date.now() }); // the summary's period is when hits were sent
    return next.value;
  };

  while (!exhausted && !options.signal?.aborted) {
    const elapsed = performance.now() - started;
    if (elapsed >= options.durationMs) break;
    const due = Math.floor((options.rate * elapsed) / 1000) + 1 - tally.hits;
    if (due <= 0) {
      await sleep(Math.max(2, Math.min(50, 1000 / options.rate)));
      continue;
    }
    while (inFlight >= maxInFlight) await new Promise<void>((resolve) => (freed = resolve));
    if (due >= 2 && random.chance(batchShare)) {
      const lines: string[] = [];
      let bytes = 0;
      while (lines.length < Math.min(due, MAX_BATCH_HITS)) {
        const hit = take();
        if (hit === undefined) break;
        const line = encodeHit(hit.params, queueTime(random));
        if (lines.length > 0 && bytes + line.length + 1 > MAX_BATCH_BYTES) {
          dispatch('/collect', line, 1); // does not fit the batch: sent alone
          break;
        }
        lines.push(line);
        bytes += line.length + 1;
      }
      if (lines.length > 0) dispatch('/batch', lines.join('\n'), lines.length);
    } else {
      const hit = take();
      if (hit !== undefined) dispatch('/collect', encodeHit(hit.params, queueTime(random)), 1);
    }
    if (tally.hits % 500 === 0) options.onProgress?.({ hits: tally.hits, elapsedMs: performance.now() - started });
  }
  while (inFlight > 0) await new Promise<void>((resolve) => (freed = resolve));
  return { ...tally.finish('live', performance.now() - started), http: stats };
}
