// A session's hits as "facts": the pieces of metrics the analytics model attributes to
// hit-level dimension values, each with the values it is attributed to and the local
// hour it counts in. The stats query builds these from the raw history when a question
// needs hit-level detail the session documents do not keep (page views per page and
// country, events per category and browser, anything by hour with hit metrics, ...).
//
// The session is replayed through the analytics model itself (applyClientEvent and a
// flush after every event, which the model documents as equivalent to its batches): that
// gives the rebuilt session document (its dimension values, totals and landing page),
// each hit's metric vector split by hour as the hourly rollups split it (hit metrics in
// the hit's hour, session metrics in the session's start hour), and each hit's rows under
// hit-scoped custom dimensions. Page, event, product and transaction facts follow the
// model's rules for those rollups (projections/analytics/README.md), per value tuple:
//
// - page: each page/screen view (pageviews or screenviews 1, uniquePageviews for the first
//   path + title of the session, entrances, exits +1) under its path/title/hostname; the
//   time on page and the exit it hands over (−1) under the previous view's; the session
//   metrics (sessions, newUsers, bounces, sessionDuration) under the landing values.
// - event: each event hit (totalEvents, eventValue, uniqueEvents for the first category/
//   action/label of the session; sessionsWithEvent on the session's first event with the
//   same values of the event dimensions asked for).
// - product: each product line (classic item hits, EE purchase and refund products).
// - transaction: classic transactions, EE purchases and refunds, and their items.
// - cd: the hit's own counts under its hit-scoped custom dimension values.
// - whole: the whole hit (no hit dimension asked for), by hour.
// `user` marks the facts whose client counts as a user of the row (a hit had the value).
import { createBatchAccumulator } from '../../../projections/analytics/batch.ts';
import { localHour } from '../../../projections/analytics/local-time.ts';
import { M, SESSION_METRICS, toMicros } from '../../../projections/analytics/metrics.ts';
import { applyClientEvent, flushSession, type ModelContext, type RecordedData, type SessionDoc, type SessionWork } from '../../../projections/analytics/model.ts';
import { D, NOT_SET } from '../../../projections/analytics/dimensions.ts';
import type { HitFamily } from './catalog.ts';

export type FactFamily = HitFamily | 'whole';

export interface Fact {
  family: FactFamily;
  /** 'YYYY-MM-DDTHH' in the property's time zone. */
  hour: string;
  /** The hit-level dimension values of the fact (model names). */
  values: Record<string, string> | undefined;
  /** Sparse metric vector: [position, amount, position, amount, ...] in stored units. */
  metrics: number[];
  /** cm<N> in millionths. */
  custom: Record<string, number> | undefined;
  /** The session's client counts as a user of the fact's row. */
  user: boolean;
}

export interface SessionFacts {
  /** The session document rebuilt from its hits. */
  doc: SessionDoc;
  facts: Fact[];
}

const or = (value: string | undefined): string => (value === undefined || value === '' ? NOT_SET : value);

function customMicros(values: Record<string, number> | undefined): Record<string, number> | undefined {
  if (values === undefined) return undefined;
  let out: Record<string, number> | undefined;
  for (const index in values) {
    const v = toMicros(values[index]!);
    if (v !== 0) (out ??= {})[`cm${index}`] = v;
  }
  return out;
}

function sparse(vector: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < vector.length; i++) if (vector[i] !== 0) out.push(i, vector[i]!);
  return out;
}

const hasAny = (custom: Record<string, number> | undefined): custom is Record<string, number> => custom !== undefined && Object.values(custom).some((v) => v !== 0);

export interface FactOptions {
  families: ReadonlySet<HitFamily>;
  /** The event dimensions the query names (sessionsWithEvent is per distinct tuple of them). */
  eventDimensions: readonly string[];
}

/**
 * The facts of one session from its recorded events, in order. Undefined when the events
 * do not start at the session's first hit (the start was removed by retention or erasure):
 * a partial replay would give wrong numbers.
 */
export function sessionFacts(events: readonly RecordedData[], context: ModelContext, options: FactOptions): SessionFacts | undefined {
  const first = events[0];
  if (first === undefined || first.session.hitIndex !== 1) return undefined;
  const { families } = options;
  const whole = families.size === 0;
  const facts: Fact[] = [];
  const push = (family: FactFamily, hour: string, values: Record<string, string> | undefined, metrics: number[], custom: Record<string, number> | undefined, user: boolean): void => {
    facts.push({ family, hour, values, metrics, custom: hasAny(custom) ? custom : undefined, user });
  };
  const tz = context.property(String(first.params['tid'])).timeZone;
  const uniquePages = new Set<string>();
  const uniqueEvents = new Set<string>();
  const eventTuples = new Set<string>();
  let work: SessionWork | undefined;

  for (const data of events) {
    const { hit, session } = data;
    const hour = localHour(hit.time, tz);
    // The model's own increments for this hit.
    const out = createBatchAccumulator(Number.POSITIVE_INFINITY);
    work = applyClientEvent(work, data, context, out);
    flushSession(work, out);
    const bucket = out.bucket(work.doc.property, work.doc.day);

    if (whole) {
      for (const row of out.hourlyRows.values()) push('whole', row.period, undefined, sparse(row.metrics), undefined, false);
      if (hasAny(bucket.total.custom)) push('whole', hour, undefined, [], bucket.total.custom, false);
    }

    if (families.has('cd')) {
      // Every hit-scoped cd row of this hit holds the same own counts of the hit.
      const treatments = context.property(work.doc.property).customDimensions;
      const values: Record<string, string> = {};
      let own: { metrics: number[]; custom: Record<string, number> | undefined } | undefined;
      for (const [name, rows] of bucket.custom) {
        if ((treatments[name.slice(2)] ?? 'hit') !== 'hit') continue;
        for (const row of rows.values()) {
          values[name] = row.value;
          own ??= { metrics: sparse(row.metrics), custom: row.custom };
        }
      }
      if (own !== undefined) push('cd', hour, values, own.metrics, own.custom ? { ...own.custom } : undefined, true);
    }

    const isPage = hit.type === 'pageview' || hit.type === 'screenview';
    const hitCustom = customMicros(hit.customMetrics);
    if (families.has('page')) {
      const prev = session.previousPage;
      const spent = prev !== undefined && (isPage || hit.interaction) ? hit.time - Math.max(prev.time, session.previousInteractionAt ?? prev.time) : 0;
      if (prev !== undefined && (spent !== 0 || isPage)) {
        push('page', hour, { pagePath: or(prev.path), pageTitle: or(prev.title), hostname: or(prev.hostname) }, [M.timeOnPage, spent, M.exits, isPage ? -1 : 0], undefined, false);
      }
      if (isPage) {
        const path = or(hit.page.path);
        const title = or(hit.page.title);
        let unique = 0;
        if (hit.type === 'pageview') {
          const key = `${path}\u0001${title}`;
          if (!uniquePages.has(key)) {
            uniquePages.add(key);
            unique = 1;
          }
        }
        const view = hit.type === 'pageview' ? M.pageviews : M.screenviews;
        push('page', hour, { pagePath: path, pageTitle: title, hostname: or(hit.page.hostname) }, [view, 1, M.uniquePageviews, unique, M.entrances, session.isEntrance ? 1 : 0, M.exits, 1], hitCustom, true);
      }
    }

    if (families.has('event') && hit.type === 'event') {
      const values = { eventCategory: or(hit.event.category), eventAction: or(hit.event.action), eventLabel: or(hit.event.label) };
      const combo = `${values.eventCategory}\u0001${values.eventAction}\u0001${values.eventLabel}`;
      const unique = uniqueEvents.has(combo) ? 0 : 1;
      uniqueEvents.add(combo);
      const tuple = options.eventDimensions.map((d) => values[d as keyof typeof values]).join('\u0001');
      const firstOfTuple = eventTuples.has(tuple) ? 0 : 1;
      eventTuples.add(tuple);
      push('event', hour, values, [M.totalEvents, 1, M.eventValue, toMicros(hit.event.value ?? 0), M.uniqueEvents, unique, M.sessionsWithEvent, firstOfTuple], hitCustom, true);
    }

    const wantProducts = families.has('product');
    const wantTransactions = families.has('transaction');
    if (wantProducts || wantTransactions) {
      const product = (line: { name?: string | undefined; sku?: string | undefined; category?: string | undefined }, transactionId: string | undefined, quantity: number, revenue: number, purchase: boolean, custom: Record<string, number> | undefined): void => {
        const metrics = purchase ? [M.itemQuantity, quantity, M.itemRevenue, revenue, M.uniquePurchases, 1] : [M.quantityRefunded, quantity];
        if (wantProducts) push('product', hour, { productName: or(line.name), productSku: or(line.sku), productCategory: or(line.category) }, metrics, custom, true);
        if (wantTransactions) push('transaction', hour, { transactionId: or(transactionId) }, metrics, custom, true);
      };
      if (hit.type === 'transaction' && wantTransactions) {
        const t = hit.transaction;
        push('transaction', hour, { transactionId: or(t.id) }, [M.transactions, 1, M.transactionRevenue, toMicros(t.revenue), M.transactionTax, toMicros(t.tax), M.transactionShipping, toMicros(t.shipping)], undefined, true);
      }
      if (hit.type === 'item') product(hit.item, hit.item.transactionId, hit.item.quantity, toMicros(hit.item.price * hit.item.quantity), true, undefined);
      const ecommerce = hit.ecommerce;
      if (ecommerce !== undefined && (ecommerce.action === 'purchase' || ecommerce.action === 'refund')) {
        const purchase = ecommerce.action === 'purchase';
        const transaction = ecommerce.transaction;
        if (wantTransactions) {
          if (purchase && hit.type !== 'transaction' && transaction !== undefined) {
            push('transaction', hour, { transactionId: or(transaction.id) }, [M.transactions, 1, M.transactionRevenue, toMicros(transaction.revenue), M.transactionTax, toMicros(transaction.tax ?? 0), M.transactionShipping, toMicros(transaction.shipping ?? 0)], undefined, true);
          } else if (!purchase) {
            push('transaction', hour, { transactionId: or(transaction?.id) }, [M.refunds, 1, M.refundAmount, toMicros(transaction?.revenue ?? 0)], undefined, true);
          }
        }
        for (const line of ecommerce.products) {
          const quantity = line.quantity ?? 1;
          product(line, transaction?.id, quantity, toMicros((line.price ?? 0) * quantity), purchase, customMicros(line.customMetrics));
        }
      }
    }
  }

  const doc = work!.doc;
  if (whole) push('whole', doc.hour, undefined, [], undefined, true);
  if (families.has('page') && doc.dims[D.pagePath] !== null) {
    // Page dimensions carry the session metrics of the sessions landing on the value.
    const metrics: number[] = [];
    for (const i of SESSION_METRICS) if (doc.totals[i] !== 0) metrics.push(i, doc.totals[i]!);
    push('page', doc.hour, { pagePath: doc.dims[D.pagePath]!, pageTitle: doc.dims[D.pageTitle] ?? NOT_SET, hostname: doc.dims[D.hostname] ?? NOT_SET }, metrics, undefined, false);
  }
  return { doc, facts };
}
