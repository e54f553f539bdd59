// A hit as the domain receives it: Measurement Protocol v1 parameters already
// validated by the collector, plus what the collector learnt at ingestion.
// Plain data, no behaviour: the domain decides, the collector enriches.

export const HIT_TYPES = ['pageview', 'screenview', 'event', 'transaction', 'item', 'social', 'exception', 'timing'] as const;
export type HitType = (typeof HIT_TYPES)[number];

/**
 * Measurement Protocol v1 parameters after validation, keyed by their protocol
 * names (`t`, `tid`, `cid`, `dl`, `cd3`, `pr1nm`, ...). Text is trimmed, folded
 * and truncated; integer, number and currency values are numbers; booleans are
 * booleans. A parameter that failed validation is absent.
 */
export type HitParameters = Readonly<Record<string, string | number | boolean>>;

/** Location from the IP (or `geoid`); every field is '(not set)' when unknown. */
export interface Geo {
  country: string; // ISO 3166-1 alpha-2, or '(not set)'
  region: string;
  city: string;
  continent: string;
  latitude?: number;
  longitude?: number;
}

export const GEO_NOT_SET: Geo = { country: '(not set)', region: '(not set)', city: '(not set)', continent: '(not set)' };

export interface ReceivedHit {
  /** Deterministic from the hit's identity, so a retried beacon is stored once. A UUID. */
  id: string;
  params: HitParameters;
  /** When the hit happened: receipt time minus `qt`, epoch milliseconds. */
  time: number;
  /** When the collector received it, epoch milliseconds. */
  receivedAt: number;
  /** Already anonymised by the property's policy and `aip`; never the full address by default. */
  ip: string;
  geo: Geo;
  userAgent: string;
  /** Flagged by `isbot` at ingestion. */
  isBot: boolean;
}
