// The OpenAPI 3.1 document, generated from the route definitions and their zod
// schemas (z.toJSONSchema; inputs in 'input' mode, answers in 'output' mode).
// OpenAPI 3.1 schemas are JSON Schema 2020-12, so zod's output is used as it is,
// except that nested `$defs` (recursive schemas) move to components.schemas.
import { STATUS_CODES } from 'node:http';
import { z } from 'zod';
import { problemDocumentSchema } from './problem.ts';
import { operationIdOf, pathParameters, type AnyRoute } from './route.ts';

type JsonSchema = Record<string, unknown>;

export type OpenApiOperation = {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  security: Record<string, string[]>[];
  parameters: JsonSchema[];
  requestBody?: JsonSchema;
  responses: Record<string, JsonSchema>;
  'x-required-role'?: 'admin' | 'read';
};

/** A type alias, not an interface: it must be assignable to plain JSON object types. */
export type OpenApiDocument = {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  servers: { url: string }[];
  tags: { name: string }[];
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, JsonSchema>; securitySchemes: Record<string, JsonSchema> };
};

export interface OpenApiOptions {
  title?: string;
  version?: string;
  /** Where the routes are mounted. */
  serverUrl?: string;
}

/** '/properties/:id' -> '/properties/{id}'. */
export const openApiPath = (path: string): string => path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');

const isObject = (value: unknown): value is JsonSchema => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Rewrites `$ref`s of a converted schema: '#' (itself) and '#/$defs/x' (its definitions). */
function rewriteRefs(value: unknown, rewrite: (ref: string) => string): unknown {
  if (Array.isArray(value)) return value.map((item) => rewriteRefs(item, rewrite));
  if (!isObject(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' ? rewrite(v) : rewriteRefs(v, rewrite)]));
}

/** A zod schema as an OpenAPI schema object; its `$defs` become components named `<name>_<def>`. */
function convert(schema: z.ZodType, io: 'input' | 'output', name: string, components: Record<string, JsonSchema>): JsonSchema {
  const raw = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
  const { $schema: _dialect, $defs: defs, ...root } = raw;
  let selfReferenced = false;
  const rewrite = (ref: string): string => {
    if (ref === '#') {
      selfReferenced = true;
      return `#/components/schemas/${name}`;
    }
    return ref.startsWith('#/$defs/') ? `#/components/schemas/${name}_${ref.slice('#/$defs/'.length)}` : ref;
  };
  for (const [id, def] of Object.entries(isObject(defs) ? defs : {})) {
    components[`${name}_${id}`] = rewriteRefs(def, rewrite) as JsonSchema;
  }
  const rewritten = rewriteRefs(root, rewrite) as JsonSchema;
  if (!selfReferenced) return rewritten;
  components[name] = rewritten;
  return { $ref: `#/components/schemas/${name}` };
}

/** The properties of an object schema as OpenAPI parameters (query or path). */
function parametersOf(schema: JsonSchema, where: 'query' | 'path', route: string): JsonSchema[] {
  const properties = schema.properties;
  if (!isObject(properties)) throw new Error(`${route}: the ${where} schema must be an object schema (z.object)`);
  const required = new Set(Array.isArray(schema.required) ? schema.required.map(String) : []);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = isObject(property) ? property : {};
    return {
      name,
      in: where,
      required: where === 'path' || required.has(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}

const acceptsUndefined = (schema: z.ZodType): boolean => schema.safeParse(undefined).success;

const PROBLEM_REF = { $ref: '#/components/schemas/Problem' };

function problemResponse(status: number): JsonSchema {
  return { description: STATUS_CODES[status] ?? 'Error', content: { 'application/problem+json': { schema: PROBLEM_REF } } };
}

function operationOf(route: AnyRoute, components: Record<string, JsonSchema>): OpenApiOperation {
  const operationId = operationIdOf(route);
  const where = `${route.method.toUpperCase()} ${route.path}`;
  const names = pathParameters(route.path);
  let parameters: JsonSchema[] = names.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
  if (route.params) {
    const declared = parametersOf(convert(route.params, 'input', `${operationId}_params`, components), 'path', where);
    const declaredNames = declared.map((p) => String(p.name)).sort();
    if (JSON.stringify(declaredNames) !== JSON.stringify([...names].sort())) {
      throw new Error(`${where}: the params schema declares ${declaredNames.join(', ') || 'nothing'}, the path has ${names.join(', ') || 'nothing'}`);
    }
    parameters = declared;
  }
  if (route.query) parameters = [...parameters, ...parametersOf(convert(route.query, 'input', `${operationId}_query`, components), 'query', where)];

  const status = route.status ?? 200;
  const success: JsonSchema = { description: STATUS_CODES[status] ?? 'Success' };
  if (status !== 204) {
    const content: Record<string, JsonSchema> = {};
    const produces = route.produces ?? [];
    const body = convert(route.response, 'output', `${operationId}_response`, components);
    if (!produces.includes('text/event-stream')) content['application/json'] = { schema: body };
    for (const type of produces) content[type] = { schema: type === 'text/event-stream' ? { type: 'string', description: 'Server-Sent Events; each `data:` line is a JSON document of the response schema.', 'x-event-schema': body } : { type: 'string' } };
    success.content = content;
  }

  const errors = new Set<number>(route.errors ?? []);
  if (route.query || route.body || route.params) errors.add(400);
  if (route.body) errors.add(413);
  if (names.length > 0) errors.add(404);
  if (route.auth !== 'none') {
    errors.add(401);
    errors.add(429);
    if (route.auth.role === 'admin' || route.auth.property) errors.add(403);
  }
  const responses: Record<string, JsonSchema> = { [String(status)]: success };
  for (const code of [...errors].sort((a, b) => a - b)) responses[String(code)] = problemResponse(code);

  const operation: OpenApiOperation = {
    operationId,
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    tags: route.tags,
    security: route.auth === 'none' ? [] : [{ apiKey: [] }],
    parameters,
    responses,
  };
  if (route.auth !== 'none') operation['x-required-role'] = route.auth.role;
  if (route.body) {
    operation.requestBody = {
      required: !acceptsUndefined(route.body),
      content: { 'application/json': { schema: convert(route.body, 'input', `${operationId}_body`, components) } },
    };
  }
  return operation;
}

/** The whole document; throws when two routes share an operationId or a route's schemas do not fit. */
export function openApiDocument(routes: readonly AnyRoute[], options: OpenApiOptions = {}): OpenApiDocument {
  const components: Record<string, JsonSchema> = { Problem: convert(problemDocumentSchema, 'output', 'Problem', {}) };
  const paths: Record<string, Record<string, OpenApiOperation>> = {};
  const ids = new Set<string>();
  const tags = new Set<string>();
  for (const route of routes) {
    const operation = operationOf(route, components);
    if (ids.has(operation.operationId)) throw new Error(`operationId "${operation.operationId}" is used twice`);
    ids.add(operation.operationId);
    for (const tag of route.tags) tags.add(tag);
    const path = openApiPath(route.path);
    paths[path] = { ...paths[path], [route.method]: operation };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: options.title ?? 'Webalytic read API',
      version: options.version ?? '1.0.0',
      description:
        'Stats queries, realtime, raw events, the live event stream and administration of a Webalytic server. ' +
        'Every request but this document needs an API key: `Authorization: Bearer wa_<id>_<secret>`. ' +
        'Errors are RFC 9457 problem documents (`application/problem+json`).',
    },
    servers: [{ url: options.serverUrl ?? '/api/v1' }],
    tags: [...tags].sort().map((name) => ({ name })),
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API key made with `webalytic keys create` or `POST /api/v1/keys`. Read keys only see their properties.',
        },
      },
    },
  };
}
