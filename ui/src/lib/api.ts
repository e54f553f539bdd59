// The read API client. Every call carries the key as a Bearer token; a 401 signs the tab
// out (back to the login screen); problem documents become ApiError with their detail.
import { auth, signOut } from './auth.svelte.ts';
import { readEventStream } from './sse.ts';
import type {
  ApiKeyInfo,
  CustomDefinition,
  ProjectionInfo,
  PropertySettings,
  QueryRequest,
  QueryResponse,
  RealtimeResponse,
  ReplayProgress,
  SessionDetail,
  SessionList,
  StreamMessage,
} from './types.ts';

export const API_BASE = '/api/v1';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly field?: string,
  ) {
    super(detail ? `${title}: ${detail}` : title);
  }
}

interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  signal?: AbortSignal;
  /** Use this key instead of the signed-in one (the login check). */
  key?: string;
  /** 'json' (default) or 'text'. */
  as?: 'json' | 'text';
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function url(path: string, query?: RequestOptions['query']): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) if (value !== undefined) params.set(name, String(value));
  const search = params.toString();
  return `${API_BASE}${path}${search ? `?${search}` : ''}`;
}

async function problemOf(response: Response): Promise<ApiError> {
  let title = response.statusText || `HTTP ${response.status}`;
  let detail: string | undefined;
  let field: string | undefined;
  try {
    const text = await response.text();
    try {
      const body: unknown = JSON.parse(text);
      if (isRecord(body)) {
        if (typeof body.title === 'string') title = body.title;
        if (typeof body.detail === 'string') detail = body.detail;
        else if (typeof body.error === 'string') detail = body.error;
        if (typeof body.field === 'string') field = body.field;
      }
    } catch {
      if (text && text.length < 300) detail = text;
    }
  } catch {
    // no body
  }
  return new ApiError(response.status, title, detail, field);
}

export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const key = options.key ?? auth.key;
  const headers: Record<string, string> = { accept: options.as === 'text' ? 'text/plain, */*' : 'application/json' };
  if (key) headers.authorization = `Bearer ${key}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(url(path, options.query), {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? null : JSON.stringify(options.body),
      signal: options.signal ?? null,
      cache: 'no-store',
    });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw new ApiError(0, 'The server could not be reached', error instanceof Error ? error.message : undefined);
  }
  if (!response.ok) {
    const problem = await problemOf(response);
    // Only the signed-in key is dropped; a key being tried at the login screen just fails.
    if (response.status === 401 && options.key === undefined && auth.key) signOut('Your API key was not accepted any more. Please sign in again.');
    throw problem;
  }
  if (response.status === 204) return undefined as T;
  if (options.as === 'text') return (await response.text()) as T;
  const type = response.headers.get('content-type') ?? '';
  if (!type.includes('json')) return (await response.text()) as T;
  return (await response.json()) as T;
}

/** A list answered either bare or wrapped in an object (`{ properties: [...] }`). */
function listOf<T>(body: unknown, field: string): T[] {
  if (Array.isArray(body)) return body as T[];
  if (isRecord(body)) {
    const inner = body[field] ?? body.items ?? body.data;
    if (Array.isArray(inner)) return inner as T[];
  }
  return [];
}

function itemOf<T>(body: unknown, field: string): T {
  if (isRecord(body) && isRecord(body[field])) return body[field] as T;
  return body as T;
}

const encode = encodeURIComponent;

export const api = {
  query: (body: QueryRequest, signal?: AbortSignal) => request<QueryResponse>('/query', { method: 'POST', body, signal }),
  realtime: (property: string, signal?: AbortSignal) => request<RealtimeResponse>('/realtime', { query: { property }, signal }),
  sessions: (query: { property: string; date_range: string; filters?: string; sort?: string; limit: number; offset: number }, signal?: AbortSignal) =>
    request<SessionList>('/sessions', { query, signal }),
  session: (id: string, signal?: AbortSignal) => request<SessionDetail>(`/sessions/${encode(id)}`, { signal }),

  properties: async (signal?: AbortSignal, key?: string) => listOf<PropertySettings>(await request<unknown>('/properties', { signal, key }), 'properties'),
  property: async (id: string, signal?: AbortSignal) => itemOf<PropertySettings>(await request<unknown>(`/properties/${encode(id)}`, { signal }), 'property'),
  createProperty: async (body: Record<string, unknown>) => itemOf<PropertySettings>(await request<unknown>('/properties', { method: 'POST', body }), 'property'),
  updateProperty: async (id: string, body: Record<string, unknown>) =>
    itemOf<PropertySettings>(await request<unknown>(`/properties/${encode(id)}`, { method: 'PATCH', body }), 'property'),
  setPropertyActive: async (id: string, active: boolean) =>
    itemOf<PropertySettings>(await request<unknown>(`/properties/${encode(id)}/${active ? 'reactivate' : 'deactivate'}`, { method: 'POST' }), 'property'),
  defineCustom: async (id: string, kind: 'dimensions' | 'metrics', definition: CustomDefinition) =>
    itemOf<PropertySettings>(
      await request<unknown>(`/properties/${encode(id)}/custom-${kind}/${definition.index}`, {
        method: 'PUT',
        body: { name: definition.name, scope: definition.scope, active: definition.active },
      }),
      'property',
    ),
  snippet: async (id: string, signal?: AbortSignal): Promise<string> => {
    const body = await request<unknown>(`/properties/${encode(id)}/snippet`, { signal });
    if (typeof body === 'string') return body;
    if (isRecord(body)) for (const field of ['snippet', 'html', 'code']) if (typeof body[field] === 'string') return body[field];
    return JSON.stringify(body, null, 2);
  },

  keys: async (signal?: AbortSignal) => listOf<ApiKeyInfo>(await request<unknown>('/keys', { signal }), 'keys'),
  createKey: (body: { name: string; role: 'admin' | 'read'; propertyIds: string[] }) => request<Record<string, unknown>>('/keys', { method: 'POST', body }),
  revokeKey: (id: string) => request<unknown>(`/keys/${encode(id)}`, { method: 'DELETE' }),

  projections: async (signal?: AbortSignal) => listOf<ProjectionInfo>(await request<unknown>('/projections', { signal }), 'projections'),
  startReplay: (name: string) => request<{ name: string; started: boolean }>(`/projections/${encode(name)}/replay`, { method: 'POST' }),
  replayProgress: (name: string, signal?: AbortSignal) => request<ReplayProgress>(`/projections/${encode(name)}/replay`, { signal }),

  /** The live tail; resolves when the stream ends (the caller reconnects) or the signal aborts. */
  stream: (options: { property?: string; lastEventId?: string; signal: AbortSignal; onOpen?: () => void; onMessage: (message: StreamMessage) => void }) =>
    readEventStream({
      url: url('/events/stream', { property: options.property }),
      headers: auth.key ? { authorization: `Bearer ${auth.key}` } : {},
      ...(options.lastEventId ? { lastEventId: options.lastEventId } : {}),
      signal: options.signal,
      ...(options.onOpen ? { onOpen: options.onOpen } : {}),
      onMessage: options.onMessage,
    }),
};

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 403) return 'This API key may not see this. Ask an administrator for access.';
    if (error.status === 0) return `The server could not be reached. ${error.detail ?? ''}`.trim();
    return error.detail ? `${error.title}: ${error.detail}` : error.title;
  }
  return error instanceof Error ? error.message : String(error);
}
