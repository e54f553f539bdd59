// What a simulation produced, counted from the hits as they pass: visitors, returning
// visitors, visits (sessions as the simulator meant them; the collector may split them
// further at midnight or on a campaign change), hits by type, bot hits, countries.
import type { ImportTotals } from '../collector/import/importer.ts';
import type { SimulatedHit } from './generate.ts';

export interface LiveStats {
  requests: number;
  /** Requests to /batch among them. */
  batches: number;
  /** Hits the collector answered 2xx for (it answers 2xx for hits it drops, too, as GA does). */
  accepted: number;
  /** Hits refused with 429 (COLLECT_RATE_LIMIT_PER_MINUTE: set it to 0 for fast runs). */
  rateLimited: number;
  /** Hits refused with 503 (the collector's in-flight bound, or its store failing). */
  overloaded: number;
  /** Hits lost to other answers or network errors. */
  failed: number;
}

export interface SimulationSummary {
  mode: 'history' | 'live' | 'file';
  visitors: number;
  /** Visitors with more than one visit. */
  returningVisitors: number;
  /** Visits: the simulator's sessions. */
  sessions: number;
  hits: number;
  botHits: number;
  byType: Record<string, number>;
  /** Visitors by country of their address ('(unknown)' outside the test data's countries). */
  visitorsByCountry: Record<string, number>;
  /** First and last hit time, ISO 8601. */
  from: string | undefined;
  to: string | undefined;
  elapsedMs: number;
  hitsPerSecond: number;
  /** History: what the import recorded. */
  import?: ImportTotals;
  /** Live: what the collector answered. */
  http?: LiveStats;
}

export interface Tally {
  add(hit: SimulatedHit): void;
  readonly hits: number;
  finish(mode: SimulationSummary['mode'], elapsedMs: number): SimulationSummary;
}

export function createTally(): Tally {
  const visits = new Map<number, number>(); // visitor → highest visit seen
  const countries = new Map<number, string>();
  const sessions = new Set<number>(); // visitor * 16 + visit: a visitor has at most 7 visits
  const byType: Record<string, number> = {};
  let hits = 0;
  let botHits = 0;
  let first: number | undefined;
  let last: number | undefined;
  return {
    add(hit) {
      hits += 1;
      if (hit.bot) botHits += 1;
      const type = hit.params.t ?? '(none)';
      byType[type] = (byType[type] ?? 0) + 1;
      visits.set(hit.visitor, Math.max(visits.get(hit.visitor) ?? 0, hit.visit));
      countries.set(hit.visitor, hit.country ?? '(unknown)');
      sessions.add(hit.visitor * 16 + hit.visit);
      first = first === undefined ? hit.time : Math.min(first, hit.time);
      last = last === undefined ? hit.time : Math.max(last, hit.time);
    },
    get hits() {
      return hits;
    },
    finish(mode, elapsedMs) {
      const visitorsByCountry: Record<string, number> = {};
      for (const country of [...countries.values()].sort()) visitorsByCountry[country] = (visitorsByCountry[country] ?? 0) + 1;
      let returningVisitors = 0;
      for (const highest of visits.values()) if (highest > 1) returningVisitors += 1;
      return {
        mode,
        visitors: visits.size,
        returningVisitors,
        sessions: sessions.size,
        hits,
        botHits,
        byType,
        visitorsByCountry,
        from: first === undefined ? undefined : new Date(first).toISOString(),
        to: last === undefined ? undefined : new Date(last).toISOString(),
        elapsedMs,
        hitsPerSecond: elapsedMs > 0 ? Math.round((hits * 1000) / elapsedMs) : hits,
      };
    },
  };
}

/** The summary for people. */
export function describeSummary(summary: SimulationSummary): string[] {
  const types = Object.entries(summary.byType)
    .sort(([, a], [, b]) => b - a)
    .map(([type, count]) => `${type} ${count}`)
    .join(', ');
  const countries = Object.entries(summary.visitorsByCountry)
    .sort(([, a], [, b]) => b - a)
    .slice(0, 8)
    .map(([country, count]) => `${country} ${count}`)
    .join(', ');
  const lines = [
    `${summary.visitors} visitors (${summary.returningVisitors} returning), ${summary.sessions} visits, ${summary.hits} hits (${summary.botHits} from bots)`,
    `hits by type: ${types || 'none'}`,
    `top countries: ${countries || 'none'}`,
    `period: ${summary.from ?? '-'} to ${summary.to ?? '-'}`,
    `${(summary.elapsedMs / 1000).toFixed(1)} s, ${summary.hitsPerSecond} hits/s`,
  ];
  if (summary.import) {
    const t = summary.import;
    lines.push(`import: ${t.recorded} recorded, ${t.discarded} discarded (bots filtered), ${t.duplicates} duplicates, ${t.invalid} invalid`);
  }
  if (summary.http) {
    const h = summary.http;
    lines.push(`collector: ${h.requests} requests (${h.batches} batches), ${h.accepted} hits accepted, ${h.rateLimited} rate limited, ${h.overloaded} overloaded, ${h.failed} failed`);
    if (h.rateLimited > 0) lines.push('hint: the collector rate-limits one address; set COLLECT_RATE_LIMIT_PER_MINUTE=0 on the server (or lower --rate)');
  }
  return lines;
}
