// The client aggregate: one visitor of one property. A pure decider in Emmett's
// shape: decide(RecordHit, state) → exactly one event per hit (its id is the
// hit's id, so a retried beacon is appended once), evolve(state, event) → state.
// Time is the hit's time, never a clock.
//
// Every event carries the complete post-decision state (a snapshot), so the last
// event of the stream alone restores the aggregate: see README-state.md.
//
// Session rules: ga-processing.md §3 and docs/processing-rules.md.

import type { HitType, ReceivedHit } from '../hit.ts';
import { HIT_TYPES } from '../hit.ts';
import type { PropertySettings } from '../property/settings.ts';
import { resolveTrafficSource, type CampaignMemory } from '../traffic-source/index.ts';
import type { TrafficSource } from '../traffic-source/types.ts';
import {
  HIT_DISCARDED,
  type ClientEvent,
  type ClientState,
  type DiscardReason,
  type OpenSession,
  type PageviewRecorded,
  type PageViewRef,
  type RecordedClientEvent,
  type RecordedHitFacts,
  type SessionStartReason,
  type TrafficSourceData,
} from './events.ts';
import { hitFactsOf, isInteraction } from './facts.ts';
import { localDay } from './local-day.ts';
import { compact, text } from './params.ts';
import { clientKeyOf, clientStreamName } from './stream.ts';

export type { ClientEvent, ClientState } from './events.ts';

export type RecordHit = { type: 'RecordHit'; hit: ReceivedHit; property: PropertySettings };

/** S-8 / LIMITS: hits beyond this in one session are not processed. */
export const SESSION_HIT_LIMIT = 500;
/** LIMITS: hits beyond this per client and calendar day (property time zone) are not processed. */
export const DAILY_CLIENT_HIT_LIMIT = 200_000;

/** The hit's `t` is not a Measurement Protocol hit type (the collector validates it, so this is a caller bug). */
export class InvalidHitTypeError extends Error {
  override readonly name = 'InvalidHitTypeError';
  constructor(value: string | undefined) {
    super(`t: must be one of ${HIT_TYPES.join(', ')} (got ${JSON.stringify(value)})`);
  }
}

export const initialState = (): ClientState => ({ hasInteracted: false });

const hitTypeOf = (hit: ReceivedHit): HitType => {
  const t = text(hit.params, 't');
  if (!(HIT_TYPES as readonly string[]).includes(t ?? '')) throw new InvalidHitTypeError(t);
  return t as HitType;
};

// TrafficSource objects may come with `gclid: undefined`; events hold no undefined.
const sourceData = (source: TrafficSource): TrafficSourceData => compact({ ...source });
const campaignData = (campaign: CampaignMemory | undefined) =>
  campaign === undefined ? undefined : { source: sourceData(campaign.source), lastUsedAt: campaign.lastUsedAt };

/**
 * When the open session expires for inactivity (S-3): its last interaction hit
 * + the timeout, or its first hit + the timeout while it has none ([I] SESS-12:
 * non-interaction hits do not move the expiry).
 */
export const sessionExpiresAt = (session: OpenSession, property: PropertySettings): number =>
  (session.lastInteractionAt ?? session.startedAt) + property.sessionTimeoutMinutes * 60_000;

/** Why the hit cannot continue the open session for reasons of time or session control; undefined when it can. */
function timeBoundary(session: OpenSession, property: PropertySettings, sc: string | undefined, time: number, day: string): SessionStartReason | undefined {
  if (sc === 'start') return 'session-control-start';
  if (session.ended) return 'previous-session-ended';
  if (day !== session.day) return 'midnight';
  // [I] SESS-10: a hit at the expiry instant starts a new session (gap >= timeout).
  if (time >= sessionExpiresAt(session, property)) return 'inactivity';
  return undefined;
}

export function decide(command: RecordHit, state: ClientState): ClientEvent[] {
  const { hit, property } = command;
  const { params } = hit;
  const hitType = hitTypeOf(hit);
  const open = state.session;
  // [I] Out of order: a hit sent earlier than the client's last processed hit counts
  // at that hit's time, so a client's times never go backwards.
  const time = open === undefined ? hit.time : Math.max(hit.time, open.lastHitAt);
  const day = localDay(time, property.timeZone);

  const discard = (reason: DiscardReason): ClientEvent[] => [
    {
      id: hit.id,
      type: HIT_DISCARDED,
      data: {
        reason,
        hit: compact({ type: text(params, 't'), sentTime: hit.time, receivedAt: hit.receivedAt, ip: hit.ip, geo: hit.geo, userAgent: hit.userAgent, isBot: hit.isBot }),
        state,
        params: { ...params },
      },
    },
  ];

  if (property.botFiltering && hit.isBot) return discard('bot');
  const dailyHits = state.daily?.day === day ? state.daily.hits : 0;
  if (dailyHits >= DAILY_CLIENT_HIT_LIMIT) return discard('daily-hit-limit');

  const sc = text(params, 'sc');
  let startReason: SessionStartReason | undefined =
    open === undefined ? 'first-hit' : timeBoundary(open, property, sc, time, day);
  const continuing = startReason === undefined ? open : undefined;
  const resolved = resolveTrafficSource({ params, time, settings: property, sessionSource: continuing?.source, campaign: state.campaign });
  if (continuing !== undefined && resolved.startsNewSession) startReason = 'traffic-source-change';
  if (startReason === undefined && continuing !== undefined && continuing.hitCount >= SESSION_HIT_LIMIT) return discard('session-hit-limit');

  let before: OpenSession;
  if (startReason === undefined && continuing !== undefined) {
    before = continuing;
  } else {
    const number = (open?.number ?? 0) + 1;
    before = {
      id: `${clientKeyOf(clientStreamName(property.id, params, property))}:${number}`,
      number,
      startedAt: time,
      day,
      hitCount: 0,
      interactionCount: 0,
      lastHitAt: time,
      ended: false,
      source: sourceData(resolved.source),
      isTrueDirect: resolved.isTrueDirect,
      // The first session of a client, or any later one while no session has had an interaction (SESS-11).
      isNewUser: !state.hasInteracted,
    };
  }

  const interaction = isInteraction(params);
  const facts = hitFactsOf(hit, hitType, time);
  const isPage = hitType === 'pageview' || hitType === 'screenview';
  const lastPage: PageViewRef | undefined = isPage
    ? compact({
        hitType: hitType,
        hostname: facts.page.hostname,
        path: facts.page.path,
        title: facts.page.title,
        screenName: facts.page.screenName,
        time,
      })
    : before.lastPage;
  const hitCount = before.hitCount + 1;
  const interactionCount = before.interactionCount + (interaction ? 1 : 0);
  const firstInteractionAt = before.firstInteractionAt ?? (interaction ? time : undefined);
  const lastInteractionAt = interaction ? time : before.lastInteractionAt;
  const ended = sc === 'end';

  const rest: Omit<PageviewRecorded, 'hit'> = {
    session: compact({
      id: before.id,
      number: before.number,
      startedAt: before.startedAt,
      isStart: startReason !== undefined,
      startReason,
      isNewUser: before.isNewUser,
      source: before.source,
      isTrueDirect: before.isTrueDirect,
      hitIndex: hitCount,
      interactionIndex: interactionCount,
      isEntrance: isPage && before.lastPage === undefined,
      firstInteractionAt,
      previousInteractionAt: before.lastInteractionAt,
      previousPage: before.lastPage,
      endsSession: ended,
    }),
    state: compact({
      sessionDay: before.day,
      lastHitAt: time,
      lastInteractionAt,
      lastPage,
      hasInteracted: state.hasInteracted || interaction,
      campaign: campaignData(resolved.campaign),
      daily: { day, hits: dailyHits + 1 },
    }),
    params: { ...params },
  };
  return [recordedEvent(hit.id, facts, rest)];
}

function recordedEvent(id: string, hit: RecordedHitFacts, rest: Omit<PageviewRecorded, 'hit'>): RecordedClientEvent {
  switch (hit.type) {
    case 'pageview':
      return { id, type: 'PageviewRecorded.v1', data: { hit, ...rest } };
    case 'screenview':
      return { id, type: 'ScreenviewRecorded.v1', data: { hit, ...rest } };
    case 'event':
      return { id, type: 'EventRecorded.v1', data: { hit, ...rest } };
    case 'transaction':
      return { id, type: 'TransactionRecorded.v1', data: { hit, ...rest } };
    case 'item':
      return { id, type: 'ItemRecorded.v1', data: { hit, ...rest } };
    case 'social':
      return { id, type: 'SocialInteractionRecorded.v1', data: { hit, ...rest } };
    case 'exception':
      return { id, type: 'ExceptionRecorded.v1', data: { hit, ...rest } };
    case 'timing':
      return { id, type: 'TimingRecorded.v1', data: { hit, ...rest } };
  }
}

/**
 * Every event holds the whole post-decision state, so evolve never needs the
 * previous one: folding a stream and reading its last event give the same state.
 */
export function evolve(_state: ClientState, event: ClientEvent): ClientState {
  if (event.type === HIT_DISCARDED) return event.data.state;
  const { session, state } = event.data;
  return compact({
    session: compact({
      id: session.id,
      number: session.number,
      startedAt: session.startedAt,
      day: state.sessionDay,
      hitCount: session.hitIndex,
      interactionCount: session.interactionIndex,
      firstInteractionAt: session.firstInteractionAt,
      lastInteractionAt: state.lastInteractionAt,
      lastHitAt: state.lastHitAt,
      ended: session.endsSession,
      source: session.source,
      isTrueDirect: session.isTrueDirect,
      isNewUser: session.isNewUser,
      lastPage: state.lastPage,
    }),
    hasInteracted: state.hasInteracted,
    campaign: state.campaign,
    daily: state.daily,
  });
}

/** The aggregate's state from the stream's last event (read backwards, maxCount 1); initial for an empty stream. */
export const stateFromLastEvent = (event: ClientEvent | undefined): ClientState =>
  event === undefined ? initialState() : evolve(initialState(), event);
