// Typed errors of the event store port, and the input checks both adapters share,
// so a bad append fails the same way (and writes nothing) on either store.
import type { EventToAppend, ExpectedRevision } from './port.ts';

/** The stream's revision was not what the caller expected. */
export class WrongExpectedRevisionError extends Error {
  override readonly name = 'WrongExpectedRevisionError';
  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    /** The stream's actual last revision; -1 when it does not exist. */
    readonly actualRevision: number,
  ) {
    super(`stream "${stream}": expected revision ${String(expected)}, actual ${actualRevision === -1 ? 'no stream' : actualRevision}`);
  }
}

/** The append was refused before anything was written. `field` names what was wrong. */
export class InvalidAppendError extends Error {
  override readonly name = 'InvalidAppendError';
  constructor(
    readonly field: string,
    readonly rule: string,
  ) {
    super(`${field}: ${rule}`);
  }
}

export const MAX_STREAM_NAME_LENGTH = 200;
/** data + metadata of one event, as JSON text. EventStoreDB's own limit is 16 MiB; hits are tiny. */
export const MAX_EVENT_BYTES = 1024 * 1024;
const STREAM_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:@=+-]*$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function validateStreamName(stream: string): void {
  if (typeof stream !== 'string' || stream.length === 0) throw new InvalidAppendError('stream', 'must be a non-empty string');
  if (stream.length > MAX_STREAM_NAME_LENGTH) throw new InvalidAppendError('stream', `must be at most ${MAX_STREAM_NAME_LENGTH} characters`);
  if (!STREAM_NAME.test(stream)) {
    throw new InvalidAppendError('stream', 'must start with a letter or digit and use only letters, digits and _ . : @ = + -');
  }
}

/** Serialises and checks every event; returns the JSON texts so adapters do not stringify twice. */
export function validateAppend(stream: string, events: EventToAppend[]): { data: string; metadata: string }[] {
  validateStreamName(stream);
  if (!Array.isArray(events) || events.length === 0) throw new InvalidAppendError('events', 'must be a non-empty array');
  const seen = new Set<string>();
  return events.map((event, i) => {
    if (typeof event.id !== 'string' || !UUID.test(event.id)) throw new InvalidAppendError(`events[${i}].id`, 'must be a UUID');
    if (seen.has(event.id)) throw new InvalidAppendError(`events[${i}].id`, 'must be unique within one append');
    seen.add(event.id);
    if (typeof event.type !== 'string' || event.type.length === 0 || event.type.length > 200) {
      throw new InvalidAppendError(`events[${i}].type`, 'must be a string of 1 to 200 characters');
    }
    const data = toJson(event.data, `events[${i}].data`);
    const metadata = event.metadata === undefined ? '{}' : toJson(event.metadata, `events[${i}].metadata`);
    if (event.metadata !== undefined && (typeof event.metadata !== 'object' || event.metadata === null || Array.isArray(event.metadata))) {
      throw new InvalidAppendError(`events[${i}].metadata`, 'must be a JSON object');
    }
    // A UTF-16 code unit is at most 3 bytes of UTF-8: only long texts need counting.
    if ((data.length + metadata.length) * 3 > MAX_EVENT_BYTES && Buffer.byteLength(data) + Buffer.byteLength(metadata) > MAX_EVENT_BYTES) {
      throw new InvalidAppendError(`events[${i}]`, `data and metadata must be at most ${MAX_EVENT_BYTES} bytes of JSON`);
    }
    return { data, metadata };
  });
}

/**
 * JSON.stringify accepts values it cannot round-trip (undefined, NaN, functions, cycles):
 * refuse them. The check runs on every event of the hot path, so it first walks the value
 * without building field paths; only a refused value is walked again to name the field.
 */
function toJson(value: unknown, field: string): string {
  if (!isJson(value, 0)) checkJson(value, field, 0);
  return JSON.stringify(value);
}

/** The same rules as checkJson, as a yes/no without allocations. */
function isJson(value: unknown, depth: number): boolean {
  if (depth > 64) return false;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object': {
      if (value === null) return true;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          // A hole is skipped, as checkJson's forEach does.
          if (!isJson(item, depth + 1) && (item !== undefined || i in value)) return false;
        }
        return true;
      }
      if (Object.getPrototypeOf(value) !== Object.prototype) return false;
      const record = value as Record<string, unknown>;
      for (const key of Object.keys(record)) if (!isJson(record[key], depth + 1)) return false;
      return true;
    }
    default:
      return false;
  }
}

function checkJson(value: unknown, field: string, depth: number): void {
  if (depth > 64) throw new InvalidAppendError(field, 'must be JSON nested at most 64 levels deep');
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new InvalidAppendError(field, 'must be JSON (no NaN or Infinity)');
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => checkJson(item, `${field}[${i}]`, depth + 1));
    return;
  }
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [key, item] of Object.entries(value)) checkJson(item, `${field}.${key}`, depth + 1);
    return;
  }
  throw new InvalidAppendError(field, `must be JSON (found ${typeof value})`);
}
