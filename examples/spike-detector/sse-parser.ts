// An incremental parser for `text/event-stream` (the WHATWG "event stream
// interpretation"): feed it decoded text as it arrives, in chunks of any size.

export interface SseEvent {
  /** The last event id seen so far (it persists across messages, as in EventSource). */
  id: string | undefined;
  /** 'message' when the message names none. */
  event: string;
  data: string;
}

export interface SseHandlers {
  onEvent(event: SseEvent): void;
  /** `: text` lines: heartbeats. */
  onComment?(text: string): void;
  /** The server's `retry:` advice, milliseconds. */
  onRetry?(ms: number): void;
}

export interface SseParser {
  push(text: string): void;
  lastEventId(): string | undefined;
}

export function createSseParser(handlers: SseHandlers): SseParser {
  let buffer = '';
  let first = true;
  let skipLf = false; // the previous chunk ended with '\r': a '\n' starting this one belongs to it
  let lastId: string | undefined;
  let eventType = '';
  let data: string[] = [];

  function dispatch(): void {
    if (data.length > 0) handlers.onEvent({ id: lastId, event: eventType === '' ? 'message' : eventType, data: data.join('\n') });
    eventType = '';
    data = [];
  }

  function line(text: string): void {
    if (text === '') return dispatch();
    if (text.startsWith(':')) {
      handlers.onComment?.(text.slice(1).replace(/^ /, ''));
      return;
    }
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    const value = colon === -1 ? '' : text.slice(colon + 1).replace(/^ /, '');
    if (field === 'data') data.push(value);
    else if (field === 'event') eventType = value;
    else if (field === 'id') {
      if (!value.includes('\0')) lastId = value;
    } else if (field === 'retry' && /^[0-9]+$/.test(value)) handlers.onRetry?.(Number(value));
  }

  return {
    push(text) {
      if (first && text.length > 0) {
        first = false;
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      }
      if (skipLf && text.startsWith('\n')) text = text.slice(1);
      skipLf = false;
      buffer += text;
      let start = 0;
      for (let i = 0; i < buffer.length; i++) {
        const c = buffer[i];
        if (c !== '\n' && c !== '\r') continue;
        line(buffer.slice(start, i));
        if (c === '\r') {
          if (i + 1 === buffer.length) skipLf = true;
          else if (buffer[i + 1] === '\n') i++;
        }
        start = i + 1;
      }
      buffer = buffer.slice(start);
    },
    lastEventId: () => lastId,
  };
}
