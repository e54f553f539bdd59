// Raw data from the event store: one session's hits, one visitor's whole stream, and
// the GDPR erasure of a visitor.
//
// Erasure order: `ClientErased.v1` is appended to `erasure-<tid>` FIRST, then the
// client stream is deleted. A crash between the two leaves the stream in place and
// the erasure recorded; repeating the DELETE finishes it (and records it again, which
// the projections treat as idempotent). A DELETE for a stream that holds nothing (never
// seen, or already erased) records nothing and answers `erased: false`.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { clientStreamName } from '../../domain/client/stream.ts';
import { clientErased, erasureStreamName } from '../../domain/erasure/events.ts';
import { TID_PATTERN } from '../../domain/property/fields.ts';
import type { PropertySettings } from '../../domain/property/settings.ts';
import { loadProperty } from '../../administration/properties.ts';
import type { EventStore, RecordedEvent } from '../../storage/eventstore/port.ts';
import type { ReadApiDeps } from '../app.ts';
import { notFound } from '../http/problem.ts';
import { defineRoute, type AnyRoute } from '../http/route.ts';
import { describeSession, parseSessionId, readSessionEvents, SESSION_ID_PATTERN, sessionDetailSchema } from './raw-session.ts';

export const MAX_PAGE = 1000;

const tid = z.string().regex(TID_PATTERN, 'must be a tracking id of the form UA-<digits>-<digits>');

const sessionParams = z.object({
  id: z.string().regex(SESSION_ID_PATTERN, 'must be a session id: <tid>.<c|u>.<client id>:<session number>').describe('The session id, as the session list gives it.'),
});

const clientParams = z.object({
  property: tid.describe('The tracking id of the property.'),
  clientId: z.string().min(1, 'must not be empty').max(2048, 'must be at most 2048 characters').describe('The `cid` (or, with identity=uid, the `uid`) the hits were sent with.'),
});

const identityQuery = {
  identity: z.enum(['cid', 'uid']).default('cid').describe('Which identifier keys the stream: `uid` for properties whose streams follow the User ID.'),
};

const clientEventsQuery = z.object({
  ...identityQuery,
  from: z.coerce.number({ message: 'must be a number' }).int('must be an integer').min(0, 'must be 0 or more').default(0).describe('First revision to return (0-based).'),
  limit: z.coerce.number({ message: 'must be a number' }).int('must be an integer').min(1, `must be 1 to ${MAX_PAGE}`).max(MAX_PAGE, `must be 1 to ${MAX_PAGE}`).default(100),
});

const storedEventSchema = z.object({
  revision: z.number().int(),
  position: z.string(),
  id: z.string(),
  type: z.string(),
  created: z.number().describe('When the store recorded the event, epoch milliseconds.'),
  data: z.unknown().describe('As in docs/events.schema.json.'),
  metadata: z.record(z.string(), z.unknown()),
});

const clientEventsSchema = z.object({
  property: z.string(),
  client_id: z.string(),
  identity: z.enum(['cid', 'uid']),
  stream: z.string(),
  from: z.number().int(),
  events: z.array(storedEventSchema),
  next_from: z.number().int().nullable().describe('The `from` of the next page; null on the last one.'),
});

const erasureSchema = z.object({
  property: z.string(),
  stream: z.string().describe('The client stream.'),
  erased: z.boolean().describe('false when the stream held nothing (never seen, or already erased): nothing was recorded.'),
  erasure: z
    .object({ stream: z.string(), type: z.literal('ClientErased.v1'), position: z.string() })
    .nullable()
    .describe('The erasure event the projections act on; wait for the projections to pass `position` to see the visitor gone from reports.'),
});

async function propertySettings(store: EventStore, propertyId: string): Promise<PropertySettings> {
  const settings = await loadProperty(store, propertyId);
  if (settings === undefined) throw notFound(`property "${propertyId}" does not exist`, 'property');
  return settings;
}

function streamOf(settings: PropertySettings, clientId: string, identity: 'cid' | 'uid'): string {
  // Only one identifier is given, so the stream's kind (c or u) follows `identity`.
  return clientStreamName(settings.id, identity === 'uid' ? { uid: clientId } : { cid: clientId }, settings);
}

export function rawRoutes(deps: Pick<ReadApiDeps, 'eventStore' | 'now'>): AnyRoute[] {
  const store = deps.eventStore;
  const now = deps.now ?? Date.now;

  const session = defineRoute({
    method: 'get',
    path: '/sessions/:id',
    summary: "A session's hits, from the raw history",
    description:
      'The hits of one session in order, read from the client stream in the event store, each with its stored facts and ' +
      'derived fields beside them (parsed user agent, channel, time on page).',
    tags: ['raw'],
    auth: { role: 'read', property: (_req, input) => parseSessionId(input.params.id)?.propertyId },
    params: sessionParams,
    response: sessionDetailSchema,
    async handler({ params }) {
      const ref = parseSessionId(params.id);
      if (ref === undefined) throw notFound(`no session "${params.id}"`, 'id');
      const settings = await propertySettings(store, ref.propertyId);
      const detail = describeSession(ref, await readSessionEvents(store, ref), settings);
      if (detail === undefined) throw notFound(`no session "${params.id}" (never recorded, or erased)`, 'id');
      return detail;
    },
  });

  const clientEvents = defineRoute({
    method: 'get',
    path: '/clients/:property/:clientId/events',
    summary: "A visitor's raw event stream",
    description: 'Every event of the client stream, oldest first, a page at a time (`from` a revision, `limit` events).',
    tags: ['raw'],
    auth: { role: 'read', property: (_req, input) => input.params.property },
    params: clientParams,
    query: clientEventsQuery,
    response: clientEventsSchema,
    async handler({ params, query }) {
      const settings = await propertySettings(store, params.property);
      const stream = streamOf(settings, params.clientId, query.identity);
      const events: RecordedEvent[] = [];
      for await (const event of store.readStream(stream, { fromRevision: query.from, maxCount: query.limit + 1 })) events.push(event);
      if (events.length === 0 && query.from === 0) throw notFound(`client "${params.clientId}" has no events in property "${params.property}" (never seen, or erased)`, 'clientId');
      const page = events.slice(0, query.limit);
      return {
        property: params.property,
        client_id: params.clientId,
        identity: query.identity,
        stream,
        from: query.from,
        events: page.map(({ revision, position, id, type, created, data, metadata }) => ({ revision, position, id, type, created, data, metadata })),
        next_from: events.length > query.limit ? events[query.limit]!.revision : null,
      };
    },
  });

  const erase = defineRoute({
    method: 'delete',
    path: '/clients/:property/:clientId/events',
    summary: 'Erase a visitor (GDPR)',
    description:
      'Records `ClientErased.v1` in `erasure-<tid>`, then deletes the client stream from the event store (the embedded store removes ' +
      'the rows; EventStoreDB at its next scavenge). The projections remove the visitor from every read model when they read the ' +
      'erasure event. Idempotent: when there is nothing (left) to erase, `erased` is false and nothing is recorded.',
    tags: ['raw'],
    auth: { role: 'admin' },
    params: clientParams,
    query: z.object(identityQuery),
    response: erasureSchema,
    status: 202,
    async handler({ params, query }) {
      const settings = await propertySettings(store, params.property);
      const stream = streamOf(settings, params.clientId, query.identity);
      let exists = false;
      for await (const _event of store.readStream(stream, { direction: 'backwards', maxCount: 1 })) exists = true;
      if (!exists) return { property: settings.id, stream, erased: false, erasure: null };
      const event = clientErased(settings.id, stream, now());
      const erasureStream = erasureStreamName(settings.id);
      const recorded = await store.append(erasureStream, [{ id: randomUUID(), type: event.type, data: event.data }]);
      await store.deleteStream(stream);
      return { property: settings.id, stream, erased: true, erasure: { stream: erasureStream, type: event.type, position: recorded.position } };
    },
  });

  return [session, clientEvents, erase];
}
