// The event store contract: the behaviour every adapter of the port must show. It runs
// unchanged against the embedded SQLite store and a real EventStoreDB, so it never
// assumes an empty log or small positions: every test writes to streams under its own
// random prefix (and uses its own event types) and reads through filters on them.
import { randomUUID } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InvalidAppendError, MAX_EVENT_BYTES, WrongExpectedRevisionError } from './errors.ts';
import {
  comparePositions,
  type AppendResult,
  type EventStore,
  type EventToAppend,
  type JsonValue,
  type Position,
  type RecordedEvent,
  type Subscription,
  type SubscriptionMessage,
} from './port.ts';
import { within } from '../../platform/test-support.ts';

export type OpenEventStore = () => Promise<{ store: EventStore; reopen?: () => Promise<EventStore> }>;

/** How long `within` lets a condition take (a real server over the network is slower). */
const GUARD_MS = 30_000;

export function defineEventStoreContract(adapterName: string, open: OpenEventStore): void {
  const name = (part: string): string => `${adapterName} event store contract: ${part}`;

  /** Each suite gets its own store from `open`, closed after the suite. */
  function storeSuite(part: string) {
    const s = suite(name(part));
    const state: { store?: EventStore; reopen?: () => Promise<EventStore> } = {};
    s.before(async () => {
      const opened = await open();
      state.store = opened.store;
      state.reopen = opened.reopen;
    });
    s.after(async () => {
      await state.store?.close();
    });
    const store = (): EventStore => {
      if (!state.store) throw new Error('store not opened');
      return state.store;
    };
    return { s, store, state };
  }

  // --- appending and expected revisions --------------------------------------------
  {
    const { s, store } = storeSuite('append and expected revision');

    s('appends to a new stream and reads back every field', async () => {
      const stream = `${prefix()}order`;
      const data: JsonValue = { text: 'é ✓ 😀 "quoted"', n: 1.5, negative: -3, large: 2 ** 53 - 1, flags: [true, false, null], nested: { a: [1, { b: 'c' }] } };
      const events: EventToAppend[] = [
        { id: randomUUID(), type: 'Opened', data, metadata: { causationId: 'abc', attempt: 2 } },
        { id: randomUUID(), type: 'Noted', data: [1, 'two', null] },
        { id: randomUUID(), type: 'Closed', data: {} },
      ];
      const before = Date.now();
      const result = await store().append(stream, events, { expectedRevision: 'no_stream' });
      assert.is(result.nextRevision, 2);
      const read = await collect(store().readStream(stream));
      assert.equal(
        read.map((e) => [e.stream, e.revision, e.id, e.type, e.data, e.metadata]),
        events.map((e, i) => [stream, i, e.id, e.type, e.data, e.metadata ?? {}]),
      );
      assertIncreasing(read);
      assert.is(read[2]!.position, result.position);
      for (const event of read) {
        assert.type(event.created, 'number');
        // Generous: an EventStoreDB server may run on another clock.
        assert.ok(Math.abs(event.created - before) < 10 * 60_000, `created ${event.created} is near the append time ${before}`);
      }
    });

    s("'no_stream' fails on an existing stream, reporting its revision", async () => {
      const stream = `${prefix()}s`;
      await store().append(stream, [newEvent(), newEvent()], { expectedRevision: 'no_stream' });
      const error = await rejection(store().append(stream, [newEvent()], { expectedRevision: 'no_stream' }), WrongExpectedRevisionError);
      assert.is(error.actualRevision, 1);
      assert.is(error.stream, stream);
      assert.is(error.expected, 'no_stream');
      assert.is((await collect(store().readStream(stream))).length, 2);
    });

    s("'stream_exists' fails on a missing stream (actual -1) and succeeds on an existing one", async () => {
      const stream = `${prefix()}s`;
      const error = await rejection(store().append(stream, [newEvent()], { expectedRevision: 'stream_exists' }), WrongExpectedRevisionError);
      assert.is(error.actualRevision, -1);
      assert.is((await collect(store().readStream(stream))).length, 0);
      await store().append(stream, [newEvent()], { expectedRevision: 'no_stream' });
      const result = await store().append(stream, [newEvent()], { expectedRevision: 'stream_exists' });
      assert.is(result.nextRevision, 1);
    });

    s('a numeric expected revision must equal the stream’s last revision', async () => {
      const stream = `${prefix()}s`;
      const missing = await rejection(store().append(stream, [newEvent()], { expectedRevision: 0 }), WrongExpectedRevisionError);
      assert.is(missing.actualRevision, -1);
      await store().append(stream, [newEvent(), newEvent(), newEvent()], { expectedRevision: 'no_stream' });
      for (const wrong of [0, 1, 3, 10]) {
        const error = await rejection(store().append(stream, [newEvent()], { expectedRevision: wrong }), WrongExpectedRevisionError);
        assert.is(error.actualRevision, 2, `expected ${wrong}`);
        assert.is(error.expected, wrong);
      }
      const result = await store().append(stream, [newEvent(), newEvent()], { expectedRevision: 2 });
      assert.is(result.nextRevision, 4);
      assert.equal(
        (await collect(store().readStream(stream))).map((e) => e.revision),
        [0, 1, 2, 3, 4],
      );
    });

    s("'any' (also the default) appends whatever the stream holds", async () => {
      const stream = `${prefix()}s`;
      assert.is((await store().append(stream, [newEvent()], { expectedRevision: 'any' })).nextRevision, 0);
      assert.is((await store().append(stream, [newEvent(), newEvent()])).nextRevision, 2);
      assert.is((await store().append(stream, [newEvent()], { expectedRevision: 'any' })).nextRevision, 3);
    });

    s('a refused append writes none of its events', async () => {
      const stream = `${prefix()}s`;
      const first = newEvent();
      await store().append(stream, [first], { expectedRevision: 'no_stream' });
      await rejection(store().append(stream, [newEvent(), newEvent(), newEvent()], { expectedRevision: 5 }), WrongExpectedRevisionError);
      assert.equal(
        (await collect(store().readStream(stream))).map((e) => e.id),
        [first.id],
      );
    });

    s('positions grow across streams; headPosition is at or after the newest append', async () => {
      const p = prefix();
      const results: AppendResult[] = [];
      for (let i = 0; i < 6; i++) results.push(await store().append(`${p}${i % 3}`, [newEvent()]));
      for (let i = 1; i < results.length; i++) assert.ok(comparePositions(results[i - 1]!.position, results[i]!.position) < 0, 'positions increase');
      const head = await store().headPosition();
      assert.ok(head !== undefined && comparePositions(head, results[results.length - 1]!.position) >= 0, 'head is at or after the newest append');
      // A position is its own serialisation: it survives JSON unchanged.
      assert.is(JSON.parse(JSON.stringify(results[0]!.position)), results[0]!.position);
    });

    s.run();
  }

  // --- concurrency ------------------------------------------------------------------
  {
    const { s, store } = storeSuite('concurrent appends');

    s('50 concurrent appends with the same expected revision: exactly one wins each round', async () => {
      const stream = `${prefix()}contended`;
      for (let round = 0; round < 4; round++) {
        const expectedRevision = round === 0 ? 'no_stream' : round - 1;
        const attempts = Array.from({ length: 50 }, () => newEvent());
        const settled = await Promise.allSettled(attempts.map((event) => store().append(stream, [event], { expectedRevision })));
        const won = settled.flatMap((r, i) => (r.status === 'fulfilled' ? [{ result: r.value, event: attempts[i]! }] : []));
        const lost = settled.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
        assert.is(won.length, 1, `round ${round}: one winner`);
        assert.is(won[0]!.result.nextRevision, round);
        assert.is(lost.length, 49);
        for (const error of lost) {
          assert.instance(error, WrongExpectedRevisionError);
          assert.is((error as WrongExpectedRevisionError).actualRevision, round, 'the loser sees the winner’s revision');
        }
        const last = await collect(store().readStream(stream, { direction: 'backwards', maxCount: 1 }));
        assert.is(last[0]!.id, won[0]!.event.id);
      }
      assert.is((await collect(store().readStream(stream))).length, 4);
    });

    s('20 writers retrying on conflict each land exactly once', async () => {
      const stream = `${prefix()}retry`;
      const writers = Array.from({ length: 20 }, () => newEvent());
      let conflicts = 0;
      await Promise.all(
        writers.map(async (event) => {
          let expected: number = -1;
          for (;;) {
            try {
              await store().append(stream, [event], { expectedRevision: expected === -1 ? 'no_stream' : expected });
              return;
            } catch (error) {
              if (!(error instanceof WrongExpectedRevisionError)) throw error;
              conflicts++;
              expected = error.actualRevision;
            }
          }
        }),
      );
      const read = await collect(store().readStream(stream));
      assert.equal(
        read.map((e) => e.revision),
        Array.from({ length: 20 }, (_, i) => i),
      );
      assert.equal(new Set(read.map((e) => e.id)), new Set(writers.map((e) => e.id)));
      assert.ok(conflicts > 0, 'concurrent writers did conflict');
    });

    s('concurrent appends to 100 different streams all succeed', async () => {
      const p = prefix();
      const start = await store().headPosition();
      const results = await Promise.all(Array.from({ length: 100 }, (_, i) => store().append(`${p}${i}`, [newEvent()], { expectedRevision: 'no_stream' })));
      assert.ok(results.every((r) => r.nextRevision === 0));
      assert.is(new Set(results.map((r) => r.position)).size, 100, 'every event got its own position');
      const all = await collect(store().readAll({ fromPosition: start, filter: { streamPrefixes: [p] } }));
      assert.is(all.length, 100);
    });

    s.run();
  }

  // --- idempotency ------------------------------------------------------------------
  {
    const { s, store } = storeSuite('idempotent re-append');

    s('re-appending a batch with the same expected revision is a no-op success', async () => {
      const stream = `${prefix()}s`;
      const batch = [newEvent(), newEvent(), newEvent()];
      const first = await store().append(stream, batch, { expectedRevision: 'no_stream' });
      const again = await store().append(stream, batch, { expectedRevision: 'no_stream' });
      assert.equal(again, first);
      assert.is((await collect(store().readStream(stream))).length, 3);
    });

    s('a numeric expected revision stays idempotent after the stream moved on', async () => {
      const stream = `${prefix()}s`;
      await store().append(stream, [newEvent(), newEvent()], { expectedRevision: 'no_stream' });
      const batch = [newEvent(), newEvent()];
      const first = await store().append(stream, batch, { expectedRevision: 1 });
      await store().append(stream, [newEvent()], { expectedRevision: 3 });
      const again = await store().append(stream, batch, { expectedRevision: 1 });
      assert.equal(again, first);
      assert.equal(
        (await collect(store().readStream(stream))).map((e) => e.revision),
        [0, 1, 2, 3, 4],
      );
    });

    s("an immediate retry with 'any' is a no-op success", async () => {
      const stream = `${prefix()}s`;
      await store().append(stream, [newEvent()]);
      const batch = [newEvent(), newEvent()];
      const first = await store().append(stream, batch, { expectedRevision: 'any' });
      const again = await store().append(stream, batch, { expectedRevision: 'any' });
      assert.equal(again, first);
      assert.is((await collect(store().readStream(stream))).length, 3);
    });

    s('a batch only partly written before is refused and writes nothing', async () => {
      const stream = `${prefix()}s`;
      const written = newEvent();
      await store().append(stream, [written, newEvent()], { expectedRevision: 'no_stream' });
      await rejection(store().append(stream, [written, newEvent()], { expectedRevision: 'no_stream' }), WrongExpectedRevisionError);
      assert.is((await collect(store().readStream(stream))).length, 2);
    });

    s.run();
  }

  // --- reading a stream -------------------------------------------------------------
  {
    const { s, store } = storeSuite('readStream');
    const stream = `${prefix()}ten`;
    const revisions = async (options: Parameters<EventStore['readStream']>[1]): Promise<number[]> =>
      (await collect(store().readStream(stream, options))).map((e) => e.revision);

    s('reads forwards and backwards within bounds', async () => {
      await store().append(stream, Array.from({ length: 10 }, () => newEvent()), { expectedRevision: 'no_stream' });
      assert.equal(await revisions(undefined), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      assert.equal(await revisions({ fromRevision: 3 }), [3, 4, 5, 6, 7, 8, 9]);
      assert.equal(await revisions({ maxCount: 4 }), [0, 1, 2, 3]);
      assert.equal(await revisions({ fromRevision: 3, maxCount: 2 }), [3, 4]);
      assert.equal(await revisions({ fromRevision: 9, maxCount: 5 }), [9]);
      assert.equal(await revisions({ fromRevision: 10 }), []);
      assert.equal(await revisions({ direction: 'backwards' }), [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
      assert.equal(await revisions({ direction: 'backwards', fromRevision: 5 }), [5, 4, 3, 2, 1, 0]);
      assert.equal(await revisions({ direction: 'backwards', fromRevision: 5, maxCount: 3 }), [5, 4, 3]);
      assert.equal(await revisions({ direction: 'backwards', maxCount: 1 }), [9]);
      assert.equal(await revisions({ direction: 'forwards', fromRevision: 0, maxCount: 10 }), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    });

    s('a missing stream reads as empty, in both directions', async () => {
      const missing = `${prefix()}never-written`;
      assert.equal(await collect(store().readStream(missing)), []);
      assert.equal(await collect(store().readStream(missing, { direction: 'backwards' })), []);
    });

    s('reads a stream longer than a page, in order', async () => {
      const long = `${prefix()}long`;
      const ids: string[] = [];
      for (let b = 0; b < 12; b++) {
        const batch = Array.from({ length: 100 }, () => newEvent());
        ids.push(...batch.map((e) => e.id));
        await store().append(long, batch);
      }
      const forwards = await collect(store().readStream(long));
      assert.equal(
        forwards.map((e) => e.id),
        ids,
      );
      assert.ok(forwards.every((e, i) => e.revision === i));
      const backwards = await collect(store().readStream(long, { direction: 'backwards', fromRevision: 1100 }));
      assert.equal(
        backwards.map((e) => e.id),
        ids.slice(0, 1101).reverse(),
      );
    });

    s.run();
  }

  // --- reading the log --------------------------------------------------------------
  {
    const { s, store } = storeSuite('readAll');
    const p = prefix();
    const alpha = `Alpha${randomUUID().slice(0, 8)}`;
    const beta = `Beta${randomUUID().slice(0, 8)}`;
    let start: Position | undefined;
    let written: RecordedEvent[] = [];
    const read = (options: Parameters<EventStore['readAll']>[0]) => collect(store().readAll(options));
    const ids = (events: RecordedEvent[]) => events.map((e) => e.id);

    s.before(async () => {
      start = await store().headPosition();
      const streams = [`${p}a-1`, `${p}a-2`, `${p}b-1`];
      for (let i = 0; i < 12; i++) await store().append(streams[i % 3]!, [newEvent(i % 2 === 0 ? alpha : beta, { i })]);
      written = await read({ fromPosition: start, filter: { streamPrefixes: [p] } });
    });

    s('reads the log in position order, after an exclusive position', async () => {
      assert.is(written.length, 12);
      assert.equal(
        written.map((e) => (e.data as { i: number }).i),
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
      );
      assertIncreasing(written);
      assert.equal(ids(await read({ fromPosition: written[4]!.position, filter: { streamPrefixes: [p] } })), ids(written.slice(5)));
      assert.equal(await read({ fromPosition: written[11]!.position, filter: { streamPrefixes: [p] } }), []);
      const saved: string = JSON.parse(JSON.stringify(written[7]!.position));
      assert.equal(ids(await read({ fromPosition: saved, filter: { streamPrefixes: [p] } })), ids(written.slice(8)));
    });

    s('maxCount bounds the read', async () => {
      assert.equal(ids(await read({ fromPosition: start, maxCount: 5, filter: { streamPrefixes: [p] } })), ids(written.slice(0, 5)));
      assert.equal(ids(await read({ fromPosition: written[9]!.position, maxCount: 5, filter: { streamPrefixes: [p] } })), ids(written.slice(10)));
    });

    s('filters by stream prefix', async () => {
      assert.equal(ids(await read({ fromPosition: start, filter: { streamPrefixes: [`${p}a-`] } })), ids(written.filter((e) => e.stream.startsWith(`${p}a-`))));
      assert.equal(
        ids(await read({ fromPosition: start, filter: { streamPrefixes: [`${p}a-1`, `${p}b-`] } })),
        ids(written.filter((e) => e.stream === `${p}a-1` || e.stream === `${p}b-1`)),
      );
    });

    s('filters by event type, alone or with a prefix', async () => {
      assert.equal(ids(await read({ fromPosition: start, filter: { eventTypes: [alpha] } })), ids(written.filter((e) => e.type === alpha)));
      assert.equal(
        ids(await read({ fromPosition: start, filter: { streamPrefixes: [`${p}a-`], eventTypes: [beta] } })),
        ids(written.filter((e) => e.type === beta && e.stream.startsWith(`${p}a-`))),
      );
      assert.equal(ids(await read({ fromPosition: start, filter: { streamPrefixes: [p], eventTypes: [alpha, beta] } })), ids(written));
    });

    s.run();
  }

  // --- subscriptions ----------------------------------------------------------------
  {
    const { s, store } = storeSuite('subscribeToAll');

    s('catches up, reports caughtUp once, then delivers live appends in order', async () => {
      const p = prefix();
      const start = await store().headPosition();
      for (let i = 0; i < 30; i++) await store().append(`${p}${i % 3}`, [newEvent()]);
      const recorder = record(store().subscribeToAll({ fromPosition: start, filter: { streamPrefixes: [p] } }));
      await recorder.waitFor(() => recorder.caughtUp().length > 0, 'caughtUp');
      const before = recorder.events();
      assert.is(before.length, 30, 'every existing event came before caughtUp');
      assertIncreasing(before);
      const caughtUp = recorder.caughtUp()[0]!;
      if (caughtUp !== undefined) assert.ok(comparePositions(caughtUp, before[29]!.position) >= 0, 'caughtUp position is at or after the last event');
      // Live: five writers append concurrently.
      await Promise.all(
        Array.from({ length: 5 }, async (_, w) => {
          for (let i = 0; i < 4; i++) await store().append(`${p}live-${w}`, [newEvent()]);
        }),
      );
      await recorder.waitFor(() => recorder.events().length >= 50, '50 events');
      const all = await collect(store().readAll({ fromPosition: start, filter: { streamPrefixes: [p] } }));
      assert.equal(
        recorder.events().map((e) => e.id),
        all.map((e) => e.id),
      );
      assert.is(recorder.caughtUp().length, 1);
      await recorder.close();
    });

    s('appends while catching up: no gap and no duplicate at the seam', async () => {
      const p = prefix();
      const start = await store().headPosition();
      for (let b = 0; b < 12; b++) await store().append(`${p}old-${b % 3}`, Array.from({ length: 50 }, () => newEvent()));
      const recorder = record(store().subscribeToAll({ fromPosition: start, filter: { streamPrefixes: [p] } }));
      let appended = 0;
      const appender = (async () => {
        for (let i = 0; i < 300; i++) {
          await store().append(`${p}new-${i % 4}`, [newEvent()]);
          appended++;
        }
      })();
      await recorder.waitFor(() => recorder.events().length >= 900 && recorder.caughtUp().length > 0, '900 events and caughtUp');
      await appender;
      assert.is(appended, 300);
      const all = await collect(store().readAll({ fromPosition: start, filter: { streamPrefixes: [p] } }));
      assert.is(all.length, 900);
      assert.equal(
        recorder.events().map((e) => e.id),
        all.map((e) => e.id),
      );
      assert.is(recorder.caughtUp().length, 1);
      await recorder.close();
    });

    s('resumes after a saved position without a duplicate, then goes live', async () => {
      const p = prefix();
      const start = await store().headPosition();
      for (let i = 0; i < 10; i++) await store().append(`${p}s`, [newEvent()]);
      const existing = await collect(store().readAll({ fromPosition: start, filter: { streamPrefixes: [p] } }));
      const checkpoint: Position = JSON.parse(JSON.stringify(existing[3]!.position));
      const recorder = record(store().subscribeToAll({ fromPosition: checkpoint, filter: { streamPrefixes: [p] } }));
      await recorder.waitFor(() => recorder.caughtUp().length > 0, 'caughtUp');
      assert.equal(
        recorder.events().map((e) => e.revision),
        [4, 5, 6, 7, 8, 9],
      );
      const live = newEvent();
      await store().append(`${p}s`, [live]);
      await recorder.waitFor(() => recorder.events().length === 7, 'the live event');
      assert.is(recorder.events()[6]!.id, live.id);
      await recorder.close();
    });

    s('subscribes from the start of the log when no position is given', async () => {
      const p = prefix();
      const events = [newEvent(), newEvent(), newEvent()];
      await store().append(`${p}s`, events);
      const recorder = record(store().subscribeToAll({ filter: { streamPrefixes: [p] } }));
      await recorder.waitFor(() => recorder.caughtUp().length > 0, 'caughtUp');
      assert.equal(
        recorder.events().map((e) => e.id),
        events.map((e) => e.id),
      );
      await recorder.close();
    });

    s('filters by event type during catch-up and live', async () => {
      const p = prefix();
      const wanted = `Wanted${randomUUID().slice(0, 8)}`;
      const start = await store().headPosition();
      await store().append(`${p}s`, [newEvent(wanted), newEvent('Other'), newEvent(wanted)]);
      const recorder = record(store().subscribeToAll({ fromPosition: start, filter: { streamPrefixes: [p], eventTypes: [wanted] } }));
      await recorder.waitFor(() => recorder.caughtUp().length > 0, 'caughtUp');
      assert.is(recorder.events().length, 2);
      await store().append(`${p}s`, [newEvent('Other'), newEvent(wanted, { last: true })]);
      await recorder.waitFor(() => recorder.events().length === 3, 'the live wanted event');
      assert.ok(recorder.events().every((e) => e.type === wanted));
      assert.equal(recorder.events()[2]!.data, { last: true });
      await recorder.close();
    });

    s('close() ends the iteration', async () => {
      const p = prefix();
      const subscription = store().subscribeToAll({ fromPosition: await store().headPosition(), filter: { streamPrefixes: [p] } });
      const recorder = record(subscription);
      await recorder.waitFor(() => recorder.caughtUp().length > 0, 'caughtUp');
      await subscription.close();
      await within(recorder.ended, 'the iteration to end', GUARD_MS);
      assert.is(recorder.events().length, 0);
    });

    s.run();
  }

  // --- deletion -----------------------------------------------------------------------
  {
    const { s, store } = storeSuite('deleteStream');

    s('a deleted stream reads as empty; other streams are untouched', async () => {
      const p = prefix();
      await store().append(`${p}gone`, [newEvent(), newEvent(), newEvent()], { expectedRevision: 'no_stream' });
      const kept = [newEvent(), newEvent()];
      await store().append(`${p}kept`, kept, { expectedRevision: 'no_stream' });
      await store().deleteStream(`${p}gone`);
      assert.equal(await collect(store().readStream(`${p}gone`)), []);
      assert.equal(await collect(store().readStream(`${p}gone`, { direction: 'backwards' })), []);
      assert.equal(
        (await collect(store().readStream(`${p}kept`))).map((e) => e.id),
        kept.map((e) => e.id),
      );
    });

    s.run();
  }

  // --- retention (optional capabilities) -----------------------------------------------
  {
    const { s, store } = storeSuite('retention capability');

    s('the adapter offers one way to enforce retention', () => {
      assert.ok(typeof store().truncateBefore === 'function' || typeof store().setStreamMaxAge === 'function');
    });

    s('truncateBefore: everything under the prefix recorded before the time goes; other streams stay; revisions go on', async () => {
      const truncate = store().truncateBefore?.bind(store());
      if (!truncate) return;
      const p = prefix();
      await store().append(`${p}a`, [newEvent(), newEvent()], { expectedRevision: 'no_stream' });
      await store().append(`${p}b`, [newEvent()], { expectedRevision: 'no_stream' });
      const other = `${prefix()}kept`;
      await store().append(other, [newEvent()], { expectedRevision: 'no_stream' });
      // Generous: "before" one hour from now takes every event just written.
      assert.is(await truncate(p, Date.now() + 3_600_000), 3);
      assert.equal(await collect(store().readStream(`${p}a`)), []);
      assert.equal(await collect(store().readAll({ filter: { streamPrefixes: [p] } })), []);
      assert.is((await collect(store().readStream(other))).length, 1);
      assert.is((await store().append(`${p}b`, [newEvent()], { expectedRevision: 'no_stream' })).nextRevision, 0);
    });

    s('setStreamMaxAge: young events stay readable; a deleted stream stays deleted (other metadata is kept)', async () => {
      const setMaxAge = store().setStreamMaxAge?.bind(store());
      if (!setMaxAge) return;
      const p = prefix();
      const kept = [newEvent(), newEvent()];
      await store().append(`${p}young`, kept, { expectedRevision: 'no_stream' });
      await setMaxAge(`${p}young`, 3600);
      await setMaxAge(`${p}young`, 3600); // idempotent
      assert.equal((await collect(store().readStream(`${p}young`))).map((e) => e.id), kept.map((e) => e.id));
      await setMaxAge(`${p}young`, undefined);
      assert.is((await collect(store().readStream(`${p}young`))).length, 2);

      await store().append(`${p}erased`, [newEvent(), newEvent()], { expectedRevision: 'no_stream' });
      await store().deleteStream(`${p}erased`);
      await setMaxAge(`${p}erased`, 86_400);
      assert.equal(await collect(store().readStream(`${p}erased`)), []);
      // Setting it on a stream that does not exist yet is allowed (it applies once it does).
      await setMaxAge(`${p}later`, 60);
    });

    s.run();
  }

  // --- bad input ----------------------------------------------------------------------
  {
    const { s, store } = storeSuite('bad input');
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const badData: [string, unknown][] = [
      ['NaN', Number.NaN],
      ['Infinity', { n: Number.POSITIVE_INFINITY }],
      ['undefined', undefined],
      ['an undefined property', { a: undefined }],
      ['a function', { f: () => 1 }],
      ['a cyclic object', cyclic],
      ['a bigint', { n: 1n }],
      ['a Date', new Date(0)],
      ['a Map', new Map([['a', 1]])],
      ['oversized', { blob: 'x'.repeat(MAX_EVENT_BYTES) }],
    ];

    s('invalid stream names are refused with a typed error', async () => {
      const base = prefix();
      for (const stream of ['', ' leading-space', 'has space', '$system', '-leading-dash', `${base}${'x'.repeat(200)}`, 'new\nline', 'slash/name']) {
        const error = await rejection(attempt(() => store().append(stream, [newEvent()])), InvalidAppendError);
        assert.is(error.field, 'stream', JSON.stringify(stream));
      }
    });

    s('data that is not JSON, or too large, is refused and nothing of the batch is written', async () => {
      for (const [label, data] of badData) {
        const stream = `${prefix()}s`;
        const batch = [newEvent(), { id: randomUUID(), type: 'Bad', data }] as EventToAppend[];
        const error = await rejection(attempt(() => store().append(stream, batch)), InvalidAppendError);
        assert.match(error.field, /^events\[1\]/, label);
        assert.equal(await collect(store().readStream(stream)), [], `${label}: nothing written`);
      }
    });

    s('bad ids, types, metadata and empty batches are refused', async () => {
      const stream = `${prefix()}s`;
      const id = randomUUID();
      const cases: [string, unknown[]][] = [
        ['events', []],
        ['events[0].id', [{ id: 'not-a-uuid', type: 'T', data: {} }]],
        ['events[1].id', [{ id, type: 'T', data: {} }, { id, type: 'T', data: {} }]],
        ['events[0].type', [{ id: randomUUID(), type: '', data: {} }]],
        ['events[0].metadata', [{ id: randomUUID(), type: 'T', data: {}, metadata: ['not', 'an', 'object'] }]],
      ];
      for (const [field, events] of cases) {
        const error = await rejection(attempt(() => store().append(stream, events as EventToAppend[])), InvalidAppendError);
        assert.is(error.field, field);
      }
      assert.equal(await collect(store().readStream(stream)), []);
    });

    s.run();
  }

  // --- durability across a reopen -------------------------------------------------
  {
    const { s, store, state } = storeSuite('acknowledged appends survive a reopen');

    s('a reopened store holds every acknowledged event', async () => {
      if (!state.reopen) return; // the adapter offers no reopen (a remote server)
      const p = prefix();
      const acknowledged = new Map<string, { stream: string; revision: number; position: Position }>();
      await Promise.all(
        Array.from({ length: 10 }, async (_, w) => {
          for (let i = 0; i < 20; i++) {
            const event = newEvent();
            const result = await store().append(`${p}${w}`, [event], { expectedRevision: i === 0 ? 'no_stream' : i - 1 });
            acknowledged.set(event.id, { stream: `${p}${w}`, revision: result.nextRevision, position: result.position });
          }
        }),
      );
      const head = await store().headPosition();
      await store().close();
      state.store = await state.reopen();
      const read = await collect(store().readAll({ filter: { streamPrefixes: [p] } }));
      assert.is(read.length, acknowledged.size);
      for (const event of read) assert.equal({ stream: event.stream, revision: event.revision, position: event.position }, acknowledged.get(event.id));
      assert.is(await store().headPosition(), head);
      // The reopened store continues where the old one stopped.
      const next = await store().append(`${p}0`, [newEvent()], { expectedRevision: 19 });
      assert.is(next.nextRevision, 20);
      assert.ok(comparePositions(next.position, head!) > 0);
    });

    s.run();
  }
}

// --- helpers -----------------------------------------------------------------------

/** A fresh stream-name prefix; its category (up to the first dash) is `test`. */
const prefix = (): string => `test-${randomUUID().replaceAll('-', '')}-`;

const newEvent = (type = 'TestEvent', data: JsonValue = { n: 1 }): EventToAppend => ({ id: randomUUID(), type, data });

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

function assertIncreasing(events: RecordedEvent[]): void {
  for (let i = 1; i < events.length; i++) {
    assert.ok(comparePositions(events[i - 1]!.position, events[i]!.position) < 0, `position ${events[i]!.position} follows ${events[i - 1]!.position}`);
  }
}

/** Calls an append so that a synchronous throw and a rejection are treated alike. */
const attempt = <T>(call: () => Promise<T>): Promise<T> => Promise.resolve().then(call);

async function rejection<E extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => E): Promise<E> {
  try {
    await promise;
  } catch (error) {
    assert.instance(error, type);
    return error as E;
  }
  assert.unreachable(`expected a ${type.name}`);
  throw new Error('unreachable');
}


/** Consumes a subscription in the background and lets a test wait for a condition on what arrived. */
function record(subscription: Subscription) {
  const messages: SubscriptionMessage[] = [];
  let check: (() => void) | undefined;
  let failure: unknown;
  let done = false;
  const ended = (async () => {
    try {
      for await (const message of subscription) {
        messages.push(message);
        check?.();
      }
    } catch (error) {
      failure = error;
    } finally {
      done = true;
      check?.();
    }
  })();
  return {
    ended,
    events: (): RecordedEvent[] => messages.flatMap((m) => (m.type === 'event' ? [m.event] : [])),
    caughtUp: (): (Position | undefined)[] => messages.flatMap((m) => (m.type === 'caughtUp' ? [m.position] : [])),
    waitFor(condition: () => boolean, what: string): Promise<void> {
      return within(
        new Promise<void>((resolve, reject) => {
          check = () => {
            if (failure !== undefined) reject(failure instanceof Error ? failure : new Error(String(failure)));
            else if (condition()) resolve();
            else if (done) reject(new Error(`the subscription ended before ${what}`));
          };
          check();
        }),
        what,
        GUARD_MS,
      );
    },
    async close(): Promise<void> {
      await subscription.close();
      await within(ended, 'the subscription to end', GUARD_MS);
    },
  };
}
