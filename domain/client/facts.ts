// The hit's own facts, lifted out of its parameters: what every report needs,
// as raw values. No user-agent parsing and no channel here: projections derive
// those, so a replay with newer rules gives newer answers.

import type { HitParameters, HitType, ReceivedHit } from '../hit.ts';
import { ecommerceOf } from './ecommerce.ts';
import type { RecordedHitFacts } from './events.ts';
import { pageOf } from './page.ts';
import { compact, flag, nonEmpty, num, text } from './params.ts';

const CUSTOM = /^(cd|cm)([1-9][0-9]{0,2})$/;
const PAGE_LOAD_TIMINGS = ['plt', 'dns', 'pdt', 'rrt', 'tcp', 'srt', 'dit', 'clt'] as const;

function customOf(params: HitParameters): { dimensions?: Record<string, string>; metrics?: Record<string, number> } {
  let dimensions: Record<string, string> | undefined;
  let metrics: Record<string, number> | undefined;
  for (const key of Object.keys(params)) {
    const match = CUSTOM.exec(key);
    if (match === null || Number(match[2]) > 200) continue;
    if (match[1] === 'cd') {
      const value = text(params, key);
      if (value !== undefined) (dimensions ??= {})[match[2]!] = value;
    } else {
      const value = num(params, key);
      if (value !== undefined) (metrics ??= {})[match[2]!] = value;
    }
  }
  return compact({ dimensions, metrics });
}

/** The hit is an interaction unless it says ni=1. */
export const isInteraction = (params: HitParameters): boolean => flag(params, 'ni') !== true;

/**
 * The facts of a processed hit. `time` is the time the decider counts the hit at
 * (never earlier than the client's previous hit); the collector's time is kept as `sentTime`.
 */
export function hitFactsOf(hit: ReceivedHit, hitType: HitType, time: number): RecordedHitFacts {
  const { params } = hit;
  const custom = customOf(params);
  const xid = text(params, 'xid');
  const common = compact({
    time,
    sentTime: hit.time,
    receivedAt: hit.receivedAt,
    interaction: isInteraction(params),
    dataSource: text(params, 'ds'),
    clientId: text(params, 'cid'),
    userId: text(params, 'uid'),
    page: pageOf(params),
    referrer: text(params, 'dr'),
    device: compact({
      userAgent: hit.userAgent,
      language: text(params, 'ul'),
      screenResolution: text(params, 'sr'),
      viewportSize: text(params, 'vp'),
      documentEncoding: text(params, 'de'),
      screenColors: text(params, 'sd'),
      javaEnabled: flag(params, 'je'),
      flashVersion: text(params, 'fl'),
    }),
    app: nonEmpty({ name: text(params, 'an'), id: text(params, 'aid'), version: text(params, 'av'), installerId: text(params, 'aiid') }),
    geo: hit.geo,
    ip: hit.ip,
    isBot: hit.isBot,
    customDimensions: custom.dimensions,
    customMetrics: custom.metrics,
    experiment: xid === undefined ? undefined : compact({ id: xid, variant: text(params, 'xvar') }),
    currency: text(params, 'cu'),
    nonPersonalizedAds: flag(params, 'npa'),
    ecommerce: ecommerceOf(params),
  });

  switch (hitType) {
    case 'pageview':
    case 'screenview':
      return { type: hitType, ...common };
    case 'event':
      return {
        type: 'event',
        ...common,
        event: compact({ category: text(params, 'ec'), action: text(params, 'ea'), label: text(params, 'el'), value: num(params, 'ev') }),
      };
    case 'transaction':
      return {
        type: 'transaction',
        ...common,
        transaction: compact({
          id: text(params, 'ti'),
          affiliation: text(params, 'ta'),
          revenue: num(params, 'tr') ?? 0,
          shipping: num(params, 'ts') ?? 0,
          tax: num(params, 'tt') ?? 0,
        }),
      };
    case 'item':
      return {
        type: 'item',
        ...common,
        item: compact({
          transactionId: text(params, 'ti'),
          name: text(params, 'in'),
          price: num(params, 'ip') ?? 0,
          quantity: num(params, 'iq') ?? 0,
          sku: text(params, 'ic'),
          category: text(params, 'iv'),
        }),
      };
    case 'social':
      return {
        type: 'social',
        ...common,
        social: compact({ network: text(params, 'sn'), action: text(params, 'sa'), target: text(params, 'st') }),
      };
    case 'exception':
      return {
        type: 'exception',
        ...common,
        exception: compact({ description: text(params, 'exd'), fatal: flag(params, 'exf') ?? true }),
      };
    case 'timing': {
      let pageLoad: Record<string, number> | undefined;
      for (const key of PAGE_LOAD_TIMINGS) {
        const value = num(params, key);
        if (value !== undefined) (pageLoad ??= {})[key] = value;
      }
      return {
        type: 'timing',
        ...common,
        timing: compact({
          category: text(params, 'utc'),
          variable: text(params, 'utv'),
          time: num(params, 'utt'),
          label: text(params, 'utl'),
          pageLoad,
        }),
      };
    }
  }
}
