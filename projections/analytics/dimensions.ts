// The report dimensions and how each one is attributed.
//
// - Session dimensions have one value per session (its traffic source, its first
//   hit's device and geography, its landing and exit page, session-scoped custom
//   dimensions). Every metric of the session, hit metrics included, is reported
//   under that value. When a value changes during a session (the exit page with
//   each view, the landing page once the first view arrives, a session-scoped
//   custom dimension), the session's metrics move to the new value.
// - Hit dimensions take their value from each hit (page, event, product, hit-scoped
//   custom dimensions) and carry that hit's metrics. Page dimensions also carry the
//   session metrics (sessions, new users, bounces, duration) of the sessions that
//   *landed* on the value: GA's convention, which makes a page's bounce rate use
//   only the sessions that started on it (§6.1, M-3).

export const SESSION_DIMENSIONS = [
  'channel',
  'source',
  'medium',
  'sourceMedium',
  'campaign',
  'keyword',
  'adContent',
  'referralPath',
  'landingPage',
  'exitPage',
  'country',
  'region',
  'city',
  'continent',
  'language',
  'deviceCategory',
  'browser',
  'browserVersion',
  'os',
  'osVersion',
  'screenResolution',
  'userType',
] as const;
export type SessionDimension = (typeof SESSION_DIMENSIONS)[number];

/** Page dimensions: hit values for page metrics, landing values for session metrics. */
export const PAGE_DIMENSIONS = ['pagePath', 'pageTitle', 'hostname'] as const;
export const EVENT_DIMENSIONS = ['eventCategory', 'eventAction', 'eventLabel'] as const;
export const PRODUCT_DIMENSIONS = ['productName', 'productSku', 'productCategory'] as const;
export const HIT_DIMENSIONS = [...PAGE_DIMENSIONS, ...EVENT_DIMENSIONS, ...PRODUCT_DIMENSIONS] as const;
export type HitDimension = (typeof HIT_DIMENSIONS)[number];

/** Every standard dimension; a dimension's position here is its id in the model and the batch accumulator. */
export const STANDARD_DIMENSIONS: readonly string[] = [...SESSION_DIMENSIONS, ...HIT_DIMENSIONS];
export const DIMENSION_COUNT = STANDARD_DIMENSIONS.length;

/** Dimension ids (positions in STANDARD_DIMENSIONS). */
export const D = Object.fromEntries(STANDARD_DIMENSIONS.map((name, index) => [name, index])) as { readonly [K in SessionDimension | HitDimension]: number };

/**
 * A session document's dimension values: the session dimensions, then the landing
 * page's pagePath / pageTitle / hostname (which carry the session metrics of page
 * dimensions). Same ids as D.
 */
export const SESSION_VALUE_COUNT = SESSION_DIMENSIONS.length + PAGE_DIMENSIONS.length;

/** cd1 .. cd200 */
export const CUSTOM_DIMENSION = /^cd([1-9][0-9]{0,2})$/;
/** cm1 .. cm200 */
export const CUSTOM_METRIC = /^cm([1-9][0-9]{0,2})$/;

export const isSessionDimension = (name: string): name is SessionDimension => (SESSION_DIMENSIONS as readonly string[]).includes(name);
export const isPageDimension = (name: string): boolean => (PAGE_DIMENSIONS as readonly string[]).includes(name);
export const isHitDimension = (name: string): name is HitDimension => (HIT_DIMENSIONS as readonly string[]).includes(name);
export const isCustomDimension = (name: string): boolean => {
  const m = CUSTOM_DIMENSION.exec(name);
  return m !== null && Number(m[1]) <= 200;
};

/** The value written when a hit or session has none. */
export const NOT_SET = '(not set)';
