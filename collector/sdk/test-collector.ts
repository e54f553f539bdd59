// The receiving end of the SDK browser tests: the real system (platform/system.ts
// startSystem: collector, event store, projections) on 127.0.0.1 over a fresh data dir,
// with the test properties created through the property aggregate. Tests read the
// hits back from the event store, each validated against its published event schema.
// Test code only.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { executePropertyCommand } from '../../administration/properties.ts';
import { clientEventSchemas } from '../../domain/client/events.ts';
import type { HitParameters } from '../../domain/hit.ts';
import { loadConfig } from '../../platform/config.ts';
import { silentLogger } from '../../platform/logger.ts';
import { clientStreamPrefix } from '../../platform/retention.ts';
import { startSystem } from '../../platform/system.ts';
import type { RecordedEvent } from '../../storage/eventstore/port.ts';

/** One client event of the store, as the collector recorded a hit. */
export interface StoredHit {
  stream: string;
  /** PageviewRecorded.v1, EventRecorded.v1, … or HitDiscarded.v1. */
  type: string;
  /** The validated Measurement Protocol parameters (typed: numbers, booleans). */
  params: HitParameters;
  /** The hit's facts (`data.hit`): page, device, event, transaction, isBot, … */
  hit: Readonly<Record<string, unknown>>;
}

export interface TestCollector {
  /** Port of the system's HTTP server (collector and /wa.js). */
  port: number;
  /** `http://<host>:<port><path>` on the system's port. */
  url(path: string, host?: string): string;
  /** Resolves with the first `n` stored hits of `tid`, in log order, once they are stored; rejects after `timeoutMs`. */
  waitForHits(tid: string, n: number, timeoutMs?: number): Promise<StoredHit[]>;
  /** Every hit of `tid` stored so far. */
  storedHits(tid: string): Promise<StoredHit[]>;
  stop(): Promise<void>;
}

function toStoredHit(event: RecordedEvent): StoredHit {
  if (!Object.hasOwn(clientEventSchemas, event.type)) throw new Error(`${event.stream}: unknown client event type ${event.type}`);
  const parsed = clientEventSchemas[event.type as keyof typeof clientEventSchemas].safeParse(event.data);
  if (!parsed.success) throw new Error(`${event.stream} ${event.type}: data does not match its schema: ${parsed.error.message}`);
  return { stream: event.stream, type: event.type, params: parsed.data.params, hit: parsed.data.hit };
}

const describe = (hits: StoredHit[]): string => JSON.stringify(hits.map((h) => ({ type: h.type, params: h.params })));

/** Starts the system and creates one property per tracking id in `tids` (default settings). */
export async function startTestCollector(tids: readonly string[]): Promise<TestCollector> {
  const dataDir = mkdtempSync(join(tmpdir(), 'webalytic-sdk-'));
  const config = loadConfig({
    WEBALYTIC_DATA_DIR: dataDir,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    COLLECT_RATE_LIMIT_PER_MINUTE: '0',
    RETENTION_INTERVAL_MINUTES: '0',
    SHUTDOWN_TIMEOUT_MS: '2000',
  });
  const system = await startSystem(config, silentLogger());
  const { eventStore } = system;
  try {
    for (const tid of tids) {
      await executePropertyCommand(eventStore, {
        type: 'CreateProperty',
        data: { propertyId: tid, name: `SDK test ${tid}`, defaultUrl: 'http://www.shop.example.test/' },
        metadata: { now: Date.now() },
      });
    }
    // The collector drops hits of a tid it does not know yet: wait until it has seen them all.
    const head = await eventStore.headPosition();
    if (head !== undefined) await system.properties.reached(head);
  } catch (error) {
    await system.stop();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const { port } = new URL(system.url);

  const prefixOf = (tid: string): string => {
    const prefix = clientStreamPrefix(tid);
    if (prefix === undefined) throw new Error(`${tid}: not a tracking id written raw into stream names`);
    return prefix;
  };

  return {
    port: Number(port),
    url: (path, host = '127.0.0.1') => `http://${host}:${port}${path}`,

    async waitForHits(tid, n, timeoutMs = 10_000) {
      const subscription = eventStore.subscribeToAll({ filter: { streamPrefixes: [prefixOf(tid)] } });
      const arrived: StoredHit[] = [];
      // A deadline, not a wait: a missing hit ends the subscription and fails with what did arrive.
      const deadline = setTimeout(() => void subscription.close(), timeoutMs);
      try {
        for await (const message of subscription) {
          if (message.type !== 'event') continue;
          arrived.push(toStoredHit(message.event));
          if (arrived.length >= n) return arrived.slice(0, n);
        }
      } finally {
        clearTimeout(deadline);
        await subscription.close();
      }
      throw new Error(`waited ${timeoutMs} ms for ${n} hits of ${tid}, the store has ${describe(arrived)}`);
    },

    async storedHits(tid) {
      const hits: StoredHit[] = [];
      for await (const event of eventStore.readAll({ filter: { streamPrefixes: [prefixOf(tid)] } })) hits.push(toStoredHit(event));
      return hits;
    },

    async stop() {
      try {
        await system.stop();
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}
