// Route definitions: one object per endpoint holds its method, path, auth rule, zod
// schemas and handler. mountRoutes() turns the list into Express routes (auth, input
// validation, JSON answer); openApiDocument() (openapi.ts) turns the same list into the
// OpenAPI document, so the two cannot drift apart.
import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import type { Logger } from '../../platform/logger.ts';
import { canReadProperty, type ApiKeyPrincipal } from '../keys/principal.ts';
import { forbidden, parseOrProblem, ProblemError, sendProblem } from './problem.ts';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** The validated parts of a request, as a route's `property` rule and handler see them. */
export interface RouteInputParts<Q extends z.ZodType, B extends z.ZodType, P extends z.ZodType> {
  /** The query schema's output (Express gives strings or string arrays: schemas coerce). */
  query: z.output<Q>;
  body: z.output<B>;
  /** The params schema's output, or Express's decoded path parameters when the route has none. */
  params: z.output<P>;
}

export interface RouteInput<Q extends z.ZodType, B extends z.ZodType, P extends z.ZodType> extends RouteInputParts<Q, B, P> {
  /** The authenticated key; undefined only on routes with `auth: 'none'`. */
  key: ApiKeyPrincipal | undefined;
  req: Request;
  res: Response;
}

export interface RouteAuth<Q extends z.ZodType, B extends z.ZodType, P extends z.ZodType> {
  /** 'read' routes accept read and admin keys; 'admin' routes only admin keys. */
  role: 'admin' | 'read';
  /**
   * The property (or properties) the request is about, checked against a read key's list
   * after validation (403 when one is not the key's). Undefined: the route is not about one
   * property, and its handler filters by `key` itself (e.g. listing properties).
   */
  property?(req: Request, input: RouteInputParts<Q, B, P>): string | readonly string[] | undefined;
  /**
   * Also accept the key as `?access_token=` (for EventSource, which cannot send headers).
   * The request log never shows query strings.
   */
  allowQueryToken?: boolean;
}

export interface RouteDef<
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
  R extends z.ZodType = z.ZodType,
  P extends z.ZodType = z.ZodType<Record<string, string>>,
> {
  method: HttpMethod;
  /** Express style, relative to /api/v1: '/properties/:id'. Only `:name` parameters. */
  path: string;
  /** Unique; derived from method and path when omitted ('get /properties/:id' -> 'getPropertiesById'). */
  operationId?: string;
  summary: string;
  description?: string;
  tags: string[];
  auth: RouteAuth<Q, B, P> | 'none';
  query?: Q;
  body?: B;
  /** A z.object of the path parameters (coerce numbers here); omitted: every parameter is a string. */
  params?: P;
  /** The JSON answer's schema (for 'text/event-stream' or CSV-only routes: what each item looks like). */
  response: R;
  /** Success status; default 200 (204 when the handler returns nothing). */
  status?: number;
  /** Other content types the route can answer with besides JSON (e.g. 'text/csv', 'text/event-stream'). */
  produces?: string[];
  /** Error statuses beyond the ones derived from the definition (400, 401, 403, 404, 413, 429). */
  errors?: number[];
  /**
   * Returns the JSON answer, or nothing when it answered itself through `res`
   * (SSE, CSV) or has no body (204).
   */
  handler(input: RouteInput<Q, B, P>): Promise<z.input<R> | void>;
}

/** Any route, for lists. Method syntax above keeps handlers assignable to it. */
export type AnyRoute = RouteDef<z.ZodType, z.ZodType, z.ZodType, z.ZodType>;

const PATH_PATTERN = /^(?:\/(?:[A-Za-z0-9._-]+|:[A-Za-z_][A-Za-z0-9_]*))+$/;

/** Keeps the schemas' types for the handler; checks the path once. */
export function defineRoute<
  Q extends z.ZodType = z.ZodUndefined,
  B extends z.ZodType = z.ZodUndefined,
  R extends z.ZodType = z.ZodType,
  P extends z.ZodType = z.ZodType<Record<string, string>>,
>(def: RouteDef<Q, B, R, P>): RouteDef<Q, B, R, P> {
  if (!PATH_PATTERN.test(def.path)) throw new Error(`route path "${def.path}" must be /segments with only :name parameters`);
  return def;
}

/** The names of a path's `:name` parameters, in order. */
export const pathParameters = (path: string): string[] => [...path.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1] ?? '');

/** 'get', '/properties/:id/snippet' -> 'getPropertiesByIdSnippet'. */
export function operationIdOf(route: Pick<AnyRoute, 'method' | 'path' | 'operationId'>): string {
  if (route.operationId) return route.operationId;
  const words = route.path
    .split('/')
    .filter((segment) => segment !== '')
    .flatMap((segment) => (segment.startsWith(':') ? ['by', segment.slice(1)] : segment.split(/[^A-Za-z0-9]+/)))
    .filter((word) => word !== '');
  return route.method + words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
}

/** Authenticates a request: returns the key, or throws a ProblemError (401, 429). */
export type Authenticate = (req: Request, options: { allowQueryToken: boolean }) => ApiKeyPrincipal;

export interface MountDeps {
  authenticate: Authenticate;
  logger: Logger;
  /** Check each JSON answer against its response schema (tests): a mismatch is a 500 and an error log. */
  validateResponses?: boolean;
}

const asList = (value: string | readonly string[] | undefined): readonly string[] => (value === undefined ? [] : typeof value === 'string' ? [value] : value);

/** Mounts every route on `router`, then a 405 (with Allow) for other methods on the same paths. */
export function mountRoutes(router: Router, routes: readonly AnyRoute[], deps: MountDeps): void {
  const seen = new Set<string>();
  const methodsByPath = new Map<string, string[]>();
  for (const route of routes) {
    const id = `${route.method} ${route.path}`;
    if (seen.has(id)) throw new Error(`route ${id} is defined twice`);
    seen.add(id);
    methodsByPath.set(route.path, [...(methodsByPath.get(route.path) ?? []), route.method.toUpperCase()]);

    router[route.method](route.path, async (req: Request, res: Response) => {
      const auth = route.auth;
      let key: ApiKeyPrincipal | undefined;
      if (auth !== 'none') {
        key = deps.authenticate(req, { allowQueryToken: auth.allowQueryToken === true });
        // For the request log: the key's id, never the key.
        res.locals['apiKeyId'] = key.keyId;
        if (auth.role === 'admin' && key.role !== 'admin') throw forbidden('this endpoint needs an admin key');
      }
      const params = route.params ? parseOrProblem(route.params, req.params, 'path') : req.params;
      const query = route.query ? parseOrProblem(route.query, withoutToken(req.query, auth), 'query') : undefined;
      const body = route.body ? parseOrProblem(route.body, req.body, 'body') : undefined;
      const parts = { query, body, params };
      if (auth !== 'none' && key && key.role !== 'admin' && auth.property) {
        for (const propertyId of asList(auth.property(req, parts))) {
          if (!canReadProperty(key, propertyId)) throw forbidden(`this key may not read property "${propertyId}"`, 'property');
        }
      }
      const result = await route.handler({ ...parts, key, req, res });
      if (res.headersSent) return;
      if (result === undefined) {
        res.status(route.status ?? 204).end();
        return;
      }
      if (deps.validateResponses) {
        const checked = route.response.safeParse(result);
        if (!checked.success) {
          deps.logger.error({ route: id, issues: checked.error.issues }, 'a read API answer does not match its response schema');
          throw new Error(`the answer of ${id} does not match its response schema`);
        }
      }
      res.status(route.status ?? 200).json(result);
    });
  }
  for (const [path, methods] of methodsByPath) {
    const allow = methods.join(', ');
    router.all(path, (req, res) => {
      sendProblem(res, new ProblemError(405, `${req.method} is not allowed here; use ${allow}`, { type: 'method-not-allowed', headers: { Allow: allow } }));
    });
  }
}

/** The access token is authentication, not a query parameter: schemas never see it. */
function withoutToken(query: Request['query'], auth: AnyRoute['auth']): unknown {
  if (auth === 'none' || !auth.allowQueryToken || !('access_token' in query)) return query;
  const { access_token: _token, ...rest } = query;
  return rest;
}

export { openApiDocument, type OpenApiDocument } from './openapi.ts';
