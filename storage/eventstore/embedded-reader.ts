// Catch-up in a reader thread, for a long way behind on the embedded store (a replay):
// embedded-reader-thread.ts reads and parses pages of the log on another core and sends
// each event through the subscriber's `extract`, so this thread only parses the compact
// text. At the head the thread stops and the store's ordinary subscription takes over
// from the last position the thread examined: it delivers what committed meanwhile, its
// `caughtUp`, and then the live events. Same events, same order, same positions as
// `subscribeToAll`; only the events' contents are what `extract` kept.
import type { Worker } from 'node:worker_threads';
import { encodePosition } from './embedded-sql.ts';
import type { EventFilter, Position, RecordedEvent, SubscribeOptions, Subscription, SubscriptionMessage } from './port.ts';
import { spawnThread, threadEntry } from './thread.ts';

export interface ReaderThreadData {
  file: string;
  filter: EventFilter | undefined;
  /** Exclusive start position (0: from the start). */
  after: number;
  pageSize: number;
  /** Pages the thread reads ahead of the subscriber. */
  credit: number;
  /** href of a module exporting `extract(event: RecordedEvent): RecordedEvent`. */
  extractModule: string | undefined;
}

export type ReaderRequest = { type: 'more' } | { type: 'close' };

export type ReaderReply =
  | { type: 'page'; /** JSON text of RecordedEvent[] */ events: string; scannedTo: number; atHead: boolean }
  | { type: 'failed'; message: string };

export interface ReaderSubscribeOptions extends SubscribeOptions {
  /**
   * A module exporting `extract(event: RecordedEvent): RecordedEvent`, pure: what the
   * subscriber reads of an event. Run in the reader thread on every event it delivers.
   */
  extractModule?: URL;
}

/** 1024 events of ~1 KB extracted: a message large enough to amortise the hand-over, small enough to keep latency low. */
const PAGE_SIZE = 1024;
const CREDIT = 4;
const entry = threadEntry('embedded-reader-thread', import.meta.url);
/** The thread holds a few pages at a time: a small heap keeps the process's memory near that of a single-threaded replay. */
const READER_LIMITS = { maxYoungGenerationSizeMb: 16, maxOldGenerationSizeMb: 96 };

/**
 * @param after where to start, exclusive (0: from the start)
 * @param live the store's ordinary subscription, opened at the position where the thread reached the head
 */
export function subscribeWithReaderThread(
  file: string,
  after: number,
  options: ReaderSubscribeOptions,
  live: (options: SubscribeOptions) => Subscription,
): Subscription {
  const filter = options.filter;
  let stopped = false;
  let worker: Worker | undefined;
  let inner: Subscription | undefined;
  const replies: ReaderReply[] = [];
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };

  function start(): Worker {
    const data: ReaderThreadData = { file, filter, after, pageSize: PAGE_SIZE, credit: CREDIT, extractModule: options.extractModule?.href };
    const started = spawnThread(entry, data, READER_LIMITS);
    started.on('message', (reply: ReaderReply) => {
      replies.push(reply);
      notify();
    });
    started.on('error', (error) => {
      failure ??= error;
      notify();
    });
    started.on('exit', (code) => {
      if (worker === started && !stopped && failure === undefined) failure = new Error(`the event store's reader thread stopped (exit code ${code})`);
      notify();
    });
    return started;
  }

  function stopWorker(): void {
    const current = worker;
    worker = undefined;
    if (current !== undefined) void current.terminate();
  }

  async function next(): Promise<ReaderReply> {
    for (;;) {
      if (stopped) throw new StoppedSignal();
      const reply = replies.shift();
      if (reply !== undefined) return reply;
      if (failure !== undefined) throw failure;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  }

  async function* messages(): AsyncGenerator<SubscriptionMessage> {
    let position = after;
    try {
      worker = start();
      for (;;) {
        const reply = await next();
        if (reply.type === 'failed') throw new Error(`the event store's reader thread failed: ${reply.message}`);
        // The next page is read while this one is delivered.
        if (!reply.atHead) worker?.postMessage({ type: 'more' } satisfies ReaderRequest);
        const events = JSON.parse(reply.events) as RecordedEvent[];
        for (const event of events) {
          yield { type: 'event', event };
          if (stopped) return;
        }
        position = reply.scannedTo;
        if (reply.atHead) break;
      }
      stopWorker();
      if (stopped) return;
      const from: Position | undefined = position > 0 ? encodePosition(position) : undefined;
      inner = live({ ...(from === undefined ? {} : { fromPosition: from }), ...(filter === undefined ? {} : { filter }) });
      if (stopped) await inner.close();
      yield* inner;
    } catch (error) {
      if (!(error instanceof StoppedSignal)) throw error;
    } finally {
      stopped = true;
      stopWorker();
      await inner?.close();
    }
  }

  const iterator = messages();
  return {
    [Symbol.asyncIterator]: () => iterator,
    async close() {
      if (stopped) return;
      stopped = true;
      stopWorker();
      notify();
      await inner?.close();
    },
  };
}

/** Ends a wait for the thread's next page when the subscription is closed. */
class StoppedSignal extends Error {}
