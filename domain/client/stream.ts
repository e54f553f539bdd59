// The name of a client's stream. One stream per visitor and property:
//
//   client-<tid>.<kind>.<id>
//
// - `client` is the EventStoreDB category (the name up to the first '-'); the
//   tracking id itself may contain '-' (UA-12345-1), which is fine after it.
// - <kind> is `u` when the stream is keyed by the User ID (`uid` sent and the
//   property's userIdIdentity on), else `c` for the Client ID (`cid`); a hit with
//   only a `uid` (allowed by the newer protocol) is keyed by it even without
//   userIdIdentity.
// - Stream names may only hold letters, digits and `_ . : @ = + -`, at most 200
//   characters. Each of <tid> and <id> is written:
//     raw                    when it only holds those characters except '=' (and,
//                            for <tid>, except '.' too, so the first '.' ends it);
//     '=' + base64url(UTF-8) otherwise (unpadded base64url never contains '=');
//     '==' + sha256 hex      when the name would still exceed 200 characters
//                            (the id is hashed first, then the tid).
//   Raw values never contain '=', base64url never starts with '=', so the three
//   forms cannot collide and the mapping is deterministic and injective (up to
//   SHA-256 collisions for absurdly long identifiers).
// The session ids of a client are `<client key>:<session number>`, where the
// client key is the stream name without the `client-` prefix.

import type { HitParameters } from '../hit.ts';
import type { PropertySettings } from '../property/settings.ts';
import { base64url, sha256Hex, utf8Bytes } from './encoding.ts';

export const CLIENT_STREAM_CATEGORY = 'client';
export const CLIENT_STREAM_PREFIX = `${CLIENT_STREAM_CATEGORY}-`;
export const MAX_STREAM_NAME_LENGTH = 200;

/** A hit that names neither `cid` nor `uid` has no client to belong to. */
export class MissingClientIdentityError extends Error {
  override readonly name = 'MissingClientIdentityError';
  constructor() {
    super('cid: required unless uid is sent (the hit names no client)');
  }
}

const RAW_TID = /^[A-Za-z0-9_:@+-]+$/;
const RAW_ID = /^[A-Za-z0-9_.:@+-]+$/;

const encodeSegment = (value: string, raw: RegExp): string => (raw.test(value) ? value : `=${base64url(utf8Bytes(value))}`);
const hashSegment = (value: string): string => `==${sha256Hex(value)}`;

const text = (params: HitParameters, key: string): string | undefined => {
  const value = params[key];
  if (value === undefined) return undefined;
  const s = typeof value === 'string' ? value : String(value);
  return s === '' ? undefined : s;
};

/** Which identifier keys the client's stream, per the rules above. */
export function clientIdentity(params: HitParameters, settings: PropertySettings): { kind: 'c' | 'u'; id: string } {
  const uid = text(params, 'uid');
  const cid = text(params, 'cid');
  if (uid !== undefined && (settings.userIdIdentity || cid === undefined)) return { kind: 'u', id: uid };
  if (cid !== undefined) return { kind: 'c', id: cid };
  throw new MissingClientIdentityError();
}

/** `client-<tid>.<c|u>.<id>`; see the comment at the top of this file. */
export function clientStreamName(propertyId: string, params: HitParameters, settings: PropertySettings): string {
  const { kind, id } = clientIdentity(params, settings);
  let tid = encodeSegment(propertyId, RAW_TID);
  let idSegment = encodeSegment(id, RAW_ID);
  const build = (): string => `${CLIENT_STREAM_PREFIX}${tid}.${kind}.${idSegment}`;
  if (build().length > MAX_STREAM_NAME_LENGTH) idSegment = hashSegment(id);
  if (build().length > MAX_STREAM_NAME_LENGTH) tid = hashSegment(propertyId);
  return build();
}

/** The stream name without the category prefix: the stem of the client's session ids. */
export const clientKeyOf = (streamName: string): string =>
  streamName.startsWith(CLIENT_STREAM_PREFIX) ? streamName.slice(CLIENT_STREAM_PREFIX.length) : streamName;
