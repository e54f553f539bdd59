// Server-Sent Events over fetch(): EventSource cannot send an Authorization header, and
// the API key must never travel in a URL. The parser follows the HTML standard's
// event-stream rules (fields, comments, CR/LF/CRLF line ends, multi-line data).
import type { StreamMessage } from './types.ts';

export interface SseParser {
  push(chunk: string): void;
  /** The id of the last dispatched event: sent back as Last-Event-ID on reconnect. */
  readonly lastEventId: string | undefined;
}

export function createSseParser(onMessage: (message: StreamMessage) => void): SseParser {
  let buffer = '';
  let data: string[] = [];
  let event = '';
  let lastEventId: string | undefined;
  let pendingCr = false;

  const dispatch = () => {
    if (data.length > 0) onMessage({ id: lastEventId, event: event || 'message', data: data.join('\n') });
    data = [];
    event = '';
  };

  const line = (text: string) => {
    if (text === '') return dispatch();
    if (text.startsWith(':')) return; // comment: heartbeats
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    else if (field === 'id' && !value.includes('\0')) lastEventId = value;
  };

  return {
    push(chunk: string) {
      let text = chunk;
      // A CRLF split across two chunks: the LF belongs to the CR already handled.
      if (pendingCr && text.startsWith('\n')) text = text.slice(1);
      pendingCr = false;
      buffer += text;
      let start = 0;
      for (let i = 0; i < buffer.length; i++) {
        const c = buffer[i];
        if (c !== '\n' && c !== '\r') continue;
        line(buffer.slice(start, i));
        if (c === '\r') {
          if (i + 1 === buffer.length) pendingCr = true;
          else if (buffer[i + 1] === '\n') i++;
        }
        start = i + 1;
      }
      buffer = buffer.slice(start);
    },
    get lastEventId() {
      return lastEventId;
    },
  };
}

export interface StreamOptions {
  url: string;
  headers: Record<string, string>;
  lastEventId?: string;
  signal: AbortSignal;
  onOpen?: () => void;
  onMessage: (message: StreamMessage) => void;
}

/** Reads the stream until it ends or the signal aborts; resolves with the last event id seen. */
export async function readEventStream(options: StreamOptions): Promise<{ status: number; lastEventId: string | undefined }> {
  const headers: Record<string, string> = { accept: 'text/event-stream', ...options.headers };
  if (options.lastEventId) headers['last-event-id'] = options.lastEventId;
  const response = await fetch(options.url, { headers, signal: options.signal, cache: 'no-store' });
  if (!response.ok || !response.body) return { status: response.status, lastEventId: options.lastEventId };
  options.onOpen?.();
  const parser = createSseParser(options.onMessage);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.push(value);
    }
  } catch (error) {
    if (!options.signal.aborted) throw error;
  } finally {
    reader.releaseLock();
  }
  return { status: response.status, lastEventId: parser.lastEventId ?? options.lastEventId };
}
