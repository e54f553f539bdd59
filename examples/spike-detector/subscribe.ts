// A resilient SSE consumer of Webalytic's GET /api/v1/events/stream with nothing but
// fetch: it reconnects after any drop (network, server restart, a silent connection
// whose heartbeats stopped) and resumes with Last-Event-ID, so it sees every event
// once, in order. Errors that retrying cannot fix (401, 403, 400) end it.
import { setTimeout as delay } from 'node:timers/promises';
import { createSseParser, type SseEvent } from './sse-parser.ts';

export interface SubscribeOptions {
  /** The server, e.g. http://127.0.0.1:8080 */
  url: string;
  key: string;
  properties?: string[];
  types?: string[];
  /** Resume after this position; omitted: from now. */
  lastEventId?: string;
  signal: AbortSignal;
  onEvent(event: SseEvent): void;
  onConnected?(): void;
  onDisconnected?(error: unknown): void;
  /** Wait before reconnecting, unless the server advised another with `retry:`. Default 1 s. */
  reconnectDelayMs?: number;
  /** Reconnect when nothing (not even a heartbeat) arrived for this long. Default 60 s. */
  idleTimeoutMs?: number;
}

/** The server refused the subscription; retrying the same request will not help. */
export class SubscriptionRefused extends Error {
  override readonly name = 'SubscriptionRefused';
  constructor(
    readonly status: number,
    detail: string,
  ) {
    super(`the server refused the subscription (${status}): ${detail}`);
  }
}

export function streamUrl(options: Pick<SubscribeOptions, 'url' | 'properties' | 'types'>): string {
  const url = new URL('/api/v1/events/stream', options.url);
  if (options.properties?.length) url.searchParams.set('property', options.properties.join(','));
  if (options.types?.length) url.searchParams.set('type', options.types.join(','));
  return url.toString();
}

/** Runs until `signal` aborts (resolves) or the server refuses (rejects with SubscriptionRefused). */
export async function subscribe(options: SubscribeOptions): Promise<void> {
  let lastEventId = options.lastEventId;
  let retryMs = options.reconnectDelayMs ?? 1000;
  const idleTimeoutMs = options.idleTimeoutMs ?? 60_000;

  while (!options.signal.aborted) {
    const attempt = new AbortController();
    const stopAttempt = (): void => attempt.abort();
    options.signal.addEventListener('abort', stopAttempt, { once: true });
    let idle: NodeJS.Timeout | undefined;
    const resetIdle = (): void => {
      clearTimeout(idle);
      idle = setTimeout(() => attempt.abort(new Error(`no data for ${idleTimeoutMs} ms`)), idleTimeoutMs);
    };
    try {
      const headers: Record<string, string> = { accept: 'text/event-stream', authorization: `Bearer ${options.key}` };
      if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
      resetIdle();
      const res = await fetch(streamUrl(options), { headers, signal: attempt.signal });
      if (res.status >= 400 && res.status < 500 && res.status !== 429) {
        const problem = (await res.json().catch(() => ({}))) as { detail?: string };
        throw new SubscriptionRefused(res.status, problem.detail ?? res.statusText);
      }
      if (res.status !== 200 || !res.body) throw new Error(`unexpected answer ${res.status}`);
      options.onConnected?.();
      const parser = createSseParser({
        onEvent(event) {
          lastEventId = event.id;
          options.onEvent(event);
        },
        onRetry(ms) {
          retryMs = ms;
        },
      });
      const decoder = new TextDecoder();
      for await (const chunk of res.body) {
        resetIdle();
        parser.push(decoder.decode(chunk as Uint8Array, { stream: true }));
      }
      options.onDisconnected?.(new Error('the server ended the stream'));
    } catch (error) {
      if (error instanceof SubscriptionRefused) throw error;
      if (options.signal.aborted) break;
      options.onDisconnected?.(error);
    } finally {
      clearTimeout(idle);
      options.signal.removeEventListener('abort', stopAttempt);
    }
    try {
      await delay(retryMs, undefined, { signal: options.signal });
    } catch {
      break; // aborted while waiting
    }
  }
}
