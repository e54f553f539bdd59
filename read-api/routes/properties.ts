// Property administration over HTTP: the property aggregate's commands (through
// administration/properties.ts, as the CLI does), reads of the settings, and the
// tracking snippet. Read keys see only their properties; changes need an admin key.
import type { Request } from 'express';
import { z } from 'zod';
import { loadProperty, runPropertyCommand } from '../../administration/properties.ts';
import {
  createPropertyDataSchema,
  defineCustomDimensionDataSchema,
  defineCustomMetricDataSchema,
  updatePropertySettingsDataSchema,
  type PropertyCommand,
} from '../../domain/property/commands.ts';
import { customDimensionDefinitionSchema, propertySettingsSnapshotSchema } from '../../domain/property/events.ts';
import type { PropertySettings } from '../../domain/property/settings.ts';
import type { ReadApiDeps } from '../app.ts';
import { badRequest, notFound } from '../http/problem.ts';
import { defineRoute, type AnyRoute } from '../http/route.ts';
import { canReadProperty } from '../keys/principal.ts';

export const propertySchema = propertySettingsSnapshotSchema
  .extend({
    id: z.string().describe('The tracking id (`tid`).'),
    active: z.boolean().describe('False once deactivated: hits sent to it are rejected.'),
    // PropertySettings types both lists alike; the decider only ever stores hit or product metrics.
    customMetrics: z.array(customDimensionDefinitionSchema).describe('In index order; scope is hit or product.'),
  })
  .describe('A property and all its settings.');

const idParams = z.object({ id: z.string().describe('The tracking id, e.g. UA-12345-1.') });
const definitionParams = z.object({
  id: z.string().describe('The tracking id, e.g. UA-12345-1.'),
  index: z
    .string()
    .regex(/^[0-9]{1,3}$/, 'must be a whole number from 1 to 200')
    .transform(Number)
    .describe('The `N` of `cd<N>` / `cm<N>`, 1 to 200.'),
});

const snippetSchema = z.object({
  propertyId: z.string(),
  scriptUrl: z.string().describe('Where the page loads the SDK from.'),
  snippet: z.string().describe('The HTML to paste before </head> on every page.'),
});

/** The command body is the command's data without the id, which comes from the path. */
const updateBody = updatePropertySettingsDataSchema.omit({ propertyId: true });
const dimensionBody = defineCustomDimensionDataSchema.omit({ propertyId: true, index: true });
const metricBody = defineCustomMetricDataSchema.omit({ propertyId: true, index: true });

/** The origin the browser reaches this server at: the configured public URL, or the request's own. */
export function publicOrigin(req: Request, trustProxy: boolean, configured?: string): string {
  if (configured) return new URL(configured).origin;
  const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value)?.split(',')[0]?.trim() || undefined;
  const proto = (trustProxy ? first(req.headers['x-forwarded-proto']) : undefined) ?? (req.socket && 'encrypted' in req.socket ? 'https' : 'http');
  const host = (trustProxy ? first(req.headers['x-forwarded-host']) : undefined) ?? req.headers.host;
  if (!host || (proto !== 'http' && proto !== 'https')) throw badRequest('the request names no valid host to build the snippet URL from', 'Host', 'header');
  let url: URL;
  try {
    url = new URL(`${proto}://${host}`);
  } catch {
    throw badRequest(`"${host}" is not a valid host`, 'Host', 'header');
  }
  // A Host with a path or credentials is not a host: never echo it into a snippet.
  if (url.host !== host.toLowerCase() || url.username !== '' || url.pathname !== '/') throw badRequest(`"${host}" is not a valid host`, 'Host', 'header');
  return url.origin;
}

/** The async snippet of collector/sdk/README.md for one property. */
export function trackingSnippet(propertyId: string, origin: string): { scriptUrl: string; snippet: string } {
  const scriptUrl = `${origin}/wa.js`;
  const snippet = [
    '<script>',
    'window.wa = window.wa || function(){ (wa.q = wa.q || []).push(arguments) }; wa.l = +new Date;',
    // Tracking ids are `UA-<digits>-<digits>`: nothing to escape.
    `wa('create', '${propertyId}', 'auto');`,
    "wa('send', 'pageview');",
    '</script>',
    `<script async src="${scriptUrl}"></script>`,
  ].join('\n');
  return { scriptUrl, snippet };
}

export function propertyRoutes(deps: ReadApiDeps): AnyRoute[] {
  const store = deps.eventStore;
  const now = deps.now ?? Date.now;
  /** Runs a command; answers once the directory shows its result, so a listing right after it includes the change. */
  const run = async (command: Omit<PropertyCommand, 'metadata'>): Promise<PropertySettings> => {
    const { settings, position } = await runPropertyCommand(store, { ...command, metadata: { now: now() } } as PropertyCommand);
    if (position !== undefined) await deps.properties.reached(position);
    return settings;
  };
  const byId = { role: 'read' as const, property: (_req: Request, input: { params: { id: string } }) => input.params.id };
  const adminOf = { role: 'admin' as const };
  const tags = ['properties'];

  return [
    defineRoute({
      method: 'get',
      path: '/properties',
      operationId: 'listProperties',
      summary: 'Every property (a read key: the ones it may read)',
      tags,
      auth: { role: 'read' },
      response: z.object({ properties: z.array(propertySchema) }),
      async handler({ key }) {
        await deps.properties.ready;
        const all = deps.properties.list();
        return { properties: key ? all.filter((p) => canReadProperty(key, p.id)) : [] };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/properties',
      operationId: 'createProperty',
      summary: 'Create a property',
      description: 'Omitted settings take their defaults; `domains` defaults to the default URL\'s host without `www.`.',
      tags,
      auth: adminOf,
      body: createPropertyDataSchema,
      response: propertySchema,
      status: 201,
      errors: [409],
      async handler({ body, res }) {
        const settings = await run({ type: 'CreateProperty', data: body });
        res.location(`properties/${encodeURIComponent(settings.id)}`);
        return settings;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/properties/:id',
      operationId: 'getProperty',
      summary: "A property's settings",
      tags,
      auth: byId,
      params: idParams,
      response: propertySchema,
      async handler({ params }) {
        const settings = await loadProperty(store, params.id);
        if (!settings) throw notFound(`property "${params.id}" does not exist`, 'id');
        return settings;
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/properties/:id',
      operationId: 'updateProperty',
      summary: 'Change some settings',
      description: 'Omitted settings keep their value; a list replaces the whole list. A deactivated property must be reactivated first.',
      tags,
      auth: adminOf,
      params: idParams,
      body: updateBody,
      response: propertySchema,
      errors: [409],
      handler: ({ params, body }) => run({ type: 'UpdatePropertySettings', data: { ...body, propertyId: params.id } }),
    }),
    defineRoute({
      method: 'put',
      path: '/properties/:id/custom-dimensions/:index',
      operationId: 'defineCustomDimension',
      summary: 'Create or replace the custom dimension at an index',
      tags,
      auth: adminOf,
      params: definitionParams,
      body: dimensionBody,
      response: propertySchema,
      errors: [409],
      handler: ({ params, body }) => run({ type: 'DefineCustomDimension', data: { ...body, propertyId: params.id, index: params.index } }),
    }),
    defineRoute({
      method: 'put',
      path: '/properties/:id/custom-metrics/:index',
      operationId: 'defineCustomMetric',
      summary: 'Create or replace the custom metric at an index',
      tags,
      auth: adminOf,
      params: definitionParams,
      body: metricBody,
      response: propertySchema,
      errors: [409],
      handler: ({ params, body }) => run({ type: 'DefineCustomMetric', data: { ...body, propertyId: params.id, index: params.index } }),
    }),
    defineRoute({
      method: 'post',
      path: '/properties/:id/deactivate',
      operationId: 'deactivateProperty',
      summary: 'Stop collecting for a property (its data stays)',
      tags,
      auth: adminOf,
      params: idParams,
      response: propertySchema,
      handler: ({ params }) => run({ type: 'DeactivateProperty', data: { propertyId: params.id } }),
    }),
    defineRoute({
      method: 'post',
      path: '/properties/:id/reactivate',
      operationId: 'reactivateProperty',
      summary: 'Collect again for a deactivated property',
      tags,
      auth: adminOf,
      params: idParams,
      response: propertySchema,
      handler: ({ params }) => run({ type: 'ReactivateProperty', data: { propertyId: params.id } }),
    }),
    defineRoute({
      method: 'get',
      path: '/properties/:id/snippet',
      operationId: 'getTrackingSnippet',
      summary: 'The tracking snippet to paste into the pages of a property',
      tags,
      auth: byId,
      params: idParams,
      response: snippetSchema,
      async handler({ params, req }) {
        const settings = await loadProperty(store, params.id);
        if (!settings) throw notFound(`property "${params.id}" does not exist`, 'id');
        return { propertyId: settings.id, ...trackingSnippet(settings.id, publicOrigin(req, deps.config.TRUST_PROXY, deps.publicUrl)) };
      },
    }),
  ];
}
