// Issuing and revoking API keys: the application side of the key aggregate. The key's
// id and secret are random here (the domain takes only the secret's hash); the key is
// returned once and never stored. Used by `webalytic keys` and the /keys endpoints.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { randomUUID } from 'node:crypto';
import { loadProperty } from '../../administration/properties.ts';
import {
  ApiKeyCommandRejected,
  apiKeyStateFrom,
  decideApiKey,
  evolveApiKey,
  initialApiKeyState,
  type ApiKeyCommand,
  type ApiKeyRole,
  type ApiKeyState,
} from '../../domain/access/decider.ts';
import { API_KEY_STREAM_PREFIX, apiKeyStreamName, toAccessEvent, type AccessEvent, type ApiKeyIssued } from '../../domain/access/events.ts';
import type { ApiKeyRecord } from './directory.ts';
import { WrongExpectedRevisionError } from '../../storage/eventstore/errors.ts';
import type { EventStore, Position } from '../../storage/eventstore/port.ts';

const KEY_PATTERN = /^wa_([0-9a-f]{16})_([0-9a-f]{64})$/;

/** SHA-256 of the secret, hex. Keys are 256 random bits: a fast hash is enough, no salt or stretching needed. */
export const hashSecret = (secret: string): string => createHash('sha256').update(secret, 'utf8').digest('hex');

/** Splits `wa_<id>_<secret>`; undefined for anything else. */
export function parseApiKey(token: string): { keyId: string; secret: string } | undefined {
  const match = KEY_PATTERN.exec(token);
  return match && match[1] && match[2] ? { keyId: match[1], secret: match[2] } : undefined;
}

/** Constant-time comparison of two hex hashes of the same length. */
export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}

export interface IssueApiKeyInput {
  role: ApiKeyRole;
  propertyIds?: readonly string[];
  name?: string;
}

export interface IssuedApiKey {
  /** The whole key, `wa_<id>_<secret>`: shown once, never stored. */
  key: string;
  issued: ApiKeyIssued['data'];
  /** Where the issue landed in the log: wait for a directory to reach it before using the key. */
  position: Position;
}

/** Issues a key; every named property must exist. Rejections throw ApiKeyCommandRejected. */
export async function issueApiKey(store: EventStore, input: IssueApiKeyInput, now: number): Promise<IssuedApiKey> {
  const keyId = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('hex');
  const propertyIds = [...(input.propertyIds ?? [])];
  const command: ApiKeyCommand = {
    type: 'IssueApiKey',
    data: { keyId, name: input.name ?? `${input.role} key`, role: input.role, propertyIds, secretHash: hashSecret(secret) },
    metadata: { now },
  };
  // Validates the command before the look-ups, so a malformed id is named as such.
  const events = decideApiKey(command, apiKeyStateFrom([]));
  const issues: string[] = [];
  for (const [i, propertyId] of propertyIds.entries()) {
    if ((await loadProperty(store, propertyId.trim())) === undefined) issues.push(`propertyIds[${i}]: property "${propertyId.trim()}" does not exist`);
  }
  if (issues.length > 0) throw new ApiKeyCommandRejected('invalid', 'IssueApiKey', issues);
  const result = await store.append(
    apiKeyStreamName(keyId),
    events.map((event) => ({ id: randomUUID(), type: event.type, data: event.data })),
    { expectedRevision: 'no_stream' },
  );
  const issued = events[0];
  if (issued?.type !== 'ApiKeyIssued.v1') throw new Error('IssueApiKey decided no ApiKeyIssued.v1 event');
  return { key: `wa_${keyId}_${secret}`, issued: issued.data, position: result.position };
}

const MAX_ATTEMPTS = 5;

/** Revokes a key; `position` is undefined when it was already revoked. An unknown key throws ApiKeyCommandRejected('not-found'). */
export async function revokeApiKey(store: EventStore, keyId: string, now: number): Promise<{ position: Position | undefined }> {
  const command: ApiKeyCommand = { type: 'RevokeApiKey', data: { keyId }, metadata: { now } };
  for (let attempt = 1; ; attempt++) {
    const history: AccessEvent[] = [];
    let revision = -1;
    // A malformed id names no stream: the decider rejects it below without a read.
    if (/^[0-9a-f]{16}$/.test(keyId)) {
      for await (const recorded of store.readStream(apiKeyStreamName(keyId))) {
        const event = toAccessEvent(recorded.type, recorded.data);
        if (event) history.push(event);
        revision = recorded.revision;
      }
    }
    const events = decideApiKey(command, apiKeyStateFrom(history));
    if (events.length === 0) return { position: undefined };
    try {
      const result = await store.append(
        apiKeyStreamName(keyId),
        events.map((event) => ({ id: randomUUID(), type: event.type, data: event.data })),
        { expectedRevision: revision },
      );
      return { position: result.position };
    } catch (error) {
      if (error instanceof WrongExpectedRevisionError && attempt < MAX_ATTEMPTS) continue;
      throw error;
    }
  }
}

/** Every key in the store, folded from the `apikey-` streams, oldest first (for the CLI: no directory needed). */
export async function listApiKeys(store: EventStore): Promise<ApiKeyRecord[]> {
  const states = new Map<string, ApiKeyState>();
  for await (const recorded of store.readAll({ filter: { streamPrefixes: [API_KEY_STREAM_PREFIX] } })) {
    const event = toAccessEvent(recorded.type, recorded.data);
    if (event) states.set(recorded.stream, evolveApiKey(states.get(recorded.stream) ?? initialApiKeyState(), event));
  }
  return [...states.values()].flatMap((state) => (state.status === 'absent' ? [] : [state])).sort((a, b) => a.issuedAt - b.issuedAt);
}
