// Lag measures: how far a projection is behind the head of the log, how long events take
// from append to commit, and how fast it goes. Small fixed-size windows keep the cost
// per event at a few array writes.
import type { EventFilter, EventStore, Position } from '../storage/eventstore/port.ts';

const EMBEDDED_POSITION = /^\d{20}$/;
const LOG_POSITION = /^(\d{20})\/\d{20}$/;

/**
 * A number that grows along the log: the event's sequence number on the embedded store,
 * the commit offset (bytes) on EventStoreDB. 0 before the first event.
 */
export function positionOrdinal(position: Position | undefined): number | undefined {
  if (position === undefined) return 0;
  if (EMBEDDED_POSITION.test(position)) return Number(position);
  const match = LOG_POSITION.exec(position);
  return match ? Number(match[1]) : undefined;
}

/** Beyond this many, other stores stop counting events behind: the number only needs to say "far". */
export const EVENTS_BEHIND_COUNT_LIMIT = 10_000;

/**
 * Events between a checkpoint and the head. On the embedded store positions are sequence
 * numbers, so the difference is the count of log events after the checkpoint (all streams).
 * Elsewhere positions are byte offsets: the events passing the filter are counted, up to a limit.
 */
export async function measureEventsBehind(
  store: EventStore,
  checkpoint: Position | undefined,
  head: Position | undefined,
  filter: EventFilter,
): Promise<{ eventsBehind: number; capped: boolean }> {
  if (head === undefined || (checkpoint !== undefined && checkpoint >= head)) return { eventsBehind: 0, capped: false };
  if (store.kind === 'embedded') {
    const behind = (positionOrdinal(head) ?? 0) - (positionOrdinal(checkpoint) ?? 0);
    return { eventsBehind: Math.max(0, behind), capped: false };
  }
  let count = 0;
  const read = store.readAll({ ...(checkpoint === undefined ? {} : { fromPosition: checkpoint }), filter, maxCount: EVENTS_BEHIND_COUNT_LIMIT });
  for await (const event of read) {
    if (event.position > head) break;
    count += 1;
  }
  return { eventsBehind: count, capped: count >= EVENTS_BEHIND_COUNT_LIMIT };
}

export interface LatencyWindow {
  add(milliseconds: number): void;
  summary(): { last: number; p50: number; p95: number; samples: number } | undefined;
}

/** Append-to-commit latencies of the most recent `size` events, for percentiles. */
export function createLatencyWindow(size = 4096): LatencyWindow {
  const samples = new Float64Array(size);
  let next = 0;
  let filled = 0;
  let last = 0;
  return {
    add(milliseconds) {
      samples[next] = milliseconds;
      next = (next + 1) % size;
      if (filled < size) filled += 1;
      last = milliseconds;
    },
    summary() {
      if (filled === 0) return undefined;
      const sorted = samples.slice(0, filled).sort();
      return { last, p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95), samples: filled };
    },
  };
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1]!;
}

export interface RateWindow {
  add(at: number, events: number): void;
  perSecond(now: number): number | undefined;
}

/** Events per second over the batches of the last `windowMs`. */
export function createRateWindow(windowMs = 5000): RateWindow {
  const entries: { at: number; events: number }[] = [];
  const trim = (now: number): void => {
    while (entries.length > 0 && now - entries[0]!.at > windowMs) entries.shift();
  };
  return {
    add(at, events) {
      entries.push({ at, events });
      trim(at);
    },
    perSecond(now) {
      trim(now);
      const first = entries[0];
      if (!first) return undefined;
      const events = entries.reduce((sum, entry) => sum + entry.events, 0);
      // At least one second of span, so a single fresh batch does not read as a huge rate.
      return (events * 1000) / Math.max(1000, now - first.at);
    },
  };
}
