// The session-level decision for a hit (ga-processing.md §4.2 "Processing
// precedence", "Override rule", "Campaign timeout", S-5): which source the hit's
// session gets, whether the hit starts a new session because its source changed,
// and how the client's remembered campaign evolves. Pure: time is passed in.

import type { HitParameters } from '../hit.ts';
import type { PropertySettings } from '../property/settings.ts';
import { DIRECT_SOURCE, sourceOfHit } from './source-of-hit.ts';
import type { TrafficSource } from './types.ts';

/** The client's last non-direct source, with the start of the last session that used it (epoch ms). */
export interface CampaignMemory {
  source: TrafficSource;
  lastUsedAt: number;
}

export interface TrafficSourceInput {
  params: HitParameters;
  /** Hit time, epoch ms. */
  time: number;
  settings: PropertySettings;
  /** Source of the open session this hit would continue; undefined when the hit opens a session anyway. */
  sessionSource: TrafficSource | undefined;
  /** The client's stored non-direct source. */
  campaign: CampaignMemory | undefined;
}

export interface TrafficSourceDecision {
  /** The source of the session this hit belongs to. */
  source: TrafficSource;
  /** The hit carries a source different from `sessionSource` (S-5); never for direct or excluded arrivals, never without a session. */
  startsNewSession: boolean;
  /** The memory after this hit. */
  campaign: CampaignMemory | undefined;
  /**
   * BQ `trafficSource.isTrueDirect` for a session this hit opens. Only meaningful
   * when the hit opens a session (`sessionSource` undefined or `startsNewSession`);
   * for a hit that continues the open session it is false and the session keeps its own.
   */
  isTrueDirect: boolean;
}

const DAY_MS = 86_400_000;

/**
 * Has the remembered campaign timed out at `time`? [I] The timeout runs from the
 * start of the last session that used the campaign (set or re-used; ga.js __utmz
 * behaviour), and like the session timeout it expires *at* that instant:
 * exactly `campaignTimeoutDays` later is timed out.
 */
export function campaignTimedOut(campaign: CampaignMemory, time: number, settings: Pick<PropertySettings, 'campaignTimeoutDays'>): boolean {
  return time - campaign.lastUsedAt >= settings.campaignTimeoutDays * DAY_MS;
}

/**
 * Same campaign details (S-5: "utm_source, utm_medium, utm_term, utm_content,
 * utm_id, utm_campaign and auto-tagging (gclid)"). [I] Referral Path and kind do
 * not count: a second click from another page of the same site is the same source.
 */
export function sameTrafficSource(a: TrafficSource, b: TrafficSource): boolean {
  return (
    a.source === b.source &&
    a.medium === b.medium &&
    a.campaign === b.campaign &&
    a.keyword === b.keyword &&
    a.adContent === b.adContent &&
    a.campaignId === b.campaignId &&
    a.gclid === b.gclid &&
    a.dclid === b.dclid
  );
}

export function resolveTrafficSource(input: TrafficSourceInput): TrafficSourceDecision {
  const { params, time, settings, sessionSource } = input;
  const own = sourceOfHit(params, settings);
  const remembered = input.campaign !== undefined && !campaignTimedOut(input.campaign, time, settings) ? input.campaign : undefined;

  // Continuing the open session: a direct or excluded arrival, or the same source again (SESS-7, SESS-8, TS-8).
  if (sessionSource !== undefined && (own === undefined || sameTrafficSource(own, sessionSource))) {
    return { source: sessionSource, startsNewSession: false, campaign: input.campaign, isTrueDirect: false };
  }
  const startsNewSession = sessionSource !== undefined;

  if (own !== undefined) {
    // Any new campaign, organic or referral source overwrites the memory; the anchor is this session's start.
    return {
      source: own,
      startsNewSession,
      campaign: { source: own, lastUsedAt: time },
      // BQ: "also true if 2 successive but distinct sessions have exactly the same campaign details".
      isTrueDirect: remembered !== undefined && sameTrafficSource(remembered.source, own),
    };
  }
  // A direct arrival opening a session: the remembered campaign if it has not timed out (last non-direct click).
  if (remembered !== undefined) {
    return { source: remembered.source, startsNewSession, campaign: { source: remembered.source, lastUsedAt: time }, isTrueDirect: true };
  }
  // [I] A timed-out memory is dropped rather than kept: it can never apply again.
  return { source: { ...DIRECT_SOURCE }, startsNewSession, campaign: undefined, isTrueDirect: true };
}
