// The pure part of the analytics projection: one client event + the session's
// document → the updated document and the read-model increments (daily and hourly
// rollups, the user-day fact, the realtime fact), written into an `AnalyticsOutput`.
// No I/O and no clock: a store-specific sink loads the documents, feeds the events in
// log order, then writes what the output collected, in one transaction.
//
// Formulas (ga-processing.md §6, docs/events.md, the reference in domain/client/testing.ts):
// - Sessions +1 at the session's first interaction hit (S-7); New Users with it when the
//   session is the client's new-user session; Bounces +1 there and −1 at the second.
// - Session Duration: each interaction hit adds `time − previousInteractionAt`.
// - Time on Page (BigQuery cookbook rule): every page/screen view and every interaction
//   hit adds `time − max(previousPage.time, previousInteractionAt)` to the previous page.
// - Exits: each page/screen view takes the exit over from the previous page.
// - Unique Pageviews / Unique Events: first path+title / category+action+label in the
//   session (sets kept in the session document).
// - Transactions: classic transaction hits and EE purchases; revenue `tr` verbatim.
//   EE refunds are counted apart (refunds, refundAmount, quantityRefunded) and do not
//   reduce revenue ([I], as GA reports refunds beside revenue).
//
// Days: every increment of a session goes to the session's day (`state.sessionDay`, the
// decider's calendar day in the property's time zone). Sessions are split at midnight
// (S-4), so this is also each hit's own day. Hours (hourly rollups): hit metrics by the
// hit's hour, session metrics by the session's start hour, so a bounce counted in one
// hour is never taken back in another.
//
// Erasure (GDPR): `eraseSession` takes a session out of the rollups again. What the
// session added under its session dimensions, landing page, session-scoped cd<N>, the
// totals and its start hour follows from its document; what it added to hit dimension
// rows (pages, events, products, hit-scoped cd<N>) and to other hours is noted in the
// document's `ledger` as it is written, compactly (value positions in `hitValues`, one
// entry for the three page, event or product dimensions a hit shares).
//
// Speed matters (a replay must reach 50,000 events/s): the hot path indexes arrays by
// metric and dimension id, reuses one scratch vector, and attributes a session's
// metrics to its ~25 session dimensions once per batch (`flushSession`), not per event.

import type { PageViewRef, RecordedClientEvent, TrafficSourceData } from '../../domain/client/events.ts';
import { defaultChannelGrouping } from '../../domain/traffic-source/index.ts';
import { customRowOf, rowOf, type AnalyticsOutput, type DayBucket, type RollupRow } from './batch.ts';
import { D, NOT_SET, SESSION_DIMENSIONS, SESSION_VALUE_COUNT, STANDARD_DIMENSIONS } from './dimensions.ts';
import { localHour } from './local-time.ts';
import { addCustomInto, hasCustom, M, METRIC_COUNT, SESSION_METRICS, toMicros, zeroVector, type CustomVector, type Vector } from './metrics.ts';
import type { PropertyInfo } from './property-info.ts';
import type { DeviceInfo } from './user-agent.ts';

/** The session document: every session with its dimensions and metrics (also the projection's per-session memory). */
export interface SessionDoc {
  id: string;
  property: string;
  /** The client key (stream name without `client-`): users are distinct client keys. */
  client: string;
  number: number;
  /** Calendar day and start hour in the property's time zone. */
  day: string;
  hour: string;
  startedAt: number;
  lastHitAt: number;
  isNewUser: boolean;
  hits: number;
  interactions: number;
  /** Session dimension values by id (dimensions.ts D: the session dimensions, then the landing page's pagePath, pageTitle, hostname); null = none yet. */
  dims: (string | null)[];
  /** Session-scoped custom dimensions (last value), by name ('cd3'). */
  cds: Record<string, string>;
  /** The session's metrics (stored units, metrics.ts), custom metrics by name. */
  totals: Vector;
  custom: CustomVector;
  /**
   * Path + title pairs viewed (Unique Pageviews) and category/action/label combinations
   * seen (Unique Events), as positions in `hitValues` (compact: a value is stored once):
   * page = pathIndex × 1024 + titleIndex; event = (category × 1024 + action) × 1024 + label
   * (a session has at most 500 hits, so every index is below 1024).
   */
  pages: number[];
  events: number[];
  /** The values each hit dimension took in the session, by dimension name (users per hit dimension; sessions with event per value). */
  hitValues: Record<string, string[]>;
  /** The user-day fact already written for this session: 0 none, 1 returning, 2 new. */
  userDay: 0 | 1 | 2;
  /** What the session added to rows the fields above cannot tell (see LedgerEntry). */
  ledger: LedgerEntry[];
}

/**
 * What a session added to rollup rows its other fields cannot tell, so an erasure can
 * subtract it: `[kind, a, b, c, ...amounts]`, numbers only. Kinds (LEDGER):
 * - page: a, b, c = positions in `hitValues` of the pagePath, pageTitle and hostname
 *   values; the amounts went to each of the three rows.
 * - event: eventCategory, eventAction, eventLabel positions (sessionsWithEvent is not
 *   noted: each value in `hitValues` got exactly one).
 * - product: productName, productSku, productCategory positions.
 * - hitCd: a = N of a hit-scoped cd<N>, b = the value's position in `hitValues['cd<N>']`.
 * - hour: a = hours after the session's start hour (the start hour's share is the rest of the totals).
 * Amounts are pairs: a metric position (metrics.ts M; cm<N> as LEDGER_CUSTOM_BASE + N), then the amount.
 */
export type LedgerEntry = number[];

export const LEDGER = { page: 0, event: 1, product: 2, hitCd: 3, hour: 4 } as const;
/** Ledger amount keys at and above this are custom metrics: LEDGER_CUSTOM_BASE + N for cm<N>. */
export const LEDGER_CUSTOM_BASE = 1000;
const LEDGER_HEAD = 4;

/** A session being worked on in a batch: the document plus what has not been attributed to its dimension values yet. */
export interface SessionWork {
  doc: SessionDoc;
  /** The values (by id, then the custom ones) the already-attributed part of `totals` sits under. */
  attributed: (string | null)[];
  attributedCds: Record<string, string>;
  pending: Vector;
  pendingCustom: CustomVector | undefined;
  /** The document's ledger entries by `kind,a,b,c`. */
  ledger: Map<string, LedgerEntry>;
}

export interface ModelContext {
  property(id: string): PropertyInfo;
  device(userAgent: string): DeviceInfo;
}

/** The data of any `*Recorded.v1` client event. */
export type RecordedData = RecordedClientEvent['data'];

const HIT_POSITIONS: readonly number[] = [...Array(METRIC_COUNT).keys()].filter((i) => !SESSION_METRICS.includes(i));
/** The metrics a hit carries under a hit-scoped custom dimension: its own counts, nothing derived from the session. */
const OWN_HIT_POSITIONS: readonly number[] = [
  M.hits,
  M.pageviews,
  M.screenviews,
  M.totalEvents,
  M.eventValue,
  M.transactions,
  M.transactionRevenue,
  M.transactionTax,
  M.transactionShipping,
  M.itemQuantity,
  M.itemRevenue,
  M.uniquePurchases,
  M.refunds,
  M.refundAmount,
  M.quantityRefunded,
  M.socialInteractions,
  M.exceptions,
];
const FIRST_LANDING_DIMENSION = D.pagePath;
const ALL_POSITIONS: readonly number[] = [...Array(METRIC_COUNT).keys()];

const clientKeyOfSession = (sessionId: string): string => sessionId.slice(0, sessionId.lastIndexOf(':'));
const or = (value: string | undefined): string => (value === undefined || value === '' ? NOT_SET : value);

/** row.metrics[i] += n */
const inc = (row: RollupRow, i: number, n: number): void => {
  row.metrics[i] = row.metrics[i]! + n;
};

/** target += sign × source at `positions`. */
function addAt(target: Vector, source: Vector, positions: readonly number[], sign = 1): void {
  for (let k = 0; k < positions.length; k++) {
    const i = positions[k]!;
    target[i] = target[i]! + sign * source[i]!;
  }
}

/** The property a client event belongs to: its `tid` as sent. */
export function propertyOfEvent(data: RecordedData): string {
  const tid = data.params['tid'];
  if (typeof tid !== 'string' || tid === '') throw new Error('params.tid: required on a client event (the property it belongs to)');
  return tid;
}

function sourceValues(dims: (string | null)[], source: TrafficSourceData, property: PropertyInfo): void {
  dims[D.channel] = defaultChannelGrouping(source, property);
  dims[D.source] = source.source;
  dims[D.medium] = source.medium;
  dims[D.sourceMedium] = `${source.source} / ${source.medium}`;
  dims[D.campaign] = source.campaign;
  dims[D.keyword] = source.keyword;
  dims[D.adContent] = source.adContent;
  dims[D.referralPath] = source.referralPath;
}

/** A new session document from the session's first event seen (normally its first hit). */
export function openSession(data: RecordedData, context: ModelContext): SessionWork {
  const { hit, session, state } = data;
  const property = context.property(propertyOfEvent(data));
  const device = context.device(hit.device.userAgent);
  const dims = new Array<string | null>(SESSION_VALUE_COUNT).fill(null);
  sourceValues(dims, session.source, property);
  dims[D.landingPage] = NOT_SET;
  dims[D.exitPage] = NOT_SET;
  dims[D.country] = or(hit.geo.country);
  dims[D.region] = or(hit.geo.region);
  dims[D.city] = or(hit.geo.city);
  dims[D.continent] = or(hit.geo.continent);
  dims[D.language] = or(hit.device.language);
  dims[D.deviceCategory] = device.deviceCategory;
  dims[D.browser] = device.browser;
  dims[D.browserVersion] = device.browserVersion;
  dims[D.os] = device.os;
  dims[D.osVersion] = device.osVersion;
  dims[D.screenResolution] = or(hit.device.screenResolution);
  dims[D.userType] = session.isNewUser ? 'New Visitor' : 'Returning Visitor';
  const doc: SessionDoc = {
    id: session.id,
    property: property.id,
    client: clientKeyOfSession(session.id),
    number: session.number,
    day: state.sessionDay,
    hour: localHour(session.startedAt, property.timeZone),
    startedAt: session.startedAt,
    lastHitAt: session.startedAt,
    isNewUser: session.isNewUser,
    hits: 0,
    interactions: 0,
    dims,
    cds: {},
    totals: zeroVector(),
    custom: {},
    pages: [],
    events: [],
    hitValues: {},
    userDay: 0,
    ledger: [],
  };
  // Nothing of a new session is attributed yet.
  return { doc, attributed: new Array<string | null>(SESSION_VALUE_COUNT).fill(null), attributedCds: {}, pending: zeroVector(), pendingCustom: undefined, ledger: new Map() };
}

/** A stored document, ready for more events: everything in its totals is attributed under its values. */
export function resumeSession(doc: SessionDoc): SessionWork {
  const ledger = new Map<string, LedgerEntry>();
  for (const entry of doc.ledger) ledger.set(`${entry[0]},${entry[1]},${entry[2]},${entry[3]}`, entry);
  return { doc, attributed: doc.dims.slice(), attributedCds: { ...doc.cds }, pending: zeroVector(), pendingCustom: undefined, ledger };
}

/** The session's ledger entry of a kind and key, created on first use. */
function ledgerOf(work: SessionWork, kind: number, a: number, b: number, c: number): LedgerEntry {
  const key = `${kind},${a},${b},${c}`;
  let entry = work.ledger.get(key);
  if (entry === undefined) {
    work.ledger.set(key, (entry = [kind, a, b, c]));
    work.doc.ledger.push(entry);
  }
  return entry;
}

/** entry[key] += n (a pair that reaches 0 is dropped). */
function note(entry: LedgerEntry, key: number, n: number): void {
  if (n === 0) return;
  for (let k = LEDGER_HEAD; k < entry.length; k += 2) {
    if (entry[k] !== key) continue;
    const sum = entry[k + 1]! + n;
    if (sum === 0) entry.splice(k, 2);
    else entry[k + 1] = sum;
    return;
  }
  entry.push(key, n);
}

function noteCustom(entry: LedgerEntry, custom: CustomVector | undefined): void {
  if (custom === undefined) return;
  for (const name in custom) note(entry, LEDGER_CUSTOM_BASE + Number(name.slice(2)), custom[name]!);
}

/** Label arithmetic on local hours 'YYYY-MM-DDTHH' (labels, not instants: no time zone involved). */
const hourNumber = (hour: string): number => Date.parse(`${hour}:00:00Z`) / 3_600_000;
const hourLabel = (n: number): string => new Date(n * 3_600_000).toISOString().slice(0, 13);

/** Position of `value` among the session's values of a hit dimension, added when new. */
function valueIndex(doc: SessionDoc, dimension: string, value: string): number {
  const values = (doc.hitValues[dimension] ??= []);
  const index = values.indexOf(value);
  if (index >= 0) return index;
  values.push(value);
  return values.length - 1;
}

const INDEX_BASE = 1024;

function customMicros(values: Record<string, number> | undefined): CustomVector | undefined {
  if (values === undefined) return undefined;
  let out: CustomVector | undefined;
  for (const index in values) {
    const v = toMicros(values[index]!);
    if (v !== 0) (out ??= {})[`cm${index}`] = v;
  }
  return out;
}

function addCustomToRow(row: RollupRow, custom: CustomVector | undefined, sign = 1): void {
  if (custom !== undefined) addCustomInto((row.custom ??= {}), custom, sign);
}

function eventRow(row: RollupRow, value: number, unique: number, firstInSession: boolean, custom: CustomVector | undefined): void {
  inc(row, M.totalEvents, 1);
  inc(row, M.eventValue, value);
  inc(row, M.uniqueEvents, unique);
  if (firstInSession) inc(row, M.sessionsWithEvent, 1);
  addCustomToRow(row, custom);
}

/** A page view: it is (for now) the session's exit. */
function pageRow(row: RollupRow, view: number, unique: number, entrance: number, custom: CustomVector | undefined): void {
  inc(row, view, 1);
  inc(row, M.uniquePageviews, unique);
  inc(row, M.entrances, entrance);
  inc(row, M.exits, 1);
  addCustomToRow(row, custom);
}

/** The previous page gets its time, and hands the exit over when a new view arrives. */
function previousPageRow(row: RollupRow, spent: number, exit: number): void {
  inc(row, M.timeOnPage, spent);
  inc(row, M.exits, exit);
}

function productLine(
  work: SessionWork,
  bucket: DayBucket,
  d: Vector,
  product: { name?: string; sku?: string; category?: string },
  quantity: number,
  revenue: number,
  purchase: boolean,
  custom: CustomVector | undefined,
): void {
  const values = [or(product.name), or(product.sku), or(product.category)] as const;
  const dims = [D.productName, D.productSku, D.productCategory] as const;
  // The same amounts go to the three product rows, the session's ledger and its delta.
  const amounts: readonly (readonly [number, number])[] = purchase
    ? [
        [M.itemQuantity, quantity],
        [M.itemRevenue, revenue],
        [M.uniquePurchases, 1],
      ]
    : [[M.quantityRefunded, quantity]];
  for (let k = 0; k < 3; k++) {
    const row = rowOf(bucket, dims[k]!, values[k]!);
    for (const [metric, n] of amounts) inc(row, metric, n);
    addCustomToRow(row, custom);
  }
  const doc = work.doc;
  const entry = ledgerOf(work, LEDGER.product, valueIndex(doc, 'productName', values[0]), valueIndex(doc, 'productSku', values[1]), valueIndex(doc, 'productCategory', values[2]));
  for (const [metric, n] of amounts) {
    note(entry, metric, n);
    d[metric] = d[metric]! + n;
  }
  noteCustom(entry, custom);
}

// One scratch vector for the hit's session delta: filled, used and cleared within one call.
const scratch = zeroVector();

/**
 * Applies one recorded client event to its session (`work`, undefined when the session
 * has no document yet) and writes the hit-level and hourly increments, the user-day and
 * the realtime fact into `out`. Session-level increments accumulate in `work.pending`
 * until `flushSession` attributes them. Returns the work for the session.
 */
export function applyClientEvent(work: SessionWork | undefined, data: RecordedData, context: ModelContext, out: AnalyticsOutput): SessionWork {
  const { hit, session, state } = data;
  const w = work ?? openSession(data, context);
  const doc = w.doc;
  const property = context.property(doc.property);
  const bucket = out.bucket(doc.property, doc.day);
  const time = hit.time;
  const d = scratch;
  d.fill(0);
  let custom = customMicros(hit.customMetrics);

  // ---- session metrics
  d[M.hits] = 1;
  if (hit.interaction) {
    if (session.interactionIndex === 1) {
      d[M.sessions] = 1;
      d[M.bounces] = 1;
      if (session.isNewUser) d[M.newUsers] = 1;
    } else if (session.interactionIndex === 2) d[M.bounces] = -1;
    if (session.previousInteractionAt !== undefined) d[M.sessionDuration] = time - session.previousInteractionAt;
  }

  // ---- pages: time on page and exit of the previous page, then this page
  const isPage = hit.type === 'pageview' || hit.type === 'screenview';
  const prev: PageViewRef | undefined = session.previousPage;
  let spent = 0;
  if (prev !== undefined && (isPage || hit.interaction)) spent = time - Math.max(prev.time, session.previousInteractionAt ?? prev.time);
  if (prev !== undefined && (spent !== 0 || isPage)) {
    d[M.timeOnPage] = spent;
    const exit = isPage ? -1 : 0;
    const path = or(prev.path);
    const title = or(prev.title);
    const hostname = or(prev.hostname);
    previousPageRow(rowOf(bucket, D.pagePath, path), spent, exit);
    previousPageRow(rowOf(bucket, D.pageTitle, title), spent, exit);
    previousPageRow(rowOf(bucket, D.hostname, hostname), spent, exit);
    // The previous page is among the session's values (a session first seen mid-way gets it here).
    const entry = ledgerOf(w, LEDGER.page, valueIndex(doc, 'pagePath', path), valueIndex(doc, 'pageTitle', title), valueIndex(doc, 'hostname', hostname));
    note(entry, M.timeOnPage, spent);
    note(entry, M.exits, exit);
  }
  if (isPage) {
    const path = or(hit.page.path);
    const title = or(hit.page.title);
    const hostname = or(hit.page.hostname);
    const view = hit.type === 'pageview' ? M.pageviews : M.screenviews;
    const pathIndex = valueIndex(doc, 'pagePath', path);
    const titleIndex = valueIndex(doc, 'pageTitle', title);
    const hostnameIndex = valueIndex(doc, 'hostname', hostname);
    let unique = 0;
    if (hit.type === 'pageview') {
      const key = pathIndex * INDEX_BASE + titleIndex;
      if (!doc.pages.includes(key)) {
        doc.pages.push(key);
        unique = 1;
      }
    }
    const entrance = session.isEntrance ? 1 : 0;
    if (entrance === 1) {
      doc.dims[D.landingPage] = path;
      doc.dims[D.pagePath] = path;
      doc.dims[D.pageTitle] = title;
      doc.dims[D.hostname] = hostname;
    }
    doc.dims[D.exitPage] = path;
    pageRow(rowOf(bucket, D.pagePath, path), view, unique, entrance, custom);
    pageRow(rowOf(bucket, D.pageTitle, title), view, unique, entrance, custom);
    pageRow(rowOf(bucket, D.hostname, hostname), view, unique, entrance, custom);
    const entry = ledgerOf(w, LEDGER.page, pathIndex, titleIndex, hostnameIndex);
    note(entry, view, 1);
    note(entry, M.uniquePageviews, unique);
    note(entry, M.entrances, entrance);
    note(entry, M.exits, 1);
    noteCustom(entry, custom);
    d[view] = 1;
    d[M.uniquePageviews] = unique;
    d[M.entrances] = entrance;
    // The exit moves here from the previous page: the session keeps exactly one.
    d[M.exits] = prev === undefined ? 1 : 0;
  }

  // ---- hit-type specific
  switch (hit.type) {
    case 'event': {
      const category = or(hit.event.category);
      const action = or(hit.event.action);
      const label = or(hit.event.label);
      const value = toMicros(hit.event.value ?? 0);
      // A value new to the session opens a "session with event" for it.
      const seenCategories = doc.hitValues['eventCategory']?.length ?? 0;
      const seenActions = doc.hitValues['eventAction']?.length ?? 0;
      const seenLabels = doc.hitValues['eventLabel']?.length ?? 0;
      const c = valueIndex(doc, 'eventCategory', category);
      const a = valueIndex(doc, 'eventAction', action);
      const l = valueIndex(doc, 'eventLabel', label);
      const key = (c * INDEX_BASE + a) * INDEX_BASE + l;
      let unique = 0;
      if (!doc.events.includes(key)) {
        if (doc.events.length === 0) d[M.sessionsWithEvent] = 1;
        doc.events.push(key);
        unique = 1;
      }
      d[M.totalEvents] = 1;
      d[M.eventValue] = value;
      d[M.uniqueEvents] = unique;
      eventRow(rowOf(bucket, D.eventCategory, category), value, unique, c === seenCategories, custom);
      eventRow(rowOf(bucket, D.eventAction, action), value, unique, a === seenActions, custom);
      eventRow(rowOf(bucket, D.eventLabel, label), value, unique, l === seenLabels, custom);
      const entry = ledgerOf(w, LEDGER.event, c, a, l);
      note(entry, M.totalEvents, 1);
      note(entry, M.eventValue, value);
      note(entry, M.uniqueEvents, unique);
      noteCustom(entry, custom);
      break;
    }
    case 'transaction':
      d[M.transactions] = 1;
      d[M.transactionRevenue] = toMicros(hit.transaction.revenue);
      d[M.transactionTax] = toMicros(hit.transaction.tax);
      d[M.transactionShipping] = toMicros(hit.transaction.shipping);
      break;
    case 'item':
      productLine(w, bucket, d, hit.item, hit.item.quantity, toMicros(hit.item.price * hit.item.quantity), true, undefined);
      break;
    case 'social':
      d[M.socialInteractions] = 1;
      break;
    case 'exception':
      d[M.exceptions] = 1;
      break;
    default:
      break;
  }

  // ---- enhanced ecommerce (any hit type); a classic transaction hit is not counted twice
  const ecommerce = hit.ecommerce;
  if (ecommerce !== undefined && (ecommerce.action === 'purchase' || ecommerce.action === 'refund')) {
    const purchase = ecommerce.action === 'purchase';
    const transaction = ecommerce.transaction;
    if (purchase && hit.type !== 'transaction' && transaction !== undefined) {
      d[M.transactions] = 1;
      d[M.transactionRevenue] = toMicros(transaction.revenue);
      d[M.transactionTax] = toMicros(transaction.tax ?? 0);
      d[M.transactionShipping] = toMicros(transaction.shipping ?? 0);
    } else if (!purchase) {
      d[M.refunds] = 1;
      d[M.refundAmount] = toMicros(transaction?.revenue ?? 0);
    }
    for (const product of ecommerce.products) {
      const quantity = product.quantity ?? 1;
      const productCustom = customMicros(product.customMetrics);
      productLine(w, bucket, d, product, quantity, toMicros((product.price ?? 0) * quantity), purchase, productCustom);
      if (productCustom !== undefined) addCustomInto((custom ??= {}), productCustom);
    }
  }

  // ---- custom dimensions: session scope keeps the last value, hit scope reports the hit under its value
  const dimensions = hit.customDimensions;
  if (dimensions !== undefined) {
    for (const index in dimensions) {
      const value = dimensions[index]!;
      const treatment = property.customDimensions[index] ?? 'hit';
      const name = `cd${index}`;
      if (treatment === 'session') doc.cds[name] = value;
      else if (treatment === 'hit') {
        const row = customRowOf(bucket, name, value);
        addAt(row.metrics, d, OWN_HIT_POSITIONS);
        addCustomToRow(row, custom);
        const entry = ledgerOf(w, LEDGER.hitCd, Number(index), valueIndex(doc, name, value), 0);
        for (const i of OWN_HIT_POSITIONS) note(entry, i, d[i]!);
        noteCustom(entry, custom);
      }
    }
  }

  // ---- the session takes the hit's metrics; its dimension values get them at flush time
  for (let i = 0; i < METRIC_COUNT; i++) {
    const v = d[i]!;
    if (v !== 0) {
      doc.totals[i] = doc.totals[i]! + v;
      w.pending[i] = w.pending[i]! + v;
    }
  }
  if (custom !== undefined) {
    addCustomInto(doc.custom, custom);
    addCustomInto((w.pendingCustom ??= {}), custom);
  }
  const hour = localHour(time, property.timeZone);
  addAt(out.hourRow(doc.property, hour).metrics, d, HIT_POSITIONS);
  if (hour !== doc.hour) {
    // Another hour than the start hour's: noted (the start hour's share is what remains of the totals).
    const entry = ledgerOf(w, LEDGER.hour, hourNumber(hour) - hourNumber(doc.hour), 0, 0);
    for (const i of HIT_POSITIONS) note(entry, i, d[i]!);
  }
  if (d[M.sessions] !== 0 || d[M.bounces] !== 0 || d[M.sessionDuration] !== 0) addAt(out.hourRow(doc.property, doc.hour).metrics, d, SESSION_METRICS);

  doc.lastHitAt = time;
  doc.hits = session.hitIndex;
  doc.interactions = session.interactionIndex;

  // ---- users: one fact per session (so per day), upgraded when the session counts its new user
  const newUser = d[M.newUsers] === 1;
  if (doc.userDay === 0 || (newUser && doc.userDay !== 2)) {
    out.userDay(doc.property, doc.day, doc.client, newUser);
    doc.userDay = newUser ? 2 : 1;
  }

  if (time >= out.realtimeFrom) {
    out.realtime(doc.property, time, doc.client, or(state.lastPage?.path), doc.dims[D.sourceMedium] ?? NOT_SET, doc.dims[D.country] ?? NOT_SET, doc.dims[D.deviceCategory] ?? NOT_SET, hit.type === 'pageview' ? 1 : 0);
  }
  return w;
}

/** The positions where `v` is not 0. */
function nonZero(v: Vector): number[] {
  const positions: number[] = [];
  for (let i = 0; i < METRIC_COUNT; i++) if (v[i] !== 0) positions.push(i);
  return positions;
}

/**
 * Attributes the session's pending metrics to its dimension values (and to the
 * totals, dimension ''). A value that changed since the last flush (the exit page,
 * the landing page once known, a session-scoped cd) takes the session's whole
 * metrics from the old value. Flushing after every event or once per batch gives the
 * same rollups.
 */
export function flushSession(work: SessionWork, out: AnalyticsOutput): void {
  const { doc, pending, attributed } = work;
  const pendingCustom = hasCustom(work.pendingCustom) ? work.pendingCustom : undefined;
  const moving = nonZero(pending);
  if (moving.length === 0 && pendingCustom === undefined && sameValues(doc, work)) return;
  const bucket = out.bucket(doc.property, doc.day);
  const sessionMoving = moving.filter((i) => SESSION_METRICS.includes(i));
  // What was attributed before this flush: it moves whole when a value changed.
  let flushed: Vector | undefined;
  let flushedCustom: CustomVector | undefined;
  const before = (): Vector => {
    if (flushed === undefined) {
      flushed = doc.totals.slice();
      addAt(flushed, pending, moving, -1);
      flushedCustom = { ...doc.custom };
      if (pendingCustom !== undefined) addCustomInto(flushedCustom, pendingCustom, -1);
    }
    return flushed;
  };

  addAt(bucket.total.metrics, pending, moving);
  addCustomToRow(bucket.total, pendingCustom);
  for (let id = 0; id < SESSION_VALUE_COUNT; id++) {
    const value = doc.dims[id]!;
    const old = attributed[id];
    // Page dimensions carry only the session metrics of the sessions landing on the value.
    const landing = id >= FIRST_LANDING_DIMENSION;
    if (old === value) {
      if (value === null) continue;
      const row = rowOf(bucket, id, value);
      addAt(row.metrics, pending, landing ? sessionMoving : moving);
      if (!landing) addCustomToRow(row, pendingCustom);
      continue;
    }
    const positions = landing ? SESSION_METRICS : ALL_POSITIONS;
    if (old !== null && old !== undefined) {
      const row = rowOf(bucket, id, old);
      addAt(row.metrics, before(), positions, -1);
      if (!landing) addCustomToRow(row, flushedCustom, -1);
    }
    if (value !== null) {
      const row = rowOf(bucket, id, value);
      addAt(row.metrics, doc.totals, positions);
      if (!landing) addCustomToRow(row, doc.custom);
    }
    attributed[id] = value;
  }
  for (const name in doc.cds) {
    const value = doc.cds[name]!;
    const old = work.attributedCds[name];
    if (old === value) {
      const row = customRowOf(bucket, name, value);
      addAt(row.metrics, pending, moving);
      addCustomToRow(row, pendingCustom);
      continue;
    }
    if (old !== undefined) {
      const row = customRowOf(bucket, name, old);
      addAt(row.metrics, before(), ALL_POSITIONS, -1);
      addCustomToRow(row, flushedCustom, -1);
    }
    const row = customRowOf(bucket, name, value);
    addAt(row.metrics, doc.totals, ALL_POSITIONS);
    addCustomToRow(row, doc.custom);
    work.attributedCds[name] = value;
  }
  pending.fill(0);
  work.pendingCustom = undefined;
}

/** row += sign × a ledger entry's amounts. */
function addAmounts(row: RollupRow, entry: LedgerEntry, sign: number): void {
  for (let k = LEDGER_HEAD; k < entry.length; k += 2) {
    const key = entry[k]!;
    const n = sign * entry[k + 1]!;
    if (key < LEDGER_CUSTOM_BASE) inc(row, key, n);
    else {
      const custom = (row.custom ??= {});
      const name = `cm${key - LEDGER_CUSTOM_BASE}`;
      custom[name] = (custom[name] ?? 0) + n;
    }
  }
}

/** The value at `position` among the session's values of a hit dimension (the ledger refers to it). */
function valueAt(doc: SessionDoc, dimension: string, position: number | undefined): string {
  const value = position === undefined ? undefined : doc.hitValues[dimension]?.[position];
  if (value === undefined) throw new Error(`session ${doc.id}: its ledger names value ${String(position)} of ${dimension}, which the session does not have`);
  return value;
}

const LEDGER_DIMENSIONS: Readonly<Record<number, readonly [number, number, number]>> = {
  [LEDGER.page]: [D.pagePath, D.pageTitle, D.hostname],
  [LEDGER.event]: [D.eventCategory, D.eventAction, D.eventLabel],
  [LEDGER.product]: [D.productName, D.productSku, D.productCategory],
};

/**
 * Takes a session out of the rollups (a GDPR erasure): writes into `out` the opposite
 * of everything the session added. The document must be flushed (`flushSession`), so
 * its rows are those of its current values: the totals, every session dimension value
 * and session-scoped cd<N> hold its totals, the landing page values its session
 * metrics, the start hour its totals less the other hours' share; the ledger holds the
 * rest, and each event dimension value in `hitValues` had one session with event.
 */
export function eraseSession(doc: SessionDoc, out: AnalyticsOutput): void {
  const bucket = out.bucket(doc.property, doc.day);
  addAt(bucket.total.metrics, doc.totals, ALL_POSITIONS, -1);
  addCustomToRow(bucket.total, doc.custom, -1);
  for (let id = 0; id < SESSION_VALUE_COUNT; id++) {
    const value = doc.dims[id];
    if (value === null || value === undefined) continue;
    const row = rowOf(bucket, id, value);
    if (id >= FIRST_LANDING_DIMENSION) addAt(row.metrics, doc.totals, SESSION_METRICS, -1);
    else {
      addAt(row.metrics, doc.totals, ALL_POSITIONS, -1);
      addCustomToRow(row, doc.custom, -1);
    }
  }
  for (const name in doc.cds) {
    const row = customRowOf(bucket, name, doc.cds[name]!);
    addAt(row.metrics, doc.totals, ALL_POSITIONS, -1);
    addCustomToRow(row, doc.custom, -1);
  }
  const start = out.hourRow(doc.property, doc.hour);
  addAt(start.metrics, doc.totals, ALL_POSITIONS, -1);
  for (const entry of doc.ledger) {
    const kind = entry[0]!;
    if (kind === LEDGER.hour) {
      addAmounts(out.hourRow(doc.property, hourLabel(hourNumber(doc.hour) + entry[1]!)), entry, -1);
      addAmounts(start, entry, 1);
    } else if (kind === LEDGER.hitCd) {
      const name = `cd${entry[1]!}`;
      addAmounts(customRowOf(bucket, name, valueAt(doc, name, entry[2])), entry, -1);
    } else {
      const dims = LEDGER_DIMENSIONS[kind];
      if (dims === undefined) throw new Error(`session ${doc.id}: unknown ledger entry kind ${kind}`);
      for (let k = 0; k < 3; k++) addAmounts(rowOf(bucket, dims[k]!, valueAt(doc, STANDARD_DIMENSIONS[dims[k]!]!, entry[k + 1])), entry, -1);
    }
  }
  for (const id of [D.eventCategory, D.eventAction, D.eventLabel]) {
    for (const value of doc.hitValues[STANDARD_DIMENSIONS[id]!] ?? []) inc(rowOf(bucket, id, value), M.sessionsWithEvent, -1);
  }
}

function sameValues(doc: SessionDoc, work: SessionWork): boolean {
  for (let id = 0; id < SESSION_VALUE_COUNT; id++) if (doc.dims[id] !== work.attributed[id]) return false;
  for (const name in doc.cds) if (doc.cds[name] !== work.attributedCds[name]) return false;
  return true;
}

/** The session dimension values of a document by name (for reading). */
export function sessionDimensionsOf(doc: SessionDoc): Record<string, string> {
  const out: Record<string, string> = {};
  SESSION_DIMENSIONS.forEach((name, id) => (out[name] = doc.dims[id] ?? NOT_SET));
  for (const name in doc.cds) out[name] = doc.cds[name]!;
  return out;
}
