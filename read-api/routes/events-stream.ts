// GET /events/stream: every domain event after a position, as Server-Sent Events.
//
// - Start: the `Last-Event-ID` header (a reconnecting EventSource sends it), else
//   `from=`, else the head of the log ("from now"). Positions are exclusive in the
//   event store port, so resuming from the last id received repeats nothing and
//   skips nothing.
// - Each message: `id: <position>`, `event: <type>`, `data: {stream, revision,
//   position, type, data, created}`.
// - Only the published categories are served: `client-`, `property-` and `erasure-`
//   streams (never `apikey-`, whose events hold key hashes). `property=` narrows to the
//   streams of those properties, `type=` to those event types.
// - A read key must name its properties, and may only name its own.
// - Backpressure: the subscription is pulled one event at a time and the next is only
//   read once the socket took the previous one.
import type { Request } from 'express';
import { z } from 'zod';
import { EVENT_TYPES, isEventType } from '../../domain/contract.ts';
import { CLIENT_STREAM_PREFIX } from '../../domain/client/stream.ts';
import { ERASURE_STREAM_PREFIX } from '../../domain/erasure/events.ts';
import { PROPERTY_STREAM_PREFIX } from '../../domain/property/decider.ts';
import { TID_PATTERN } from '../../domain/property/fields.ts';
import { comparePositions, type EventFilter, type Position, type RecordedEvent, type Subscription } from '../../storage/eventstore/port.ts';
import type { ReadApiDeps } from '../app.ts';
import { badRequest, forbidden } from '../http/problem.ts';
import { defineRoute, type AnyRoute } from '../http/route.ts';
import { openSseStream } from './sse.ts';

/** The stream categories a subscriber may see. */
export const PUBLISHED_STREAM_PREFIXES = [CLIENT_STREAM_PREFIX, PROPERTY_STREAM_PREFIX, ERASURE_STREAM_PREFIX] as const;

/** Both adapters' positions: 20 digits (embedded), 20 digits/20 digits (EventStoreDB). */
const POSITION_PATTERN = /^[0-9]{1,20}(?:\/[0-9]{1,20})?$/;
const positionSchema = z.string().regex(POSITION_PATTERN, 'must be an event position as sent in an `id:` line');

const csv = (item: z.ZodType<string, string>) =>
  z
    .string()
    .transform((text) => text.split(',').map((part) => part.trim()).filter((part) => part !== ''))
    .pipe(z.array(item).min(1, 'must name at least one value').max(50, 'must name at most 50 values'));

const tid = z.string().regex(TID_PATTERN, 'must be a tracking id of the form UA-<digits>-<digits>');
const eventType = z.string().refine(isEventType, { error: (issue) => `"${String(issue.input)}" is not an event type of the contract` });

export const eventsStreamQuerySchema = z.object({
  from: positionSchema.optional().describe('Start after this position (exclusive). The `Last-Event-ID` header wins over it. Neither: from now.'),
  property: csv(tid).optional().describe('Comma-separated tracking ids: only the client, property and erasure streams of these properties. Required for a read key.'),
  type: csv(eventType).optional().describe(`Comma-separated event types, e.g. PageviewRecorded.v1,EventRecorded.v1 (one of ${EVENT_TYPES.length} contract types).`),
});

export const streamedEventSchema = z
  .object({
    stream: z.string(),
    revision: z.number().int(),
    position: z.string(),
    type: z.string(),
    data: z.unknown().describe('The event data, as in docs/events.schema.json.'),
    created: z.number().describe('When the store recorded the event, epoch milliseconds.'),
  })
  .describe('The `data:` of each message; the message `id:` is the position and `event:` the type. `: ping` comments are heartbeats.');

export interface EventsStreamOptions {
  /** A `: ping` comment this often. Default 15 s. */
  heartbeatMs?: number;
  /** The `retry:` sent to EventSource clients. Default 2 s. */
  retryMs?: number;
  /** Aborting it ends every open stream (shutdown: an open stream would keep server.close() waiting). */
  signal?: AbortSignal;
  /** Called each time a stream waits for a slow client's socket to drain (observability, tests). */
  onBackpressure?: () => void;
}

/** The stream filter: the store's prefix filter narrows the read; `visible` is exact (`property-UA-1-1` must not match `property-UA-1-10`). */
export function streamFilter(properties: readonly string[] | undefined): { prefixes: string[]; visible: (stream: string) => boolean } {
  if (properties === undefined) {
    return { prefixes: [...PUBLISHED_STREAM_PREFIXES], visible: (stream) => PUBLISHED_STREAM_PREFIXES.some((prefix) => stream.startsWith(prefix)) };
  }
  const exact = new Set(properties.flatMap((id) => [`${PROPERTY_STREAM_PREFIX}${id}`, `${ERASURE_STREAM_PREFIX}${id}`]));
  const clientPrefixes = properties.map((id) => `${CLIENT_STREAM_PREFIX}${id}.`);
  return {
    prefixes: [...clientPrefixes, ...exact],
    visible: (stream) => exact.has(stream) || clientPrefixes.some((prefix) => stream.startsWith(prefix)),
  };
}

function lastEventId(req: Request): string | undefined {
  const header = req.get('last-event-id');
  if (header === undefined || header.trim() === '') return undefined;
  const parsed = positionSchema.safeParse(header.trim());
  if (!parsed.success) throw badRequest('Last-Event-ID: must be an event position as sent in an `id:` line', 'Last-Event-ID', 'header');
  return parsed.data;
}

export function eventsStreamRoute(deps: Pick<ReadApiDeps, 'eventStore' | 'logger'>, options: EventsStreamOptions = {}): AnyRoute {
  const { eventStore, logger } = deps;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const retryMs = options.retryMs ?? 2_000;

  const route = defineRoute({
    method: 'get',
    path: '/events/stream',
    summary: 'Live domain events (Server-Sent Events)',
    description:
      'Every domain event after a position, as `text/event-stream`: `id: <position>`, `event: <type>`, `data: <json>`. ' +
      'Reconnect with `Last-Event-ID` (or `from=`) to resume exactly after the last event received. ' +
      'Heartbeats are `: ping` comments. EventSource clients may pass the key as `access_token=`. See docs/subscribing.md.',
    tags: ['events'],
    auth: { role: 'read', property: (_req, input) => input.query.property, allowQueryToken: true },
    query: eventsStreamQuerySchema,
    response: streamedEventSchema,
    produces: ['text/event-stream'],
    async handler({ query, key, req, res }) {
      if (key && key.role !== 'admin' && query.property === undefined) {
        throw forbidden('a read key must name its properties: add property=<tid>[,<tid>…]', 'property');
      }
      const header = lastEventId(req);
      const resumeFrom = header ?? query.from;
      const field = header !== undefined ? 'Last-Event-ID' : 'from';
      const head = await eventStore.headPosition();
      // A position past the end (from another store, or made up) would wait silently forever.
      if (resumeFrom !== undefined && head !== undefined && comparePositions(resumeFrom, head) > 0) {
        throw badRequest(`${field}: ${resumeFrom} is beyond the end of the log (${head}): not a position of this event store`, field, field === 'from' ? 'query' : 'header');
      }
      const from: Position | undefined = resumeFrom ?? head;
      const { prefixes, visible } = streamFilter(query.property);
      const filter: EventFilter = { streamPrefixes: prefixes, ...(query.type ? { eventTypes: query.type } : {}) };
      let subscription: Subscription;
      try {
        subscription = eventStore.subscribeToAll({ ...(from !== undefined ? { fromPosition: from } : {}), filter });
      } catch (error) {
        if (error instanceof RangeError) {
          throw badRequest(`${field}: not a position of this event store`, field, field === 'from' ? 'query' : 'header');
        }
        throw error;
      }

      const sse = openSseStream(res, { heartbeatMs, retryMs, ...(options.onBackpressure ? { onBackpressure: options.onBackpressure } : {}) });
      const stop = (): void => sse.end();
      if (options.signal?.aborted) stop();
      options.signal?.addEventListener('abort', stop, { once: true });
      void sse.closed.then(() => subscription.close());
      try {
        for await (const message of subscription) {
          if (message.type !== 'event' || !visible(message.event.stream)) continue;
          if (!(await sse.send(toMessage(message.event)))) break;
        }
      } catch (error) {
        if (!sse.isClosed()) logger.warn({ err: error }, 'events stream: the subscription failed; the client will reconnect');
      } finally {
        options.signal?.removeEventListener('abort', stop);
        await subscription.close();
        sse.end();
      }
    },
  });
  return route;
}

function toMessage(event: RecordedEvent): { id: string; event: string; data: string } {
  const { stream, revision, position, type, data, created } = event;
  return { id: position, event: type, data: JSON.stringify({ stream, revision, position, type, data, created }) };
}
