// A session's hits as the raw history holds them: the session id names the client
// stream (`<client key>:<number>`, the key being the stream name without `client-`),
// the stream is read forwards until the session is passed, and each hit is returned
// with its stored facts and, beside them, what the read side derives from them
// (parsed user agent, channel, time on page).
import { z } from 'zod';
import { CLIENT_STREAM_PREFIX } from '../../domain/client/stream.ts';
import { trafficSourceSchema } from '../../domain/client/events.ts';
import type { PropertySettings } from '../../domain/property/settings.ts';
import { defaultChannelGrouping } from '../../domain/traffic-source/index.ts';
import { parseDevice, type DeviceInfo } from '../../projections/analytics/user-agent.ts';
import type { EventStore, RecordedEvent } from '../../storage/eventstore/port.ts';

/**
 * `<tid>.<c|u>.<id>:<number>`. A property's tid (UA-<digits>-<digits>) is always written
 * raw in stream names; the id segment is raw, `=`+base64url or `==`+hex (domain/client/stream.ts).
 */
export const SESSION_ID_PATTERN = /^UA-[0-9]{1,12}-[0-9]{1,6}\.[cu]\.[A-Za-z0-9_.:@=+-]+:[1-9][0-9]{0,9}$/;

export interface SessionRef {
  id: string;
  propertyId: string;
  /** The client stream name without `client-`. */
  clientKey: string;
  stream: string;
  number: number;
}

/** Undefined when `id` is not a session id. */
export function parseSessionId(id: string): SessionRef | undefined {
  if (!SESSION_ID_PATTERN.test(id)) return undefined;
  const colon = id.lastIndexOf(':'); // the id segment may hold ':' itself; the number never does
  const clientKey = id.slice(0, colon);
  return { id, propertyId: clientKey.slice(0, clientKey.indexOf('.')), clientKey, stream: `${CLIENT_STREAM_PREFIX}${clientKey}`, number: Number(id.slice(colon + 1)) };
}

/** The fields of a recorded hit event this module reads; the rest is passed through as stored. */
const recordedHitSchema = z.object({
  hit: z.looseObject({
    type: z.string(),
    time: z.number(),
    interaction: z.boolean(),
    clientId: z.string().optional(),
    userId: z.string().optional(),
    device: z.looseObject({ userAgent: z.string() }),
  }),
  session: z.looseObject({ id: z.string(), number: z.number(), source: trafficSourceSchema }),
  params: z.record(z.string(), z.unknown()),
});
type RecordedHit = z.infer<typeof recordedHitSchema>;

interface SessionEvent {
  event: RecordedEvent;
  data: RecordedHit;
}

/**
 * The session's events, in stream order. A client's sessions follow one another in its
 * stream, so the read stops at the first event of a later session. `HitDiscarded.v1`
 * events belong to no session and are skipped.
 */
export async function readSessionEvents(store: EventStore, ref: SessionRef): Promise<SessionEvent[]> {
  const found: SessionEvent[] = [];
  for await (const event of store.readStream(ref.stream)) {
    const parsed = recordedHitSchema.safeParse(event.data);
    if (!parsed.success) continue;
    if (parsed.data.session.number > ref.number) break;
    if (parsed.data.session.id === ref.id) found.push({ event, data: parsed.data });
  }
  return found;
}

const PAGE_HIT_TYPES = new Set(['pageview', 'screenview']);

/**
 * Time on page in seconds for each page hit (null for other hits): until the next page
 * view of the session; for the session's last one, until the last interaction hit after
 * it, else 0 (ga-processing.md §6.2, the BigQuery cookbook rule, M-2).
 */
export function timesOnPage(hits: readonly { type: string; time: number; interaction: boolean }[]): (number | null)[] {
  const out: (number | null)[] = hits.map(() => null);
  let nextPage: number | undefined;
  let lastInteraction: number | undefined;
  for (let i = hits.length - 1; i >= 0; i--) {
    const hit = hits[i]!;
    if (PAGE_HIT_TYPES.has(hit.type)) {
      const end = nextPage ?? lastInteraction ?? hit.time;
      out[i] = Math.max(0, end - hit.time) / 1000;
      nextPage = hit.time;
      lastInteraction = undefined;
    } else if (hit.interaction && lastInteraction === undefined) {
      lastInteraction = hit.time;
    }
  }
  return out;
}

const derivedSchema = z.object({
  browser: z.string(),
  browser_version: z.string(),
  os: z.string(),
  os_version: z.string(),
  device_category: z.enum(['desktop', 'mobile', 'tablet']),
  channel: z.string().describe('Default Channel Grouping of the session source, with the property settings.'),
  time_on_page: z.number().nullable().describe('Seconds; null for hits that are not page or screen views.'),
});

export const sessionHitSchema = z
  .looseObject({
    position: z.string().describe('The event position in the log.'),
    revision: z.number().int().describe('The event revision in the client stream.'),
    event_id: z.string(),
    event_type: z.string().describe('e.g. PageviewRecorded.v1'),
    type: z.string().describe('The hit type: pageview, event, ...'),
    time: z.number().describe('Hit time, epoch milliseconds.'),
    session: z.record(z.string(), z.unknown()).describe('The session facts stored with the hit.'),
    params: z.record(z.string(), z.unknown()).describe('The validated Measurement Protocol parameters as sent.'),
    derived: derivedSchema,
  })
  .describe('One hit: the stored hit facts (page, event, device, geo, ...) with the derived fields beside them.');

export const sessionDetailSchema = z.object({
  id: z.string(),
  property: z.string(),
  client: z.string().describe('The client key: the client stream name without `client-`.'),
  stream: z.string(),
  number: z.number().int(),
  client_id: z.string().nullable(),
  user_id: z.string().nullable(),
  start: z.string().describe('Time of the first hit, ISO 8601.'),
  end: z.string().describe('Time of the last hit, ISO 8601.'),
  source: trafficSourceSchema,
  channel: z.string(),
  hits: z.array(sessionHitSchema),
});
export type SessionDetail = z.infer<typeof sessionDetailSchema>;

/** The answer for one session; undefined when the stream holds no hit of it. */
export function describeSession(
  ref: SessionRef,
  events: readonly SessionEvent[],
  settings: Pick<PropertySettings, 'socialNetworks'>,
  device: (userAgent: string) => DeviceInfo = parseDevice,
): SessionDetail | undefined {
  const first = events[0];
  const last = events[events.length - 1];
  if (first === undefined || last === undefined) return undefined;
  const source = first.data.session.source;
  const channel = defaultChannelGrouping(source, settings);
  const onPage = timesOnPage(events.map(({ data }) => data.hit));
  const hits = events.map(({ event, data }, i) => {
    const parsed = device(data.hit.device.userAgent);
    return {
      position: event.position,
      revision: event.revision,
      event_id: event.id,
      event_type: event.type,
      ...data.hit,
      session: data.session,
      params: data.params,
      derived: {
        browser: parsed.browser,
        browser_version: parsed.browserVersion,
        os: parsed.os,
        os_version: parsed.osVersion,
        device_category: parsed.deviceCategory,
        channel,
        time_on_page: onPage[i] ?? null,
      },
    };
  });
  return {
    id: ref.id,
    property: ref.propertyId,
    client: ref.clientKey,
    stream: ref.stream,
    number: ref.number,
    client_id: first.data.hit.clientId ?? null,
    user_id: events.find(({ data }) => data.hit.userId !== undefined)?.data.hit.userId ?? null,
    start: new Date(first.data.hit.time).toISOString(),
    end: new Date(last.data.hit.time).toISOString(),
    source,
    channel,
    hits,
  };
}
