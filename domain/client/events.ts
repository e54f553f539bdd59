// The events of the client aggregate: exactly one per hit. Every `*Recorded.v1`
// event carries the hit's own facts (`hit`), the session it belongs to after the
// decision (`session`), the rest of the post-decision client state (`state`, so the
// last event alone restores the aggregate) and the validated parameters as sent
// (`params`, so a projection written later can read a field not lifted out here).
// A hit that is not processed becomes `HitDiscarded.v1`. Optional fields are
// absent when the hit did not carry them; projections write '(not set)'.
// docs/events.md documents each type with an example.

import { z } from 'zod';

// ---- shared pieces -------------------------------------------------------

export const trafficSourceSchema = z.object({
  kind: z.enum(['auto-tagged', 'campaign', 'organic', 'referral', 'direct']),
  source: z.string(),
  medium: z.string(),
  campaign: z.string(),
  keyword: z.string(),
  adContent: z.string(),
  campaignId: z.string(),
  referralPath: z.string(),
  gclid: z.string().optional(),
  dclid: z.string().optional(),
  adNetwork: z.string().optional(), // Ads network of the click, for the channel grouping
});

export const campaignMemorySchema = z.object({ source: trafficSourceSchema, lastUsedAt: z.number() });

const geoSchema = z.object({
  country: z.string(),
  region: z.string(),
  city: z.string(),
  continent: z.string(),
  latitude: z.number().optional(),
  longitude: z.number().optional(),
});

const paramsSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));
const indexedTexts = z.record(z.string(), z.string());
const indexedNumbers = z.record(z.string(), z.number());
const epochMs = z.number();
const count = z.number().int().nonnegative();

/** The page or screen a hit was sent from (see ga-processing.md §2 "Page dimensions derived from a hit"). */
export const pageSchema = z.object({
  hostname: z.string().optional(), // dh, else the host of dl
  path: z.string().optional(), // dp, else path + query of dl (no #fragment)
  title: z.string().optional(), // dt
  location: z.string().optional(), // dl as sent
  screenName: z.string().optional(), // cd
  contentGroups: indexedTexts.optional(), // cg1..cg5, by index
  linkId: z.string().optional(), // linkid
});

/** A page or screen view that ended up in the session: enough to close its time on page. */
export const pageViewRefSchema = z.object({
  hitType: z.enum(['pageview', 'screenview']),
  hostname: z.string().optional(),
  path: z.string().optional(),
  title: z.string().optional(),
  screenName: z.string().optional(),
  time: epochMs,
});

const deviceSchema = z.object({
  userAgent: z.string(), // raw: projections parse it, so a replay with a newer parser gives newer answers
  language: z.string().optional(), // ul
  screenResolution: z.string().optional(), // sr
  viewportSize: z.string().optional(), // vp
  documentEncoding: z.string().optional(), // de
  screenColors: z.string().optional(), // sd
  javaEnabled: z.boolean().optional(), // je
  flashVersion: z.string().optional(), // fl
});

const appSchema = z.object({
  name: z.string().optional(), // an
  id: z.string().optional(), // aid
  version: z.string().optional(), // av
  installerId: z.string().optional(), // aiid
});

export const PRODUCT_ACTIONS = ['detail', 'click', 'add', 'remove', 'checkout', 'checkout_option', 'purchase', 'refund'] as const;

const productSchema = z.object({
  index: z.number().int().positive(), // N of pr<N>
  sku: z.string().optional(), // pr<N>id
  name: z.string().optional(), // nm
  brand: z.string().optional(), // br
  category: z.string().optional(), // ca
  variant: z.string().optional(), // va
  price: z.number().optional(), // pr (unit)
  quantity: z.number().optional(), // qt
  couponCode: z.string().optional(), // cc
  position: z.number().optional(), // ps
  customDimensions: indexedTexts.optional(), // cd<M>
  customMetrics: indexedNumbers.optional(), // cm<M>
});

const impressionSchema = productSchema.omit({ quantity: true, couponCode: true });

const impressionListSchema = z.object({
  index: z.number().int().positive(), // L of il<L>
  name: z.string().optional(), // il<L>nm
  products: z.array(impressionSchema),
});

const promotionSchema = z.object({
  index: z.number().int().positive(),
  id: z.string().optional(),
  name: z.string().optional(),
  creative: z.string().optional(),
  position: z.string().optional(),
});

/** Purchase / refund totals of an enhanced-ecommerce hit. */
const eeTransactionSchema = z.object({
  id: z.string().optional(), // ti
  affiliation: z.string().optional(), // ta
  /** `tr` as sent; when absent, Σ price × quantity of the hit's products (`revenueComputed`). */
  revenue: z.number(),
  revenueComputed: z.boolean(),
  tax: z.number().optional(), // tt
  shipping: z.number().optional(), // ts
  coupon: z.string().optional(), // tcc
});

/** Enhanced Ecommerce (any hit type). Products are present only with a product action (MP-PARAMS). */
export const ecommerceSchema = z.object({
  action: z.enum(PRODUCT_ACTIONS).optional(), // pa
  actionList: z.string().optional(), // pal
  checkoutStep: z.number().optional(), // cos
  checkoutOption: z.string().optional(), // col
  transaction: eeTransactionSchema.optional(), // pa = purchase | refund
  products: z.array(productSchema),
  impressionLists: z.array(impressionListSchema),
  promotions: z.array(promotionSchema),
  promotionAction: z.enum(['view', 'click']).optional(), // promoa ('promo_click' → 'click'); 'view' when promotions are sent without it
});

/** Facts every hit type shares. */
const hitShape = {
  /** When the hit counts as happening: the sent time, moved forward to the client's previous hit if it arrived out of order. */
  time: epochMs,
  /** Receipt time − qt, as the collector computed it. */
  sentTime: epochMs,
  receivedAt: epochMs,
  /** false for `ni=1` hits. */
  interaction: z.boolean(),
  dataSource: z.string().optional(), // ds
  clientId: z.string().optional(), // cid
  userId: z.string().optional(), // uid
  page: pageSchema,
  referrer: z.string().optional(), // dr
  device: deviceSchema,
  app: appSchema.optional(),
  geo: geoSchema,
  ip: z.string(), // already anonymised by the collector
  isBot: z.boolean(),
  customDimensions: indexedTexts.optional(), // cd<N> by N
  customMetrics: indexedNumbers.optional(), // cm<N> by N
  experiment: z.object({ id: z.string(), variant: z.string().optional() }).optional(), // xid, xvar
  currency: z.string().optional(), // cu
  nonPersonalizedAds: z.boolean().optional(), // npa
  ecommerce: ecommerceSchema.optional(),
};

export const SESSION_START_REASONS = [
  'first-hit', // the client's first processed hit
  'inactivity', // gap since the last interaction (or the session start) >= the timeout
  'midnight', // a new calendar day in the property's time zone
  'traffic-source-change', // the hit carries a source different from the session's
  'session-control-start', // sc=start
  'previous-session-ended', // the previous hit had sc=end
] as const;
export type SessionStartReason = (typeof SESSION_START_REASONS)[number];

/** The session a hit belongs to, as decided for this hit. Everything a projection needs without reading other streams. */
export const sessionFactsSchema = z.object({
  /** `<client key>:<session number>`, deterministic. */
  id: z.string(),
  /** 1 for the client's first session; counts every session, including non-interaction-only ones. */
  number: z.number().int().positive(),
  startedAt: epochMs,
  /** This hit opened the session. */
  isStart: z.boolean(),
  startReason: z.enum(SESSION_START_REASONS).optional(),
  /** The session is the client's new-user session: no earlier session of the client had an interaction hit. */
  isNewUser: z.boolean(),
  /** The session's traffic source (fixed for the session). */
  source: trafficSourceSchema,
  isTrueDirect: z.boolean(),
  /** 1-based index of this hit among the session's processed hits. */
  hitIndex: z.number().int().positive(),
  /** Interaction hits in the session so far, this one included (0 while only ni hits were seen). */
  interactionIndex: count,
  /** This hit is the session's first pageview/screenview (its landing page). */
  isEntrance: z.boolean(),
  /** Time of the session's first interaction hit, this one included; absent while there is none. */
  firstInteractionAt: epochMs.optional(),
  /** Time of the session's last interaction hit before this one. */
  previousInteractionAt: epochMs.optional(),
  /** The session's last pageview/screenview before this hit. */
  previousPage: pageViewRefSchema.optional(),
  /** sc=end: the next hit starts a new session. */
  endsSession: z.boolean(),
});

/** The rest of the post-decision client state, so the last event alone restores the aggregate. */
export const stateAfterSchema = z.object({
  /** Calendar day (property time zone) of the open session. */
  sessionDay: z.string(),
  lastHitAt: epochMs,
  lastInteractionAt: epochMs.optional(),
  lastPage: pageViewRefSchema.optional(),
  /** Some session of this client has had an interaction hit (so later sessions are not new-user sessions). */
  hasInteracted: z.boolean(),
  campaign: campaignMemorySchema.optional(),
  /** Processed hits of the client on that calendar day (the 200,000 cap). */
  daily: z.object({ day: z.string(), hits: count }),
});

// ---- the full client state (also carried by HitDiscarded.v1) ---------------

export const openSessionSchema = z.object({
  id: z.string(),
  number: z.number().int().positive(),
  startedAt: epochMs,
  day: z.string(),
  hitCount: count,
  interactionCount: count,
  firstInteractionAt: epochMs.optional(),
  lastInteractionAt: epochMs.optional(),
  lastHitAt: epochMs,
  ended: z.boolean(),
  source: trafficSourceSchema,
  isTrueDirect: z.boolean(),
  isNewUser: z.boolean(),
  lastPage: pageViewRefSchema.optional(),
});

export const clientStateSchema = z.object({
  session: openSessionSchema.optional(),
  hasInteracted: z.boolean(),
  campaign: campaignMemorySchema.optional(),
  daily: z.object({ day: z.string(), hits: count }).optional(),
});

// ---- hit-type specific facts ----------------------------------------------

const eventFacts = z.object({
  category: z.string().optional(), // ec
  action: z.string().optional(), // ea
  label: z.string().optional(), // el
  value: z.number().optional(), // ev
});

const transactionFacts = z.object({
  id: z.string().optional(), // ti
  affiliation: z.string().optional(), // ta
  revenue: z.number(), // tr, default 0; as sent (includes tax/shipping if the site says so)
  shipping: z.number(), // ts, default 0
  tax: z.number(), // tt, default 0
});

const itemFacts = z.object({
  transactionId: z.string().optional(), // ti
  name: z.string().optional(), // in
  price: z.number(), // ip, default 0 (unit price)
  quantity: z.number(), // iq, default 0
  sku: z.string().optional(), // ic
  category: z.string().optional(), // iv
});

const socialFacts = z.object({
  network: z.string().optional(), // sn
  action: z.string().optional(), // sa
  target: z.string().optional(), // st
});

const exceptionFacts = z.object({
  description: z.string().optional(), // exd
  fatal: z.boolean(), // exf, default true
});

const timingFacts = z.object({
  category: z.string().optional(), // utc
  variable: z.string().optional(), // utv
  time: z.number().optional(), // utt, ms
  label: z.string().optional(), // utl
  /** plt, dns, pdt, rrt, tcp, srt, dit, clt in ms, keyed by parameter name. */
  pageLoad: indexedNumbers.optional(),
});

const hitOf = <T extends string, S extends z.ZodRawShape>(type: T, extra: S) =>
  z.object({ type: z.literal(type), ...hitShape, ...extra });

const recorded = <H extends z.ZodType>(hit: H) =>
  z.object({ hit, session: sessionFactsSchema, state: stateAfterSchema, params: paramsSchema });

export const pageviewRecordedSchema = recorded(hitOf('pageview', {}));
export const screenviewRecordedSchema = recorded(hitOf('screenview', {}));
export const eventRecordedSchema = recorded(hitOf('event', { event: eventFacts }));
export const transactionRecordedSchema = recorded(hitOf('transaction', { transaction: transactionFacts }));
export const itemRecordedSchema = recorded(hitOf('item', { item: itemFacts }));
export const socialInteractionRecordedSchema = recorded(hitOf('social', { social: socialFacts }));
export const exceptionRecordedSchema = recorded(hitOf('exception', { exception: exceptionFacts }));
export const timingRecordedSchema = recorded(hitOf('timing', { timing: timingFacts }));

export const DISCARD_REASONS = [
  'bot', // isBot and the property filters bots
  'daily-hit-limit', // the client already had 200,000 processed hits that day (LIMITS)
  'session-hit-limit', // the session already had 500 processed hits (S-8)
] as const;
export type DiscardReason = (typeof DISCARD_REASONS)[number];

export const hitDiscardedSchema = z.object({
  reason: z.enum(DISCARD_REASONS),
  hit: z.object({
    type: z.string().optional(), // t
    sentTime: epochMs,
    receivedAt: epochMs,
    ip: z.string(),
    geo: geoSchema,
    userAgent: z.string(),
    isBot: z.boolean(),
  }),
  /** The client state, unchanged by this hit. */
  state: clientStateSchema,
  params: paramsSchema,
});

export const CLIENT_EVENT_TYPES = {
  pageview: 'PageviewRecorded.v1',
  screenview: 'ScreenviewRecorded.v1',
  event: 'EventRecorded.v1',
  transaction: 'TransactionRecorded.v1',
  item: 'ItemRecorded.v1',
  social: 'SocialInteractionRecorded.v1',
  exception: 'ExceptionRecorded.v1',
  timing: 'TimingRecorded.v1',
} as const;
export const HIT_DISCARDED = 'HitDiscarded.v1';

/** Versioned event type name → zod schema of its data. */
export const clientEventSchemas = {
  'PageviewRecorded.v1': pageviewRecordedSchema,
  'ScreenviewRecorded.v1': screenviewRecordedSchema,
  'EventRecorded.v1': eventRecordedSchema,
  'TransactionRecorded.v1': transactionRecordedSchema,
  'ItemRecorded.v1': itemRecordedSchema,
  'SocialInteractionRecorded.v1': socialInteractionRecordedSchema,
  'ExceptionRecorded.v1': exceptionRecordedSchema,
  'TimingRecorded.v1': timingRecordedSchema,
  'HitDiscarded.v1': hitDiscardedSchema,
} satisfies Record<string, z.ZodType>;

export type TrafficSourceData = z.infer<typeof trafficSourceSchema>;
export type PageFacts = z.infer<typeof pageSchema>;
export type PageViewRef = z.infer<typeof pageViewRefSchema>;
export type EcommerceFacts = z.infer<typeof ecommerceSchema>;
export type SessionFacts = z.infer<typeof sessionFactsSchema>;
export type StateAfter = z.infer<typeof stateAfterSchema>;
export type OpenSession = z.infer<typeof openSessionSchema>;
export type ClientState = z.infer<typeof clientStateSchema>;

export type PageviewRecorded = z.infer<typeof pageviewRecordedSchema>;
export type ScreenviewRecorded = z.infer<typeof screenviewRecordedSchema>;
export type EventRecorded = z.infer<typeof eventRecordedSchema>;
export type TransactionRecorded = z.infer<typeof transactionRecordedSchema>;
export type ItemRecorded = z.infer<typeof itemRecordedSchema>;
export type SocialInteractionRecorded = z.infer<typeof socialInteractionRecordedSchema>;
export type ExceptionRecorded = z.infer<typeof exceptionRecordedSchema>;
export type TimingRecorded = z.infer<typeof timingRecordedSchema>;
export type HitDiscarded = z.infer<typeof hitDiscardedSchema>;

/** The hit facts of any recorded event (a union discriminated by `type`). */
export type RecordedHitFacts =
  | PageviewRecorded['hit']
  | ScreenviewRecorded['hit']
  | EventRecorded['hit']
  | TransactionRecorded['hit']
  | ItemRecorded['hit']
  | SocialInteractionRecorded['hit']
  | ExceptionRecorded['hit']
  | TimingRecorded['hit'];

type Envelope<T extends string, D> = { id: string; type: T; data: D };

/** An event as `decide` returns it: `id` is the hit's id, ready to append. */
export type ClientEvent =
  | Envelope<'PageviewRecorded.v1', PageviewRecorded>
  | Envelope<'ScreenviewRecorded.v1', ScreenviewRecorded>
  | Envelope<'EventRecorded.v1', EventRecorded>
  | Envelope<'TransactionRecorded.v1', TransactionRecorded>
  | Envelope<'ItemRecorded.v1', ItemRecorded>
  | Envelope<'SocialInteractionRecorded.v1', SocialInteractionRecorded>
  | Envelope<'ExceptionRecorded.v1', ExceptionRecorded>
  | Envelope<'TimingRecorded.v1', TimingRecorded>
  | Envelope<'HitDiscarded.v1', HitDiscarded>;

export type ClientEventType = ClientEvent['type'];
export type RecordedClientEvent = Exclude<ClientEvent, { type: 'HitDiscarded.v1' }>;

export const isClientEventType = (type: string): type is ClientEventType => Object.hasOwn(clientEventSchemas, type);
