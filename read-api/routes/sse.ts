// Writing a Server-Sent Events stream to an HTTP response, with backpressure: `send`
// resolves once the socket took the message (or the client left), so a slow client
// holds at most one message in memory beyond the socket's buffer, and the producer
// (the store subscription) is simply not pulled meanwhile.
import type { ServerResponse } from 'node:http';

export interface SseMessage {
  id?: string;
  event?: string;
  /** One line of text (JSON): SSE splits data on newlines, and JSON.stringify never writes one. */
  data: string;
}

/** One message block. Field values must not hold a newline: `id` and `event` are positions and type names. */
export function formatSseMessage(message: SseMessage): string {
  let text = '';
  if (message.id !== undefined) text += `id: ${oneLine(message.id)}\n`;
  if (message.event !== undefined) text += `event: ${oneLine(message.event)}\n`;
  for (const line of message.data.split(/\r\n|\r|\n/)) text += `data: ${line}\n`;
  return `${text}\n`;
}

const oneLine = (value: string): string => value.replace(/[\r\n]/g, ' ');

export interface SseStream {
  /** Writes a message; resolves false when the client has gone. */
  send(message: SseMessage): Promise<boolean>;
  /** A `: text` comment line (heartbeats); skipped while the socket is still draining. */
  comment(text: string): void;
  /** Resolves when the client disconnects or `end` was called. */
  readonly closed: Promise<void>;
  isClosed(): boolean;
  end(): void;
}

export interface SseOptions {
  /** Sent first as `retry:`: how long a browser EventSource waits before reconnecting. */
  retryMs: number;
  /** A `: ping` comment this often, so proxies and clients see the connection alive. 0: none. */
  heartbeatMs: number;
  /** Called each time a send waits for the socket to drain (observability, tests). */
  onBackpressure?: () => void;
}

export function openSseStream(res: ServerResponse, options: SseOptions): SseStream {
  let closed = false;
  let markClosed!: () => void;
  const closedPromise = new Promise<void>((resolve) => {
    markClosed = resolve;
  });
  /** The one producer waiting for the socket to drain (send is awaited before the next send). */
  let drained: (() => void) | undefined;
  const wakeProducer = (): void => {
    const wake = drained;
    drained = undefined;
    wake?.();
  };
  const heartbeat = options.heartbeatMs > 0 ? setInterval(() => comment('ping'), options.heartbeatMs) : undefined;

  function close(): void {
    if (closed) return;
    closed = true;
    if (heartbeat) clearInterval(heartbeat);
    wakeProducer();
    markClosed();
  }
  res.on('close', close);
  res.on('error', close);
  res.on('drain', wakeProducer);

  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no', // nginx: do not buffer the stream
  });
  res.write(`: webalytic events\nretry: ${options.retryMs}\n\n`);

  function comment(text: string): void {
    if (closed || res.writableNeedDrain) return;
    res.write(`: ${oneLine(text)}\n\n`);
  }

  async function send(message: SseMessage): Promise<boolean> {
    if (closed) return false;
    if (!res.write(formatSseMessage(message))) {
      const waiting = new Promise<void>((resolve) => {
        drained = resolve;
      });
      options.onBackpressure?.();
      await waiting;
    }
    return !closed;
  }

  return {
    send,
    comment,
    closed: closedPromise,
    isClosed: () => closed,
    end() {
      if (!closed && !res.writableEnded) res.end();
      close();
    },
  };
}
