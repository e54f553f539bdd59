// Turns a validated Measurement Protocol payload plus what the request tells us into
// the ReceivedHit the client aggregate decides on: the client address (anonymised
// before anything is stored), geo, user agent, bot flag, hit time and the
// deterministic event id.
//
// Privacy: geo and the cookieless visitor id use the FULL address, at ingestion only.
// The hit keeps the anonymised address, and `uip` is removed from the stored
// parameters, so the full address appears nowhere in the event store.
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { isbot } from 'isbot';
import type { Geo, HitParameters, ReceivedHit } from '../domain/hit.ts';
import { GEO_NOT_SET } from '../domain/hit.ts';
import type { PropertySettings } from '../domain/property/settings.ts';
import type { CookielessIds } from './cookieless.ts';
import { geoFromGeoid, type GeoLookup } from './geo.ts';
import { createLru } from '../platform/lru.ts';
import { anonymiseIp } from './measurement-protocol/anonymise-ip.ts';

/** `qt` above this many milliseconds (4 hours) drops the hit (ga-processing.md §1.5). */
export const MAX_QUEUE_TIME_MS = 4 * 60 * 60 * 1000;

export interface RequestFacts {
  /** The TCP peer. */
  remoteAddress: string | undefined;
  /** The X-Forwarded-For header as received (used only with TRUST_PROXY). */
  forwardedFor: string | undefined;
  /** The User-Agent header. */
  userAgent: string | undefined;
  receivedAt: number;
}

export interface EnrichOptions {
  geo: GeoLookup;
  trustProxy: boolean;
  cookieless: CookielessIds;
}

export interface EnrichProblem {
  parameter: string;
  description: string;
  code: 'VALUE_OUT_OF_BOUNDS' | 'VALUE_REQUIRED';
}

export type Enriched = { ok: true; hit: ReceivedHit; anonymisedIp: string } | { ok: false; problem: EnrichProblem };

export type Enricher = (
  params: HitParameters,
  facts: RequestFacts,
  property: PropertySettings,
  /** The hit's 0-based place in its request, part of the id of hits sent without `z`. */
  index?: number,
) => Enriched;

/** `::ffff:1.2.3.4` (IPv4 on a dual-stack socket) is the IPv4 address 1.2.3.4. */
export function normaliseAddress(address: string | undefined): string | undefined {
  if (address === undefined) return undefined;
  const trimmed = address.trim();
  const plain = trimmed.toLowerCase().startsWith('::ffff:') && isIP(trimmed.slice(7)) === 4 ? trimmed.slice(7) : trimmed;
  return isIP(plain) === 0 ? undefined : plain;
}

/**
 * The address the request came from: the first X-Forwarded-For entry when the proxy
 * is trusted (the proxy must set or overwrite the header), else the socket's peer.
 * Used for rate limiting, and for the hit when it sends no `uip`.
 */
export function connectionAddress(facts: Pick<RequestFacts, 'remoteAddress' | 'forwardedFor'>, trustProxy: boolean): string | undefined {
  if (trustProxy && facts.forwardedFor) {
    const comma = facts.forwardedFor.indexOf(',');
    const first = normaliseAddress(comma === -1 ? facts.forwardedFor : facts.forwardedFor.slice(0, comma));
    if (first) return first;
  }
  return normaliseAddress(facts.remoteAddress);
}

const text = (params: HitParameters, key: string): string | undefined => {
  const value = params[key];
  return value === undefined || value === '' ? undefined : String(value);
};

export function createEnricher(options: EnrichOptions): Enricher {
  const { geo, trustProxy, cookieless } = options;
  // A site sees a few thousand distinct user agents: the bot regex runs once for each.
  const bots = createLru<string, boolean>(10_000);
  const isBot = (userAgent: string): boolean => {
    if (userAgent === '') return false;
    let flagged = bots.get(userAgent);
    if (flagged === undefined) {
      flagged = isbot(userAgent);
      bots.set(userAgent, flagged);
    }
    return flagged;
  };

  return (params, facts, property, index = 0) => {
    const qt = params.qt;
    let time = facts.receivedAt;
    if (qt !== undefined) {
      const queued = typeof qt === 'number' ? qt : Number(qt);
      if (!Number.isFinite(queued) || queued < 0 || queued > MAX_QUEUE_TIME_MS) {
        return {
          ok: false,
          problem: {
            parameter: 'qt',
            code: 'VALUE_OUT_OF_BOUNDS',
            description: `The value provided for parameter 'qt' is out of bounds: queue time must be 0 to ${MAX_QUEUE_TIME_MS} ms (4 hours); the hit is dropped.`,
          },
        };
      }
      time = facts.receivedAt - Math.round(queued);
    }

    const uip = normaliseAddress(text(params, 'uip'));
    const fullIp = uip ?? connectionAddress(facts, trustProxy);
    const anonymise = property.ipAnonymization === 'always' || 'aip' in params || params.uip !== undefined;
    const storedIp = fullIp === undefined ? '' : anonymise ? (anonymiseIp(fullIp) ?? '') : fullIp;

    const userAgent = text(params, 'ua') ?? facts.userAgent ?? '';
    const geoid = text(params, 'geoid');
    const location: Geo = geoid !== undefined ? geoFromGeoid(geoid) : fullIp !== undefined ? geo.lookup(fullIp) : GEO_NOT_SET;

    let stored: Record<string, string | number | boolean> = params;
    if (params.uip !== undefined) {
      const { uip: _fullAddress, ...rest } = params;
      stored = rest;
    }
    const tid = text(params, 'tid') ?? property.id;
    if (text(params, 'cid') === undefined && text(params, 'uid') === undefined && isCookieless(params._cl)) {
      if (fullIp === undefined) {
        return { ok: false, problem: { parameter: 'cid', code: 'VALUE_REQUIRED', description: 'A cookieless hit needs the client address to derive its visitor id; none was found.' } };
      }
      stored = { ...stored, cid: cookieless.clientId(fullIp, userAgent, tid, facts.receivedAt) };
    }

    const hit: ReceivedHit = {
      id: hitId(tid, stored, time, index),
      params: stored,
      time,
      receivedAt: facts.receivedAt,
      ip: storedIp,
      geo: location,
      userAgent,
      isBot: isBot(userAgent),
    };
    return { ok: true, hit, anonymisedIp: storedIp };
  };
}

const isCookieless = (value: string | number | boolean | undefined): boolean => value === 1 || value === '1' || value === true;

/** A fixed namespace, so our ids never collide with other v5 ids. */
const NAMESPACE = Buffer.from('6f1d7c8e2b3a4d5c9e0f1a2b3c4d5e6f', 'hex');

/**
 * A UUID (version 5 layout: SHA-1 of a namespace and a name) from the hit's identity:
 * tid, client, `z` and the payload without `qt` (a queued hit resent later carries a
 * larger qt). A retried beacon, byte for byte the same, gets the same id and is stored
 * once. Without `z` (server-side senders) the hit time to the second and the hit's
 * place in its request join the name, so the same hit sent twice on purpose, later,
 * counts twice.
 */
export function hitId(tid: string, params: HitParameters, time: number, index: number): string {
  const keys = Object.keys(params).sort();
  let payload = '';
  for (const key of keys) {
    if (key === 'qt') continue;
    payload += `${key}=${String(params[key])}&`;
  }
  const z = text(params, 'z');
  const name = `${tid}\n${text(params, 'cid') ?? ''}\n${text(params, 'uid') ?? ''}\n${z === undefined ? `@${Math.floor(time / 1000)}#${index}` : `z=${z}`}\n${payload}`;
  const digest = createHash('sha1').update(NAMESPACE).update(name).digest();
  digest[6] = (digest[6]! & 0x0f) | 0x50;
  digest[8] = (digest[8]! & 0x3f) | 0x80;
  const hex = digest.toString('hex', 0, 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
