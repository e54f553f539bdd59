// The retention job on a real EventStoreDB: `$maxAge` on every client stream of a
// property with a retention, removed again when the retention is lifted, and set on
// streams created later. Runs only when EVENTSTORE_URL names a server (docs/deploy.md);
// otherwise it registers no test and says so.
import { randomInt, randomUUID } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const url = process.env.EVENTSTORE_URL?.trim();

if (!url) {
  process.stderr.write('retention-eventstoredb.test.ts: skipped, EVENTSTORE_URL is not set (e.g. esdb://localhost:2113?tls=false)\n');
} else {
  const { EventStoreDBClient } = await import('@eventstore/db-client');
  const { openEventStoreDb } = await import('../../storage/eventstore/eventstoredb.ts');
  const { toClientConnectionString } = await import('../../storage/eventstore/eventstoredb-mapping.ts');
  const { decide, propertyStreamName, stateFrom } = await import('../../domain/property/decider.ts');
  const { silentLogger } = await import('../logger.ts');
  const { startRetentionJob } = await import('../retention.ts');
  type PropertyEvent = import('../../domain/property/events.ts').PropertyEvent;
  type PropertyCommand = import('../../domain/property/commands.ts').PropertyCommand;
  type JsonValue = import('../../storage/eventstore/port.ts').JsonValue;

  const test = suite('retention on EventStoreDB');
  const store = openEventStoreDb({ connectionString: url });
  const client = EventStoreDBClient.connectionString(toClientConnectionString(url));
  test.after(async () => {
    await store.close();
    await client.dispose();
  });

  async function command(propertyId: string, cmd: PropertyCommand): Promise<void> {
    const stream = propertyStreamName(propertyId);
    const history: PropertyEvent[] = [];
    for await (const event of store.readStream(stream)) history.push({ type: event.type, data: event.data } as PropertyEvent);
    const events = decide(cmd, stateFrom(history));
    await store.append(
      stream,
      events.map((event) => ({ id: randomUUID(), type: event.type, data: event.data as unknown as JsonValue })),
      { expectedRevision: history.length === 0 ? 'no_stream' : history.length - 1 },
    );
  }
  const maxAgeOf = async (stream: string): Promise<number | undefined> => (await client.getStreamMetadata(stream)).metadata?.maxAge;

  test('$maxAge follows the property retention on old and new client streams', async () => {
    const tid = `UA-${randomInt(1e9)}-${randomInt(1e5)}`;
    const now = Date.now();
    await command(tid, { type: 'CreateProperty', data: { propertyId: tid, name: 'esdb retention', defaultUrl: 'https://shop.example/', retentionDays: 30 }, metadata: { now } });
    const streams = [`client-${tid}.c.a`, `client-${tid}.c.b`];
    for (const stream of streams) await store.append(stream, [{ id: randomUUID(), type: 'PageviewRecorded.v1', data: { test: true } }]);

    const job = startRetentionJob({ eventStore: store, logger: silentLogger(), intervalMs: 0 });
    try {
      const first = await job.runOnce();
      assert.is(first.mode, 'max-age');
      for (const stream of streams) assert.is(await maxAgeOf(stream), 30 * 86_400, stream);

      const later = `client-${tid}.c.later`;
      await store.append(later, [{ id: randomUUID(), type: 'PageviewRecorded.v1', data: { test: true } }]);
      await job.runOnce();
      assert.is(await maxAgeOf(later), 30 * 86_400, 'a stream created after the first run');

      await command(tid, { type: 'UpdatePropertySettings', data: { propertyId: tid, retentionDays: 0 }, metadata: { now } });
      await job.runOnce();
      for (const stream of [...streams, later]) assert.is(await maxAgeOf(stream), undefined, `${stream}: lifted`);
      // The events themselves are untouched (they are young).
      for (const stream of streams) assert.is((await collect(store.readStream(stream))).length, 1);
    } finally {
      await job.stop();
    }
  });

  async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
    const items: T[] = [];
    for await (const item of iterable) items.push(item);
    return items;
  }

  test.run();
}
