// The retention job on the embedded store: each property's retentionDays applied to its
// client streams only, with the clocks injected (store and job), so nothing waits.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { clientStreamName } from '../../domain/client/stream.ts';
import { decide, propertyStreamName, stateFrom } from '../../domain/property/decider.ts';
import type { PropertyCommand } from '../../domain/property/commands.ts';
import type { PropertyEvent } from '../../domain/property/events.ts';
import type { PropertySettings } from '../../domain/property/settings.ts';
import { silentLogger } from '../logger.ts';
import { clientStreamPrefix, propertyRetentions, startRetentionJob } from '../retention.ts';
import { openEmbeddedEventStore, type EmbeddedEventStore } from '../../storage/eventstore/embedded.ts';
import type { JsonValue } from '../../storage/eventstore/port.ts';
import { tempDir } from './child.ts';

const DAY = 86_400_000;
const test = suite('retention');

async function command(store: EmbeddedEventStore, propertyId: string, build: (now: number) => PropertyCommand, now: number): Promise<void> {
  const stream = propertyStreamName(propertyId);
  const history: PropertyEvent[] = [];
  for await (const event of store.readStream(stream)) history.push({ type: event.type, data: event.data } as PropertyEvent);
  const events = decide(build(now), stateFrom(history));
  await store.append(
    stream,
    events.map((event) => ({ id: randomUUID(), type: event.type, data: event.data as unknown as JsonValue })),
    { expectedRevision: history.length === 0 ? 'no_stream' : history.length - 1 },
  );
}

const create = (propertyId: string, retentionDays?: number) => (now: number): PropertyCommand => ({
  type: 'CreateProperty',
  data: { propertyId, name: propertyId, defaultUrl: 'https://shop.example/', ...(retentionDays === undefined ? {} : { retentionDays }) },
  metadata: { now },
});
const setRetention = (propertyId: string, retentionDays: number) => (now: number): PropertyCommand => ({
  type: 'UpdatePropertySettings',
  data: { propertyId, retentionDays },
  metadata: { now },
});

const hitEvent = () => ({ id: randomUUID(), type: 'PageviewRecorded.v1', data: { test: true } });

test('clientStreamPrefix is the start of every client stream name of the property', () => {
  const settings = { id: 'UA-12-3', userIdIdentity: true } as PropertySettings;
  const cases: Record<string, string>[] = [{ cid: 'abc' }, { uid: 'user@example' }, { cid: 'x'.repeat(300) }, { cid: 'ünïcode' }];
  for (const params of cases) {
    const name = clientStreamName('UA-12-3', params, settings);
    assert.ok(name.startsWith(clientStreamPrefix('UA-12-3')!), name);
    assert.not.ok(name.startsWith(clientStreamPrefix('UA-12-30') ?? '-'), 'UA-12-30 does not take UA-12-3 streams');
  }
});

test('embedded: old client events of properties with a retention go; other properties, property streams stay', async () => {
  let clock = Date.UTC(2025, 2, 1);
  const store = openEmbeddedEventStore({ file: join(tempDir(), 'events.sqlite'), now: () => clock });
  const job = startRetentionJob({ eventStore: store, logger: silentLogger(), intervalMs: 0, now: () => clock });
  try {
    await command(store, 'UA-1-1', create('UA-1-1', 30), clock);
    await command(store, 'UA-2-1', create('UA-2-1'), clock);
    const old = { a: 'client-UA-1-1.c.a', b: 'client-UA-1-1.c.b', forever: 'client-UA-2-1.c.a' };
    await store.append(old.a, [hitEvent(), hitEvent()]);
    await store.append(old.b, [hitEvent()]);
    await store.append(old.forever, [hitEvent()]);
    clock += 20 * DAY;
    await store.append(old.a, [hitEvent()]);

    assert.equal(await job.runOnce(), { mode: 'truncate', properties: 1, deleted: 0, streamsUpdated: 0 }, 'nothing is 30 days old yet');
    clock += 15 * DAY; // the first events are 35 days old, the last 15
    assert.equal(await job.runOnce(), { mode: 'truncate', properties: 1, deleted: 3, streamsUpdated: 0 });
    const revisions = async (stream: string) => {
      const seen: number[] = [];
      for await (const event of store.readStream(stream)) seen.push(event.revision);
      return seen;
    };
    assert.equal(await revisions(old.a), [2]);
    assert.equal(await revisions(old.b), []);
    assert.equal(await revisions(old.forever), [0], 'UA-2-1 keeps everything');
    assert.is((await revisions(propertyStreamName('UA-1-1'))).length, 1, 'property streams are never touched');

    // Shortening the retention of UA-2-1 and then lifting UA-1-1's: the next run follows the settings.
    await command(store, 'UA-2-1', setRetention('UA-2-1', 10), clock);
    await command(store, 'UA-1-1', setRetention('UA-1-1', 0), clock);
    clock += 30 * DAY;
    assert.equal(await job.runOnce(), { mode: 'truncate', properties: 1, deleted: 1, streamsUpdated: 0 });
    assert.equal(await revisions(old.forever), []);
    assert.equal(await revisions(old.a), [2], 'a retention of 0 keeps everything again');
  } finally {
    await job.stop();
    await store.close();
  }
});

test('propertyRetentions: current days, and whether a property ever had a retention', async () => {
  const clock = Date.UTC(2025, 2, 1);
  const store = openEmbeddedEventStore({ file: join(tempDir(), 'events.sqlite') });
  try {
    await command(store, 'UA-5-1', create('UA-5-1', 7), clock);
    await command(store, 'UA-5-1', setRetention('UA-5-1', 0), clock);
    await command(store, 'UA-6-1', create('UA-6-1'), clock);
    await command(store, 'UA-7-1', create('UA-7-1', 400), clock);
    assert.equal(
      Object.fromEntries(await propertyRetentions(store)),
      { 'UA-5-1': { days: 0, everLimited: true }, 'UA-6-1': { days: 0, everLimited: false }, 'UA-7-1': { days: 400, everLimited: true } },
    );
  } finally {
    await store.close();
  }
});

test('the timer runs a first pass at start; stop() waits for it and ends the job', async () => {
  let clock = Date.UTC(2025, 2, 1);
  const store = openEmbeddedEventStore({ file: join(tempDir(), 'events.sqlite'), now: () => clock });
  await command(store, 'UA-9-1', create('UA-9-1', 1), clock);
  await store.append('client-UA-9-1.c.z', [hitEvent()]);
  clock += 2 * DAY;
  let ran!: (run: unknown) => void;
  const firstRun = new Promise((resolve) => {
    ran = resolve;
  });
  const job = startRetentionJob({ eventStore: store, logger: silentLogger(), intervalMs: 60_000, now: () => clock, onRun: (run) => ran(run) });
  try {
    assert.equal(await firstRun, { mode: 'truncate', properties: 1, deleted: 1, streamsUpdated: 0 });
    const left: unknown[] = [];
    for await (const event of store.readStream('client-UA-9-1.c.z')) left.push(event);
    assert.equal(left, []);
  } finally {
    await job.stop();
    await store.close();
  }
});

test.run();
