// What of each event the analytics projection reads, for the embedded store's catch-up
// reader thread (storage/eventstore/embedded-reader-thread.ts): the thread parses the
// ~2 KB events and hands the projecting thread only this compact copy. The client
// aggregate's full state, the hit parameters as sent and the metadata are never read by
// the model, and copying less is what makes the hand-over cheaper than a parse.
//
// Pure and total: an event this projection would reject (unknown type, missing fields)
// goes through untouched, so the batch fails on it with the same error and position.
import { HIT_DISCARDED, isClientEventType } from '../../domain/client/events.ts';
import type { JsonObject, JsonValue, RecordedEvent } from '../../storage/eventstore/port.ts';
import { CLIENT_EVENT_PREFIX, recordedDataOf } from './process-batch.ts';

type Obj = { [key: string]: JsonValue };

const isObject = (value: JsonValue | undefined): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The keys of `source` among `keys` that are present (absent ones stay absent, not undefined). */
function pick(source: Obj, keys: readonly string[]): Obj {
  const out: Obj = {};
  for (const key of keys) {
    const value = source[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

// The fields model.ts reads (openSession, applyClientEvent, productLine).
const HIT_KEYS = ['type', 'time', 'interaction', 'event', 'transaction', 'item', 'customDimensions', 'customMetrics'] as const;
const PAGE_KEYS = ['path', 'title', 'hostname'] as const;
const DEVICE_KEYS = ['userAgent', 'language', 'screenResolution'] as const;
const GEO_KEYS = ['country', 'region', 'city', 'continent'] as const;
const PRODUCT_KEYS = ['name', 'sku', 'category', 'price', 'quantity', 'customMetrics'] as const;
const NO_METADATA: JsonObject = {};

function compactHit(hit: Obj): Obj {
  const out = pick(hit, HIT_KEYS);
  out['page'] = pick(hit['page'] as Obj, PAGE_KEYS);
  out['device'] = pick(hit['device'] as Obj, DEVICE_KEYS);
  out['geo'] = pick(hit['geo'] as Obj, GEO_KEYS);
  const ecommerce = hit['ecommerce'];
  // Only purchases and refunds count (their totals and products); impressions and promotions never do.
  if (isObject(ecommerce) && (ecommerce['action'] === 'purchase' || ecommerce['action'] === 'refund')) {
    const kept = pick(ecommerce, ['action', 'transaction', 'products']);
    const products = kept['products'];
    if (Array.isArray(products)) kept['products'] = products.map((product) => (isObject(product) ? pick(product, PRODUCT_KEYS) : product));
    out['ecommerce'] = kept;
  }
  return out;
}

/** The event with only what the analytics projection reads of it. */
export function extract(event: RecordedEvent): RecordedEvent {
  if (!event.stream.startsWith(CLIENT_EVENT_PREFIX)) return event; // property and erasure events: small, read whole
  // A discarded hit is skipped by the model, but it stays in the batch (positions and counts).
  if (event.type === HIT_DISCARDED) return { ...event, data: {}, metadata: NO_METADATA };
  if (!isClientEventType(event.type)) return event;
  try {
    recordedDataOf(event.type, event.data);
  } catch {
    return event;
  }
  const data = event.data as Obj;
  const state = data['state'] as Obj;
  const lastPage = state['lastPage'];
  const compactState: Obj = { sessionDay: state['sessionDay']! };
  if (isObject(lastPage) && lastPage['path'] !== undefined) compactState['lastPage'] = { path: lastPage['path'] };
  else if (isObject(lastPage)) compactState['lastPage'] = {};
  return {
    ...event,
    data: { hit: compactHit(data['hit'] as Obj), session: data['session']!, state: compactState, params: { tid: (data['params'] as Obj)['tid']! } },
    metadata: NO_METADATA,
  };
}
