// GET /openapi.json: the OpenAPI 3.1 document of every mounted route. It holds no data, but
// like everything the collector does not serve it asks for a key (any role): what a
// server exposes is not for anyone who finds it.
import { z } from 'zod';
import { openApiDocument, type OpenApiDocument } from '../http/openapi.ts';
import { defineRoute, type AnyRoute } from '../http/route.ts';

/** `routes` is read on the first request, so the list may include this route itself. */
export function openApiRoute(routes: () => readonly AnyRoute[]): AnyRoute {
  let document: OpenApiDocument | undefined;
  return defineRoute({
    method: 'get',
    path: '/openapi.json',
    operationId: 'getOpenApiDocument',
    summary: 'This document: the OpenAPI 3.1 description of the read API',
    tags: ['meta'],
    auth: { role: 'read' },
    response: z.looseObject({ openapi: z.literal('3.1.0'), info: z.looseObject({}), paths: z.record(z.string(), z.unknown()) }),
    async handler() {
      document ??= openApiDocument(routes());
      return document;
    },
  });
}
