// GET /realtime: who is on the site now. Active users are the distinct clients with a hit
// in the last 5 minutes (the current minute included); the per-minute series covers the
// last 30 minutes, oldest first, with distinct users and page views from the realtime
// read model (one row per client and minute, with its page views there). Top pages,
// sources (source / medium), countries and devices describe the active users: each counts
// once, under its latest page.
import { z } from 'zod';
import { TID_PATTERN } from '../../domain/property/fields.ts';
import { createAnalyticsQueriesFrom } from '../../projections/analytics/queries.ts';
import type { ReadApiDeps } from '../app.ts';
import { defineRoute, type AnyRoute } from '../http/route.ts';
import { analyticsSources, propertySettings, type SourceCache } from './query/execute.ts';

const WINDOW_MINUTES = 30;

const item = z.object({ value: z.string(), users: z.number().int() });

export const realtimeSchema = z.object({
  active_users: z.number().int().describe('Distinct clients with a hit in the last 5 minutes.'),
  active_users_30m: z.number().int().describe('Distinct clients with a hit in the last 30 minutes.'),
  per_minute: z
    .array(z.object({ minute: z.string().describe('YYYY-MM-DDTHH:mm in the property time zone.'), users: z.number().int(), pageviews: z.number().int() }))
    .describe('The last 30 minutes, oldest first, the current minute last.'),
  pages: z.array(item).describe('Top 10 pages of the active users (each user under their latest page).'),
  sources: z.array(item).describe('Top 10 "source / medium" of the active users.'),
  countries: z.array(item),
  devices: z.array(item).describe('Device categories.'),
});

const queryParams = z.object({ property: z.string().regex(TID_PATTERN, 'must be a tracking id of the form UA-<digits>-<digits>') }).strict();

const minuteFormatters = new Map<string, Intl.DateTimeFormat>();

/** 'YYYY-MM-DDTHH:mm' of an epoch minute in a time zone. */
export function localMinute(minute: number, timeZone: string): string {
  let formatter = minuteFormatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', calendar: 'gregory', numberingSystem: 'latn' });
    minuteFormatters.set(timeZone, formatter);
  }
  const parts: Record<string, string> = {};
  for (const part of formatter.formatToParts(minute * 60_000)) parts[part.type] = part.value;
  return `${parts['year']}-${parts['month']}-${parts['day']}T${parts['hour']}:${parts['minute']}`;
}

export function realtimeRoutes(deps: Pick<ReadApiDeps, 'eventStore' | 'readStore' | 'now'>): AnyRoute[] {
  const now = deps.now ?? Date.now;
  const cache: SourceCache = new Map();

  const realtime = defineRoute({
    method: 'get',
    path: '/realtime',
    summary: 'Realtime activity',
    description:
      'Active users now (a hit in the last 5 minutes) and over the last 30 minutes by minute (distinct users and page views), ' +
      'with the top pages, sources, countries and device categories of the active users.',
    tags: ['stats'],
    auth: { role: 'read', property: (_req, input) => input.query.property },
    query: queryParams,
    response: realtimeSchema,
    errors: [503],
    async handler({ query }) {
      const settings = await propertySettings(deps.eventStore, query.property);
      const sources = await analyticsSources(deps.readStore, cache);
      const at = now();
      const answer = await createAnalyticsQueriesFrom(sources.base).realtime({ property: query.property, now: at });
      const fromMinute = Math.floor(at / 60_000) - (WINDOW_MINUTES - 1);
      const active = answer.last5;
      return {
        active_users: answer.activeUsers5,
        active_users_30m: answer.activeUsers30,
        per_minute: answer.perMinute.map((entry, i) => {
          const minute = fromMinute + i;
          return { minute: localMinute(minute, settings.timeZone), users: entry.users, pageviews: entry.pageviews };
        }),
        pages: active.pages,
        sources: active.sources,
        countries: active.countries,
        devices: active.devices,
      };
    },
  });
  return [realtime];
}
