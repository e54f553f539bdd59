// What the dashboard knows about each metric and dimension of the stats query: a label,
// how to format it, and whether a rise is good news.

/** `ratio`: a per-session or per-user average, always two decimals so a column's figures line up. */
export type MetricKind = 'count' | 'percent' | 'duration' | 'currency' | 'ratio' | 'decimal';

export interface MetricInfo {
  label: string;
  kind: MetricKind;
  /** A fall is the good direction (bounce rate, exit rate). */
  lowerIsBetter?: boolean;
}

export const METRICS: Record<string, MetricInfo> = {
  users: { label: 'Users', kind: 'count' },
  newUsers: { label: 'New users', kind: 'count' },
  percentNewSessions: { label: '% new sessions', kind: 'percent' },
  sessions: { label: 'Sessions', kind: 'count' },
  sessionsPerUser: { label: 'Sessions per user', kind: 'ratio' },
  bounces: { label: 'Bounces', kind: 'count', lowerIsBetter: true },
  bounceRate: { label: 'Bounce rate', kind: 'percent', lowerIsBetter: true },
  sessionDuration: { label: 'Session duration', kind: 'duration' },
  avgSessionDuration: { label: 'Avg. session duration', kind: 'duration' },
  pageviews: { label: 'Pageviews', kind: 'count' },
  uniquePageviews: { label: 'Unique pageviews', kind: 'count' },
  pageviewsPerSession: { label: 'Pages / session', kind: 'ratio' },
  entrances: { label: 'Entrances', kind: 'count' },
  exits: { label: 'Exits', kind: 'count' },
  exitRate: { label: 'Exit rate', kind: 'percent', lowerIsBetter: true },
  timeOnPage: { label: 'Time on page', kind: 'duration' },
  avgTimeOnPage: { label: 'Avg. time on page', kind: 'duration' },
  totalEvents: { label: 'Total events', kind: 'count' },
  uniqueEvents: { label: 'Unique events', kind: 'count' },
  eventValue: { label: 'Event value', kind: 'decimal' },
  transactions: { label: 'Transactions', kind: 'count' },
  transactionRevenue: { label: 'Revenue', kind: 'currency' },
  transactionTax: { label: 'Tax', kind: 'currency' },
  transactionShipping: { label: 'Shipping', kind: 'currency' },
  ecommerceConversionRate: { label: 'Conversion rate', kind: 'percent' },
  avgOrderValue: { label: 'Avg. order value', kind: 'currency' },
  itemQuantity: { label: 'Quantity', kind: 'count' },
  itemRevenue: { label: 'Product revenue', kind: 'currency' },
};

export const metricInfo = (name: string): MetricInfo => METRICS[name] ?? { label: name, kind: 'decimal' };

export const DIMENSIONS: Record<string, string> = {
  date: 'Date',
  hour: 'Hour',
  dayOfWeek: 'Day of week',
  week: 'Week',
  month: 'Month',
  source: 'Source',
  medium: 'Medium',
  sourceMedium: 'Source / medium',
  campaign: 'Campaign',
  keyword: 'Keyword',
  adContent: 'Ad content',
  referralPath: 'Referral path',
  channel: 'Channel',
  hostname: 'Hostname',
  pagePath: 'Page',
  pageTitle: 'Page title',
  landingPage: 'Landing page',
  exitPage: 'Exit page',
  eventCategory: 'Event category',
  eventAction: 'Event action',
  eventLabel: 'Event label',
  country: 'Country',
  region: 'Region',
  city: 'City',
  continent: 'Continent',
  language: 'Language',
  deviceCategory: 'Device',
  browser: 'Browser',
  browserVersion: 'Browser version',
  os: 'Operating system',
  osVersion: 'OS version',
  screenResolution: 'Screen resolution',
  userType: 'User type',
  transactionId: 'Transaction',
  productName: 'Product',
  productSku: 'SKU',
  productCategory: 'Product category',
};

export const dimensionLabel = (name: string): string => DIMENSIONS[name] ?? name.replace(/^customDimension(\d+)$/, 'Custom dimension $1');

/** The KPI row of the overview, in order; revenue tiles appear only when there is revenue. */
export const OVERVIEW_METRICS = ['users', 'sessions', 'pageviews', 'bounceRate', 'avgSessionDuration', 'transactions', 'transactionRevenue'] as const;
export const ECOMMERCE_METRICS = ['transactions', 'transactionRevenue', 'avgOrderValue', 'ecommerceConversionRate'] as const;
