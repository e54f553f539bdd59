// The API key aggregate's events: the published contract for `apikey-<keyId>` streams.
// A key's secret is never in an event: only its SHA-256, so the log can be copied,
// backed up and subscribed to without handing out working keys.
import { z } from 'zod';

/** A key id: 16 lower-case hex characters (the `<id>` of `wa_<id>_<secret>`). */
export const KEY_ID_PATTERN = /^[0-9a-f]{16}$/;
/** SHA-256 as 64 lower-case hex characters. */
export const SECRET_HASH_PATTERN = /^[0-9a-f]{64}$/;
/** Same rule as the property aggregate's tid (kept here: domain/access does not depend on domain/property). */
export const PROPERTY_ID_PATTERN = /^UA-[0-9]{1,12}-[0-9]{1,6}$/;
export const KEY_NAME_MAX = 100;

const keyId = z.string().regex(KEY_ID_PATTERN).describe('The key id; the stream is `apikey-<keyId>`.');
const at = z.number().int().min(0).describe('When the command was decided, epoch milliseconds.');

export const apiKeyIssuedSchema = z
  .object({
    keyId,
    name: z.string().min(1).max(KEY_NAME_MAX).describe('A label for people, e.g. "dashboard".'),
    role: z.enum(['admin', 'read']).describe('admin: everything; read: queries of its properties only.'),
    propertyIds: z.array(z.string().regex(PROPERTY_ID_PATTERN)).describe('The properties a read key may query; empty for admin keys.'),
    secretHash: z.string().regex(SECRET_HASH_PATTERN).describe('SHA-256 of the secret part of the key, hex; the key itself is never stored.'),
    at,
  })
  .describe('An API key was issued.');

export const apiKeyRevokedSchema = z.object({ keyId, at }).describe('An API key was revoked: it no longer authenticates.');

/** Versioned event type name -> zod schema of the event data. */
export const accessEventSchemas = {
  'ApiKeyIssued.v1': apiKeyIssuedSchema,
  'ApiKeyRevoked.v1': apiKeyRevokedSchema,
} as const;

export type AccessEventType = keyof typeof accessEventSchemas;
type EventOf<K extends AccessEventType> = { type: K; data: z.output<(typeof accessEventSchemas)[K]> };
export type AccessEvent = { [K in AccessEventType]: EventOf<K> }[AccessEventType];
export type ApiKeyIssued = EventOf<'ApiKeyIssued.v1'>;
export type ApiKeyRevoked = EventOf<'ApiKeyRevoked.v1'>;

/** Category `apikey`: the key id has no dashes. */
export const API_KEY_STREAM_PREFIX = 'apikey-';
export const apiKeyStreamName = (keyId: string): string => `${API_KEY_STREAM_PREFIX}${keyId}`;

/** Reads a stored event back as an access event; undefined for another type or invalid data. */
export function toAccessEvent(type: string, data: unknown): AccessEvent | undefined {
  if (!Object.hasOwn(accessEventSchemas, type)) return undefined;
  const key = type as AccessEventType;
  const parsed = accessEventSchemas[key].safeParse(data);
  return parsed.success ? ({ type: key, data: parsed.data } as AccessEvent) : undefined;
}
