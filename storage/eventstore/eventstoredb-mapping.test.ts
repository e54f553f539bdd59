// The pure mapping of the EventStoreDB adapter: positions, expected revisions, the
// split of a filter between server and client, and erasure records. No server needed.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InvalidAppendError } from './errors.ts';
import {
  checkExpectedRevision,
  compareLogPositions,
  createErasureSet,
  decodeLogPosition,
  encodeLogPosition,
  erasureKey,
  exactMatchRegex,
  isRealLogPosition,
  isSystemRecord,
  matchesFilter,
  parseErasure,
  planServerFilter,
  toActualRevision,
  toClientConnectionString,
  toClientExpectedRevision,
  type LogPosition,
  type ServerFilterPlan,
} from './eventstoredb-mapping.ts';
import { comparePositions, type EventFilter } from './port.ts';

const MAX = 2n ** 64n - 2n; // the largest real position; 2^64 - 1 means "unset"
const at = (commit: bigint, prepare: bigint): LogPosition => ({ commit, prepare });

// --- positions ------------------------------------------------------------------------
{
  const s = suite('eventstoredb mapping: positions');

  const samples: LogPosition[] = [
    at(0n, 0n),
    at(0n, 1n),
    at(1n, 0n),
    at(9n, 9n),
    at(10n, 10n),
    at(99n, 100n),
    at(123_456n, 123_400n),
    at(2n ** 32n, 2n ** 32n),
    at(2n ** 53n + 1n, 2n ** 53n + 1n), // beyond a JS number's exact range
    at(MAX, 0n),
    at(MAX, MAX),
  ];

  s('encode then decode gives the same position, as 20 digits/20 digits', () => {
    for (const position of samples) {
      const text = encodeLogPosition(position);
      assert.match(text, /^\d{20}\/\d{20}$/);
      assert.equal(decodeLogPosition(text), position);
      // A position is its own checkpoint: it survives JSON unchanged.
      assert.is(JSON.parse(JSON.stringify(text)), text);
    }
    assert.is(encodeLogPosition(at(42n, 7n)), '00000000000000000042/00000000000000000007');
  });

  s('string order of encoded positions is the log order (commit, then prepare)', () => {
    // A deterministic shuffle of positions of many digit counts, with shared commits.
    const positions: LogPosition[] = [...samples];
    let seed = 12345n;
    for (let i = 0; i < 300; i++) {
      seed = (seed * 6364136223846793005n + 1442695040888963407n) % 2n ** 64n;
      const commit = seed % 10n ** BigInt(1 + (i % 19));
      positions.push(at(commit, i % 3 === 0 ? commit : commit + BigInt(i % 5)));
    }
    const byLog = [...positions].sort(compareLogPositions);
    const byText = [...positions].sort((a, b) => comparePositions(encodeLogPosition(a), encodeLogPosition(b)));
    assert.equal(byText, byLog);
    for (let i = 1; i < byLog.length; i++) assert.ok(compareLogPositions(byLog[i - 1]!, byLog[i]!) <= 0);
    // Commit decides before prepare, whatever the digit counts.
    assert.ok(comparePositions(encodeLogPosition(at(1n, 999_999n)), encodeLogPosition(at(2n, 0n))) < 0);
    assert.ok(comparePositions(encodeLogPosition(at(9n, 0n)), encodeLogPosition(at(10n, 0n))) < 0);
    assert.ok(comparePositions(encodeLogPosition(at(5n, 9n)), encodeLogPosition(at(5n, 10n))) < 0);
    assert.is(compareLogPositions(at(5n, 5n), at(5n, 5n)), 0);
  });

  s('decoding refuses what this store never returns', () => {
    const bad: unknown[] = [
      '',
      '00000000000000000042', // an embedded-store position
      '42/7',
      '00000000000000000042/0000000000000000007',
      '00000000000000000042-00000000000000000007',
      ' 00000000000000000042/00000000000000000007',
      '18446744073709551615/00000000000000000000', // the "unset" marker
      '99999999999999999999/00000000000000000000', // beyond uint64
      42,
      null,
    ];
    for (const value of bad) {
      assert.throws(
        () => decodeLogPosition(value as string),
        (error: unknown) => error instanceof RangeError && error.message.startsWith('fromPosition:'),
        JSON.stringify(value),
      );
    }
    assert.throws(() => decodeLogPosition('x', 'checkpoint'), /^checkpoint: /);
  });

  s('encoding refuses negative and unset positions; only real positions count as real', () => {
    for (const position of [at(-1n, 0n), at(0n, -1n), at(MAX + 1n, 0n), at(0n, MAX + 1n)]) {
      assert.throws(() => encodeLogPosition(position), RangeError);
      assert.not.ok(isRealLogPosition(position));
    }
    assert.not.ok(isRealLogPosition(undefined));
    assert.ok(isRealLogPosition(at(0n, 0n)));
    assert.ok(isRealLogPosition(at(MAX, MAX)));
  });

  s.run();
}

// --- expected revisions -----------------------------------------------------------------
{
  const s = suite('eventstoredb mapping: expected and actual revisions');

  s("maps 'any', 'no_stream', 'stream_exists' to the client's words and a revision to a bigint", () => {
    assert.is(toClientExpectedRevision('any'), 'any');
    assert.is(toClientExpectedRevision('no_stream'), 'no_stream');
    assert.is(toClientExpectedRevision('stream_exists'), 'stream_exists');
    assert.is(toClientExpectedRevision(0), 0n);
    assert.is(toClientExpectedRevision(41), 41n);
    assert.is(toClientExpectedRevision(Number.MAX_SAFE_INTEGER), BigInt(Number.MAX_SAFE_INTEGER));
  });

  s('accepts exactly what the embedded store accepts', () => {
    for (const good of ['any', 'no_stream', 'stream_exists', 0, 7, Number.MAX_SAFE_INTEGER] as const) assert.is(checkExpectedRevision(good), good);
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '3', 'ANY', null, {}, 3n]) {
      assert.throws(
        () => checkExpectedRevision(bad),
        (error: unknown) => error instanceof InvalidAppendError && error.field === 'expectedRevision',
        String(bad),
      );
    }
  });

  s("the server's current revision becomes the port's actualRevision (-1: no stream)", () => {
    assert.is(toActualRevision('no_stream'), -1);
    assert.is(toActualRevision(0n), 0);
    assert.is(toActualRevision(1234n), 1234);
  });

  s('kurrentdb:// URLs are given to the client as esdb://', () => {
    assert.is(toClientConnectionString('kurrentdb://localhost:2113?tls=false'), 'esdb://localhost:2113?tls=false');
    assert.is(toClientConnectionString('kurrentdb+discover://a,b,c?tls=true'), 'esdb+discover://a,b,c?tls=true');
    assert.is(toClientConnectionString(' esdb://admin:changeit@localhost:2113 '), 'esdb://admin:changeit@localhost:2113');
    assert.is(toClientConnectionString('esdb+discover://cluster.example'), 'esdb+discover://cluster.example');
  });

  s.run();
}

// --- filters -------------------------------------------------------------------------
{
  const s = suite('eventstoredb mapping: filters');

  /** What the server lets through for a plan (prefix filters and .NET-compatible regexes behave like these). */
  const serverPasses = (plan: ServerFilterPlan, stream: string, type: string): boolean => {
    switch (plan.kind) {
      case 'nothing':
        return false;
      case 'excludeSystemEvents':
        return /^[^$].*/.test(type); // the client's excludeSystemEvents() regex
      case 'streamPrefixes':
        return plan.prefixes.some((prefix) => stream.startsWith(prefix));
      case 'eventTypeRegex':
        return new RegExp(plan.regex).test(type);
    }
  };

  s('plans one server-side filter: stream prefixes first, else event types, else no system events', () => {
    assert.equal(planServerFilter(undefined), { kind: 'excludeSystemEvents' });
    assert.equal(planServerFilter({}), { kind: 'excludeSystemEvents' });
    assert.equal(planServerFilter({ streamPrefixes: ['a-', 'b-'] }), { kind: 'streamPrefixes', prefixes: ['a-', 'b-'] });
    assert.equal(planServerFilter({ streamPrefixes: ['a-'], eventTypes: ['X'] }), { kind: 'streamPrefixes', prefixes: ['a-'] });
    assert.equal(planServerFilter({ eventTypes: ['X', 'Y'] }), { kind: 'eventTypeRegex', regex: '^(?:X|Y)$' });
    const prefixes = ['p-'];
    const plan = planServerFilter({ streamPrefixes: prefixes });
    assert.ok(plan.kind === 'streamPrefixes' && plan.prefixes !== prefixes, 'the plan does not share the caller’s array');
  });

  s('an empty list matches nothing, on the server plan and client-side', () => {
    for (const filter of [{ streamPrefixes: [] }, { eventTypes: [] }, { streamPrefixes: ['a'], eventTypes: [] }, { streamPrefixes: [], eventTypes: ['T'] }]) {
      assert.equal(planServerFilter(filter), { kind: 'nothing' });
      assert.not.ok(matchesFilter(filter, 'a-1', 'T'));
    }
  });

  s('the event-type regex matches the listed types exactly, metacharacters included', () => {
    const types = ['Hit', 'a.b', 'x+y', '(z)', 'back\\slash', '[q]', 'one|two', 'c^d$', 'é✓'];
    const regex = new RegExp(exactMatchRegex(types));
    for (const type of types) assert.ok(regex.test(type), type);
    for (const other of ['hit', 'Hits', 'xHit', 'aXb', 'xxy', 'z', '(z', 'one', 'two', 'q', 'backslash', 'c^d', '', 'é']) assert.not.ok(regex.test(other), other);
  });

  s('client-side matching: prefix AND type, each optional', () => {
    const filter: EventFilter = { streamPrefixes: ['a-', 'bb'], eventTypes: ['X', 'Y'] };
    assert.ok(matchesFilter(filter, 'a-1', 'X'));
    assert.ok(matchesFilter(filter, 'bbc', 'Y'));
    assert.not.ok(matchesFilter(filter, 'a-1', 'Z'));
    assert.not.ok(matchesFilter(filter, 'b-1', 'X'));
    assert.not.ok(matchesFilter(filter, 'xa-1', 'X'), 'a prefix, not a substring');
    assert.ok(matchesFilter(undefined, 'anything', 'Any'));
    assert.ok(matchesFilter({}, 'anything', 'Any'));
    assert.ok(matchesFilter({ streamPrefixes: [''] }, 'anything', 'Any'), 'the empty prefix matches every stream');
  });

  s('the split is sound: the server never drops an event the full filter accepts, and server plus client equals the filter', () => {
    const filters: (EventFilter | undefined)[] = [
      undefined,
      {},
      { streamPrefixes: ['a-'] },
      { streamPrefixes: ['a-', 'b-1'] },
      { eventTypes: ['X'] },
      { eventTypes: ['X', 'Y.Z'] },
      { streamPrefixes: ['a-'], eventTypes: ['Y.Z'] },
      { streamPrefixes: [] },
      { eventTypes: [] },
    ];
    const events: [string, string][] = [];
    for (const stream of ['a-1', 'a-2', 'b-1', 'b-2', 'c', '$stats-1', '$$a-1']) for (const type of ['X', 'Y.Z', 'YxZ', '$metadata', '$>']) events.push([stream, type]);
    for (const filter of filters) {
      const plan = planServerFilter(filter);
      for (const [stream, type] of events) {
        const wanted = matchesFilter(filter, stream, type) && !isSystemRecord(stream, type);
        const delivered = serverPasses(plan, stream, type) && matchesFilter(filter, stream, type) && !isSystemRecord(stream, type);
        assert.is(delivered, wanted, `${JSON.stringify(filter)} ${stream} ${type}`);
        if (wanted) assert.ok(serverPasses(plan, stream, type), `server drops ${stream} ${type} for ${JSON.stringify(filter)}`);
      }
    }
  });

  s('system records are $-streams and $-types', () => {
    assert.ok(isSystemRecord('$stats-127.0.0.1:2113', 'StatsCollected'));
    assert.ok(isSystemRecord('$$hits-1', '$metadata'));
    assert.ok(isSystemRecord('hits-1', '$>'));
    assert.not.ok(isSystemRecord('hits-1', 'HitReceived'));
  });

  s.run();
}

// --- erasures --------------------------------------------------------------------------
{
  const s = suite('eventstoredb mapping: erasures');

  s('the erasure key is a SHA-256 of the stream name, keeping no readable identifier', () => {
    const key = erasureKey('client-UA-1-1234567890.1700000000');
    assert.match(key, /^[0-9a-f]{64}$/);
    assert.is(erasureKey('client-UA-1-1234567890.1700000000'), key);
    assert.is.not(erasureKey('client-UA-1-1234567890.1700000001'), key);
    assert.not.ok(key.includes('1234567890'));
    // The well-known digest of the empty string pins the algorithm.
    assert.is(erasureKey(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  s('parses erasure records and ignores malformed ones', () => {
    const key = erasureKey('s');
    assert.equal(parseErasure({ key, before: 3 }), { key, before: 3 });
    assert.equal(parseErasure({ key, before: 0, extra: true }), { key, before: 0 });
    for (const bad of [null, 'x', [key, 3], { key }, { before: 1 }, { key: 'S', before: 1 }, { key: key.toUpperCase(), before: 1 }, { key, before: -1 }, { key, before: 1.5 }, { key, before: '1' }]) {
      assert.is(parseErasure(bad), undefined, JSON.stringify(bad));
    }
  });

  s('an erasure hides the revisions before its bound, of its stream only; the highest bound wins', () => {
    const set = createErasureSet();
    assert.not.ok(set.hides('s', 0), 'nothing is hidden before any erasure');
    set.add({ key: erasureKey('s'), before: 3 });
    assert.equal([0, 1, 2, 3, 4].map((revision) => set.hides('s', revision)), [true, true, true, false, false]);
    assert.not.ok(set.hides('t', 0));
    set.add({ key: erasureKey('s'), before: 2 }); // an older, lower bound read later
    assert.ok(set.hides('s', 2));
    set.add({ key: erasureKey('s'), before: 5 });
    assert.ok(set.hides('s', 4));
    assert.not.ok(set.hides('s', 5));
    assert.is(set.size, 1);
  });

  s.run();
}
