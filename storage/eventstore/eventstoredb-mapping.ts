// The pure half of the EventStoreDB adapter: how the port's positions, expected
// revisions and filters map onto EventStoreDB's, and the erasure records that hide a
// deleted stream's events from $all reads. No client import here (that lives only in
// eventstoredb.ts), so all of this is unit-tested without a server.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { InvalidAppendError } from './errors.ts';
import type { EventFilter, ExpectedRevision, Position } from './port.ts';

/** EventStoreDB's position in the transaction log; structurally the client's `Position`. */
export interface LogPosition {
  commit: bigint;
  prepare: bigint;
}

const DIGITS = 20;
/** gRPC positions are uint64; the server sends the maximum to mean "no position". */
const UNSET = 2n ** 64n - 1n;
const POSITION_TEXT = /^(\d{20})\/(\d{20})$/;

/**
 * `commit/prepare`, each zero-padded to 20 digits (uint64 needs at most 20), so the
 * plain string order of `comparePositions` is the log order: commit first, then prepare.
 */
export function encodeLogPosition(position: LogPosition): Position {
  const { commit, prepare } = position;
  if (commit < 0n || prepare < 0n || commit >= UNSET || prepare >= UNSET) {
    throw new RangeError(`not a log position: ${String(commit)}/${String(prepare)}`);
  }
  return `${commit.toString().padStart(DIGITS, '0')}/${prepare.toString().padStart(DIGITS, '0')}`;
}

export function decodeLogPosition(position: Position, field = 'fromPosition'): LogPosition {
  const match = typeof position === 'string' ? POSITION_TEXT.exec(position) : null;
  const commit = match ? BigInt(match[1]!) : UNSET;
  const prepare = match ? BigInt(match[2]!) : UNSET;
  if (commit >= UNSET || prepare >= UNSET) {
    throw new RangeError(`${field}: must be a position returned by this EventStoreDB store (20 digits/20 digits), got ${JSON.stringify(position)}`);
  }
  return { commit, prepare };
}

export function compareLogPositions(a: LogPosition, b: LogPosition): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

/** A position the server really assigned (not absent, not the uint64 "unset" marker, not -1). */
export const isRealLogPosition = (position: LogPosition | undefined): position is LogPosition =>
  position !== undefined && position.commit >= 0n && position.prepare >= 0n && position.commit < UNSET && position.prepare < UNSET;

/** The client's expected revision: the same three words, and a bigint for a revision. */
export type ClientExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | bigint;

/** Same rule and error as the embedded store, checked before anything reaches the server. */
export function checkExpectedRevision(expected: unknown): ExpectedRevision {
  if (expected === 'any' || expected === 'no_stream' || expected === 'stream_exists') return expected;
  if (typeof expected === 'number' && Number.isSafeInteger(expected) && expected >= 0) return expected;
  throw new InvalidAppendError('expectedRevision', "must be 'any', 'no_stream', 'stream_exists' or a revision (an integer >= 0)");
}

export const toClientExpectedRevision = (expected: ExpectedRevision): ClientExpectedRevision =>
  typeof expected === 'number' ? BigInt(expected) : expected;

/** The client's "current revision" of a WrongExpectedVersionError, as the port's number (-1: no stream). */
export const toActualRevision = (current: 'no_stream' | bigint): number => (current === 'no_stream' ? -1 : Number(current));

/**
 * The configuration accepts kurrentdb:// (the database's new name); client 6.2.1 only
 * parses esdb://, which means the same thing.
 */
export const toClientConnectionString = (url: string): string => url.trim().replace(/^kurrentdb(\+discover)?:\/\//i, (_, discover: string | undefined) => `esdb${discover ?? ''}://`);

// --- filters ------------------------------------------------------------------------

/**
 * What the server filters on a live subscription. The server takes one kind of filter
 * at a time, so with both lists it filters on stream prefixes and the event types are
 * checked here; `matchesFilter` always re-checks the whole filter client-side.
 */
export type ServerFilterPlan =
  | { kind: 'excludeSystemEvents' }
  /** An empty list: nothing can pass, so no server call is needed at all. */
  | { kind: 'nothing' }
  | { kind: 'streamPrefixes'; prefixes: string[] }
  | { kind: 'eventTypeRegex'; regex: string };

export function planServerFilter(filter: EventFilter | undefined): ServerFilterPlan {
  const prefixes = filter?.streamPrefixes;
  const types = filter?.eventTypes;
  if (prefixes?.length === 0 || types?.length === 0) return { kind: 'nothing' };
  if (prefixes) return { kind: 'streamPrefixes', prefixes: [...prefixes] };
  if (types) return { kind: 'eventTypeRegex', regex: exactMatchRegex(types) };
  return { kind: 'excludeSystemEvents' };
}

/** A regex (valid for .NET and JavaScript alike) matching exactly one of `values`. */
export const exactMatchRegex = (values: string[]): string => `^(?:${values.map((value) => value.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&')).join('|')})$`;

/** The port's filter: both lists optional, an empty list matches nothing. */
export function matchesFilter(filter: EventFilter | undefined, stream: string, type: string): boolean {
  if (filter?.streamPrefixes && !filter.streamPrefixes.some((prefix) => stream.startsWith(prefix))) return false;
  if (filter?.eventTypes && !filter.eventTypes.includes(type)) return false;
  return true;
}

/** EventStoreDB's own records ($-streams: metadata, stats, links; $-types) never reach callers. */
export const isSystemRecord = (stream: string, type: string): boolean => stream.startsWith('$') || type.startsWith('$');

// --- erasures -----------------------------------------------------------------------
//
// A soft-deleted stream's events stay in $all until a scavenge removes them, so a
// projection rebuilt from $all would bring an erased visitor back. deleteStream first
// records {key, before} in ERASURE_STREAM and every $all read hides events of that
// stream with revision < before. The key is a SHA-256 of the stream name, so the
// record keeps no identifier of the erased visitor in readable form.

export const ERASURE_STREAM = '$webalytic-erasures';
export const ERASURE_EVENT_TYPE = 'StreamErased';

export interface Erasure {
  key: string;
  /** Events of the stream with a revision below this are erased. */
  before: number;
}

export const erasureKey = (stream: string): string => createHash('sha256').update(stream, 'utf8').digest('hex');

const erasureSchema = z.object({
  key: z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 in hex'),
  before: z.number().int('must be an integer').min(0, 'must be 0 or more'),
});

/** An erasure record read back from the server; anything malformed is ignored (undefined). */
export function parseErasure(data: unknown): Erasure | undefined {
  const parsed = erasureSchema.safeParse(data);
  return parsed.success ? parsed.data : undefined;
}

export interface ErasureSet {
  add(erasure: Erasure): void;
  /** Whether the event at `revision` of `stream` was erased. */
  hides(stream: string, revision: number): boolean;
  readonly size: number;
}

/** Erasures known to this process: stream key -> revision bound (the highest recorded). */
export function createErasureSet(): ErasureSet {
  const bounds = new Map<string, number>();
  return {
    add(erasure) {
      const known = bounds.get(erasure.key);
      if (known === undefined || erasure.before > known) bounds.set(erasure.key, erasure.before);
    },
    hides(stream, revision) {
      if (bounds.size === 0) return false; // the common case costs no hashing
      const before = bounds.get(erasureKey(stream));
      return before !== undefined && revision < before;
    },
    get size() {
      return bounds.size;
    },
  };
}
