// The read API's in-memory view of every API key: a subscription to the `apikey-`
// streams folded with the key aggregate's evolve. Authentication asks it for a key id
// without touching the store; a revocation is seen as soon as the event is read.
import { evolveApiKey, initialApiKeyState, type ApiKeyState } from '../../domain/access/decider.ts';
import { API_KEY_STREAM_PREFIX, toAccessEvent, type AccessEvent } from '../../domain/access/events.ts';
import type { Logger } from '../../platform/logger.ts';
import { foldStreams } from '../../storage/eventstore/fold-streams.ts';
import type { EventStore, Position } from '../../storage/eventstore/port.ts';

/** A key as the directory knows it: issued or revoked, with the hash of its secret. */
export type ApiKeyRecord = Exclude<ApiKeyState, { status: 'absent' }>;

export interface ApiKeyDirectory {
  /** Resolves once every key event that existed at start was folded. */
  readonly ready: Promise<void>;
  /** An issued or revoked key; undefined for an unknown id. */
  get(keyId: string): ApiKeyRecord | undefined;
  /** Every key, oldest first. */
  list(): ApiKeyRecord[];
  /** Resolves once the directory has folded the log up to `position` (e.g. an append's result). */
  reached(position: Position): Promise<void>;
  close(): Promise<void>;
}

export function openApiKeyDirectory(options: { store: EventStore; logger: Logger }): ApiKeyDirectory {
  const { logger } = options;
  const view = foldStreams<ApiKeyState, AccessEvent>({
    store: options.store,
    logger,
    name: 'API key directory',
    streamPrefix: API_KEY_STREAM_PREFIX,
    initial: initialApiKeyState,
    evolve: evolveApiKey,
    decode(recorded) {
      const event = toAccessEvent(recorded.type, recorded.data);
      if (event === undefined) logger.warn({ stream: recorded.stream, revision: recorded.revision, type: recorded.type }, 'API key event of an unknown type or with invalid data ignored');
      return event;
    },
  });
  const records = (): ApiKeyRecord[] =>
    [...view.entries()].flatMap(([, state]) => (state.status === 'absent' ? [] : [state])).sort((a, b) => a.issuedAt - b.issuedAt || (a.keyId < b.keyId ? -1 : 1));
  return {
    ready: view.ready,
    get(keyId) {
      const state = view.get(`${API_KEY_STREAM_PREFIX}${keyId}`);
      return state === undefined || state.status === 'absent' ? undefined : state;
    },
    list: records,
    reached: (position) => view.reached(position),
    close: () => view.close(),
  };
}
