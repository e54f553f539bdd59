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

import type { RecordedClientEvent, TrafficSourceData, PageViewRef } from '../../domain/client/events.ts';
import { defaultChannelGrouping } from '../../domain/traffic-source/index.ts';
import { NOT_SET, PAGE_DIMENSIONS } from './dimensions.ts';
import { localHour } from './local-time.ts';
import {
  addCustomInto,
  addInto,
  hasCustom,
  isZero,
  M,
  METRIC_COUNT,
  SESSION_METRICS,
  toMicros,
  zeroVector,
  type CustomVector,
  type Vector,
} from './metrics.ts';
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
  /** Session dimension values (SESSION_DIMENSIONS, the landing page's pagePath/pageTitle/hostname, session-scoped cd<N>). */
  dims: Record<string, string>;
  /** The session's metrics (stored units, metrics.ts), custom metrics by name. */
  totals: Vector;
  custom: CustomVector;
  /** Path + title pairs viewed (Unique Pageviews) and category/action/label combinations seen (Unique Events). */
  pages: string[];
  events: string[];
  /** The values each hit dimension took in the session (users per hit dimension; sessions with event per value). */
  hitValues: Record<string, string[]>;
  /** The user-day fact already written for this session: 0 none, 1 returning, 2 new. */
  userDay: 0 | 1 | 2;
}

/** A session being worked on in a batch: the document plus what has not been attributed to session dimensions yet. */
export interface SessionWork {
  doc: SessionDoc;
  /** The dimension values the already-attributed part of `totals` sits under. */
  attributed: Record<string, string>;
  pending: Vector;
  pendingCustom: CustomVector;
}

export interface RealtimeFact {
  property: string;
  time: number;
  client: string;
  page: string;
  source: string;
  country: string;
  device: string;
}

/** Where the model writes its increments (the batch accumulator, or a test double). */
export interface AnalyticsOutput {
  /** rollup(property, day, dimension, value) += sign × vector (only `positions` when given), and sign × custom. */
  daily(property: string, day: string, dimension: string, value: string, vector: Vector, sign: number, positions?: readonly number[], custom?: CustomVector): void;
  hourly(property: string, hour: string, vector: Vector, positions: readonly number[]): void;
  /** The client had a processed hit on that day; `newUser`: a new user was counted for it that day. */
  userDay(property: string, day: string, client: string, newUser: boolean): void;
  realtime(fact: RealtimeFact): void;
}

export interface ModelContext {
  property(id: string): PropertyInfo;
  device(userAgent: string): DeviceInfo;
}

/** The data of any `*Recorded.v1` client event. */
export type RecordedData = RecordedClientEvent['data'];

/** Metric positions that are not session metrics (hourly: by the hit's hour). */
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
const PAGE_DIMENSION_SET: ReadonlySet<string> = new Set(PAGE_DIMENSIONS);

/** v[i] += n (vectors are dense, so the entry exists). */
const inc = (v: Vector, i: number, n: number): void => {
  v[i] = v[i]! + n;
};

const clientKeyOfSession = (sessionId: string): string => sessionId.slice(0, sessionId.lastIndexOf(':'));
const or = (value: string | undefined): string => (value === undefined || value === '' ? NOT_SET : value);

/** The property a client event belongs to: its `tid` as sent. */
export function propertyOfEvent(data: RecordedData): string {
  const tid = data.params['tid'];
  if (typeof tid !== 'string' || tid === '') throw new Error('params.tid: required on a client event (the property it belongs to)');
  return tid;
}

function sourceDimensions(source: TrafficSourceData, property: PropertyInfo): Record<string, string> {
  return {
    channel: defaultChannelGrouping(source, property),
    source: source.source,
    medium: source.medium,
    sourceMedium: `${source.source} / ${source.medium}`,
    campaign: source.campaign,
    keyword: source.keyword,
    adContent: source.adContent,
    referralPath: source.referralPath,
  };
}

/** A new session document from the session's first event seen (normally its first hit). */
export function openSession(data: RecordedData, context: ModelContext): SessionWork {
  const { hit, session, state } = data;
  const property = context.property(propertyOfEvent(data));
  const device = context.device(hit.device.userAgent);
  const dims: Record<string, string> = {
    ...sourceDimensions(session.source, property),
    landingPage: NOT_SET,
    exitPage: NOT_SET,
    country: or(hit.geo.country),
    region: or(hit.geo.region),
    city: or(hit.geo.city),
    continent: or(hit.geo.continent),
    language: or(hit.device.language),
    deviceCategory: device.deviceCategory,
    browser: device.browser,
    browserVersion: device.browserVersion,
    os: device.os,
    osVersion: device.osVersion,
    screenResolution: or(hit.device.screenResolution),
    userType: session.isNewUser ? 'New Visitor' : 'Returning Visitor',
  };
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
    totals: zeroVector(),
    custom: {},
    pages: [],
    events: [],
    hitValues: {},
    userDay: 0,
  };
  // Nothing of a new session is attributed yet.
  return { doc, attributed: {}, pending: zeroVector(), pendingCustom: {} };
}

/** A loaded document, ready for more events: everything in its totals is attributed under its dimension values. */
export const resumeSession = (doc: SessionDoc): SessionWork => ({ doc, attributed: { ...doc.dims }, pending: zeroVector(), pendingCustom: {} });

/** Adds `value` to the session's set of values of a hit dimension; true when it is new there. */
function firstValue(doc: SessionDoc, dimension: string, value: string): boolean {
  const values = (doc.hitValues[dimension] ??= []);
  if (values.includes(value)) return false;
  values.push(value);
  return true;
}

function customMicros(values: Record<string, number> | undefined): CustomVector | undefined {
  if (values === undefined) return undefined;
  let out: CustomVector | undefined;
  for (const index in values) {
    const v = toMicros(values[index]!);
    if (v !== 0) (out ??= {})[`cm${index}`] = v;
  }
  return out;
}

interface ProductLine {
  name?: string;
  sku?: string;
  category?: string;
  vector: Vector;
  custom?: CustomVector;
}

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
  const day = doc.day;
  const time = hit.time;
  const d = zeroVector();
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
  const prev = session.previousPage;
  let prevVector: Vector | undefined;
  if (prev !== undefined && (isPage || hit.interaction)) {
    const spent = time - Math.max(prev.time, session.previousInteractionAt ?? prev.time);
    if (spent !== 0) {
      prevVector = zeroVector();
      prevVector[M.timeOnPage] = spent;
      inc(d, M.timeOnPage, spent);
    }
  }
  if (isPage) {
    const path = or(hit.page.path);
    const title = or(hit.page.title);
    const hostname = or(hit.page.hostname);
    const pageVector = zeroVector();
    pageVector[hit.type === 'pageview' ? M.pageviews : M.screenviews] = 1;
    if (hit.type === 'pageview') {
      const key = `${path}\u0000${title}`;
      if (!doc.pages.includes(key)) {
        doc.pages.push(key);
        pageVector[M.uniquePageviews] = 1;
      }
    }
    if (session.isEntrance) {
      pageVector[M.entrances] = 1;
      doc.dims['landingPage'] = path;
      doc.dims['pagePath'] = path;
      doc.dims['pageTitle'] = title;
      doc.dims['hostname'] = hostname;
    }
    pageVector[M.exits] = 1;
    if (prev !== undefined) {
      prevVector ??= zeroVector();
      inc(prevVector, M.exits, -1);
    }
    doc.dims['exitPage'] = path;
    addInto(d, pageVector);
    if (prev !== undefined) inc(d, M.exits, -1);
    out.daily(doc.property, day, 'pagePath', path, pageVector, 1, undefined, custom);
    out.daily(doc.property, day, 'pageTitle', title, pageVector, 1, undefined, custom);
    out.daily(doc.property, day, 'hostname', hostname, pageVector, 1, undefined, custom);
    firstValue(doc, 'pagePath', path);
    firstValue(doc, 'pageTitle', title);
    firstValue(doc, 'hostname', hostname);
  }
  if (prevVector !== undefined && prev !== undefined) addToPage(out, doc, prev, prevVector);

  // ---- hit-type specific
  let products: ProductLine[] | undefined;
  switch (hit.type) {
    case 'event': {
      const category = or(hit.event.category);
      const action = or(hit.event.action);
      const label = or(hit.event.label);
      const eventVector = zeroVector();
      eventVector[M.totalEvents] = 1;
      eventVector[M.eventValue] = toMicros(hit.event.value ?? 0);
      const key = `${category}\u0000${action}\u0000${label}`;
      if (!doc.events.includes(key)) {
        if (doc.events.length === 0) d[M.sessionsWithEvent] = 1;
        doc.events.push(key);
        eventVector[M.uniqueEvents] = 1;
      }
      addInto(d, eventVector);
      for (const [dimension, value] of [
        ['eventCategory', category],
        ['eventAction', action],
        ['eventLabel', label],
      ] as const) {
        eventVector[M.sessionsWithEvent] = firstValue(doc, dimension, value) ? 1 : 0;
        out.daily(doc.property, day, dimension, value, eventVector, 1, undefined, custom);
      }
      break;
    }
    case 'transaction':
      d[M.transactions] = 1;
      d[M.transactionRevenue] = toMicros(hit.transaction.revenue);
      d[M.transactionTax] = toMicros(hit.transaction.tax);
      d[M.transactionShipping] = toMicros(hit.transaction.shipping);
      break;
    case 'item': {
      const vector = zeroVector();
      vector[M.itemQuantity] = hit.item.quantity;
      vector[M.itemRevenue] = toMicros(hit.item.price * hit.item.quantity);
      vector[M.uniquePurchases] = 1;
      products = [{ name: hit.item.name, sku: hit.item.sku, category: hit.item.category, vector }];
      break;
    }
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
      inc(d, M.transactions, 1);
      inc(d, M.transactionRevenue, toMicros(transaction.revenue));
      inc(d, M.transactionTax, toMicros(transaction.tax ?? 0));
      inc(d, M.transactionShipping, toMicros(transaction.shipping ?? 0));
    } else if (!purchase) {
      inc(d, M.refunds, 1);
      inc(d, M.refundAmount, toMicros(transaction?.revenue ?? 0));
    }
    for (const product of ecommerce.products) {
      const quantity = product.quantity ?? 1;
      const vector = zeroVector();
      if (purchase) {
        vector[M.itemQuantity] = quantity;
        vector[M.itemRevenue] = toMicros((product.price ?? 0) * quantity);
        vector[M.uniquePurchases] = 1;
      } else vector[M.quantityRefunded] = quantity;
      (products ??= []).push({ name: product.name, sku: product.sku, category: product.category, vector, custom: customMicros(product.customMetrics) });
    }
  }
  if (products !== undefined) {
    for (const product of products) {
      addInto(d, product.vector);
      if (product.custom !== undefined) addCustomInto((custom ??= {}), product.custom);
      out.daily(doc.property, day, 'productName', or(product.name), product.vector, 1, undefined, product.custom);
      out.daily(doc.property, day, 'productSku', or(product.sku), product.vector, 1, undefined, product.custom);
      out.daily(doc.property, day, 'productCategory', or(product.category), product.vector, 1, undefined, product.custom);
      firstValue(doc, 'productName', or(product.name));
      firstValue(doc, 'productSku', or(product.sku));
      firstValue(doc, 'productCategory', or(product.category));
    }
  }

  // ---- custom dimensions: session scope keeps the last value, hit scope reports the hit under its value
  const dimensions = hit.customDimensions;
  if (dimensions !== undefined) {
    for (const index in dimensions) {
      const value = dimensions[index]!;
      const treatment = property.customDimensions[index] ?? 'hit';
      if (treatment === 'session') doc.dims[`cd${index}`] = value;
      else if (treatment === 'hit') {
        out.daily(doc.property, day, `cd${index}`, value, d, 1, OWN_HIT_POSITIONS, custom);
        firstValue(doc, `cd${index}`, value);
      }
    }
  }

  // ---- the session takes the hit's metrics; session dimensions get them at flush time
  addInto(doc.totals, d);
  addInto(w.pending, d);
  if (custom !== undefined) {
    addCustomInto(doc.custom, custom);
    addCustomInto(w.pendingCustom, custom);
  }
  out.hourly(doc.property, localHour(time, property.timeZone), d, HIT_POSITIONS);
  if (d[M.sessions] !== 0 || d[M.newUsers] !== 0 || d[M.bounces] !== 0 || d[M.sessionDuration] !== 0) out.hourly(doc.property, doc.hour, d, SESSION_METRICS);

  doc.lastHitAt = time;
  doc.hits = session.hitIndex;
  doc.interactions = session.interactionIndex;

  // ---- users: one fact per session and day, upgraded when the session counts its new user
  const newUser = d[M.newUsers] === 1;
  if (doc.userDay === 0 || (newUser && doc.userDay !== 2)) {
    out.userDay(doc.property, day, doc.client, newUser);
    doc.userDay = newUser ? 2 : 1;
  }

  out.realtime({
    property: doc.property,
    time,
    client: doc.client,
    page: or(state.lastPage?.path),
    source: doc.dims['sourceMedium'] ?? NOT_SET,
    country: doc.dims['country'] ?? NOT_SET,
    device: doc.dims['deviceCategory'] ?? NOT_SET,
  });
  return w;
}

function addToPage(out: AnalyticsOutput, doc: SessionDoc, page: PageViewRef, vector: Vector): void {
  out.daily(doc.property, doc.day, 'pagePath', or(page.path), vector, 1);
  out.daily(doc.property, doc.day, 'pageTitle', or(page.title), vector, 1);
  out.daily(doc.property, doc.day, 'hostname', or(page.hostname), vector, 1);
}

/**
 * Attributes the session's pending metrics to its dimension values (and to the
 * total, dimension ''). A dimension whose value changed since the last flush moves
 * the already-attributed part of the session from the old value to the new one.
 * Flushing after every event or once per batch gives the same rollups.
 */
export function flushSession(work: SessionWork, out: AnalyticsOutput): void {
  const { doc, pending, pendingCustom, attributed } = work;
  const custom = hasCustom(pendingCustom) ? pendingCustom : undefined;
  const anyPending = custom !== undefined || !isZero(pending);
  if (anyPending) out.daily(doc.property, doc.day, '', '', pending, 1, undefined, custom);
  let flushed: Vector | undefined;
  let flushedCustom: CustomVector | undefined;
  for (const dimension in doc.dims) {
    const value = doc.dims[dimension]!;
    const before = attributed[dimension];
    // Page dimensions carry only the session metrics of the sessions landing on the value.
    const positions = PAGE_DIMENSION_SET.has(dimension) ? SESSION_METRICS : undefined;
    const withCustom = positions === undefined;
    if (before === value) {
      if (anyPending) out.daily(doc.property, doc.day, dimension, value, pending, 1, positions, withCustom ? custom : undefined);
      continue;
    }
    if (before !== undefined) {
      if (flushed === undefined) {
        flushed = doc.totals.slice();
        addInto(flushed, pending, -1);
        flushedCustom = { ...doc.custom };
        addCustomInto(flushedCustom, pendingCustom, -1);
      }
      out.daily(doc.property, doc.day, dimension, before, flushed, -1, positions, withCustom && hasCustom(flushedCustom) ? flushedCustom : undefined);
    }
    out.daily(doc.property, doc.day, dimension, value, doc.totals, 1, positions, withCustom && hasCustom(doc.custom) ? doc.custom : undefined);
  }
  work.attributed = { ...doc.dims };
  work.pending = zeroVector();
  work.pendingCustom = {};
}
