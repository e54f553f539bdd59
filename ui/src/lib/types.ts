// The shapes the dashboard exchanges with the read API (docs/query.md and GET /api/v1/openapi.json). Kept
// loose where the API is still settling: fields the UI does not need are not named.

export const DATE_PRESETS = ['today', 'yesterday', '7d', '28d', '30d', '90d', 'month', 'last_month', 'year', '12mo', 'all'] as const;
export type DatePreset = (typeof DATE_PRESETS)[number];
/** A preset, or an inclusive custom range of ISO dates in the property's time zone. */
export type DateRange = DatePreset | readonly [string, string];
export type Compare = 'previous_period' | 'previous_year' | null;

export const FILTER_OPERATORS = ['is', 'is_not', 'contains', 'not_contains', 'starts_with', 'matches'] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

/** One chip of the global filter bar: applied to every report. */
export interface Filter {
  dimension: string;
  op: FilterOperator;
  value: string;
}

export type FilterCondition = [string, string, (string | number)[]];
export type FilterNode = FilterCondition | { and: FilterNode[] } | { or: FilterNode[] } | { not: FilterNode };

export interface QueryRequest {
  property: string;
  date_range: DateRange;
  compare?: Compare | readonly [string, string];
  metrics: string[];
  dimensions?: string[];
  filters?: FilterNode | null;
  order_by?: [string, 'asc' | 'desc'][];
  limit?: number;
  offset?: number;
}

export interface QueryRow {
  dimensions: string[];
  metrics: number[];
  compare: number[] | null;
  change: (number | null)[] | null;
}

export interface QueryResponse {
  property: string;
  time_zone: string;
  currency: string;
  date_range: { from: string; to: string };
  compare_range: { from: string; to: string } | null;
  dimensions: string[];
  metrics: string[];
  rows: QueryRow[];
  totals: { metrics: number[]; compare: number[] | null; change: (number | null)[] | null };
  row_count: number;
  source?: string;
}

export interface RealtimeItem {
  value: string;
  users: number;
}

export interface RealtimeResponse {
  active_users: number;
  per_minute: { minute: string; users: number; pageviews: number }[];
  pages: RealtimeItem[];
  sources: RealtimeItem[];
  countries: RealtimeItem[];
  devices: RealtimeItem[];
}

export interface SessionSummary {
  id: string;
  client: string;
  start: number | string;
  end: number | string;
  duration: number;
  pageviews: number;
  hits: number;
  landing_page: string;
  exit_page: string;
  source: string;
  medium: string;
  channel: string;
  country: string;
  device_category: string;
  browser: string;
  bounce: boolean;
  transactions: number;
  revenue: number;
}

export interface SessionList {
  sessions: SessionSummary[];
  total: number;
}

/** One raw hit of a session timeline: the recorded facts plus `derived`. */
export interface SessionHit {
  position?: unknown;
  type: string;
  time: number | string;
  page?: { path?: string; title?: string; hostname?: string; location?: string; screenName?: string };
  event?: { category?: string; action?: string; label?: string; value?: number };
  transaction?: { id?: string; revenue?: number; tax?: number; shipping?: number; affiliation?: string };
  item?: { name?: string; sku?: string; price?: number; quantity?: number; transactionId?: string };
  derived?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface SessionDetail {
  id: string;
  property: string;
  client: string;
  client_id?: string | null;
  user_id?: string | null;
  start?: string;
  end?: string;
  channel?: string;
  source?: { source?: string; medium?: string; campaign?: string; keyword?: string };
  hits: SessionHit[];
  [key: string]: unknown;
}

// The property's settings as GET /api/v1/properties answers them: the domain's own type.
export type { CustomDefinition, CustomScope, OrganicSearchEngine, PropertySettings } from '../../../domain/property/settings.ts';

export interface ApiKeyInfo {
  id: string;
  name: string;
  role: 'admin' | 'read';
  propertyIds: string[];
  status?: 'issued' | 'revoked';
  createdAt?: number;
  revokedAt?: number;
  [key: string]: unknown;
}

export interface ProjectionInfo {
  name: string;
  version?: number;
  role?: string;
  state?: string;
  position?: unknown;
  headPosition?: unknown;
  eventsBehind?: number;
  eventsPerSecond?: number;
  latencyMs?: { last: number; p50: number; p95: number };
  error?: { message: string };
  [key: string]: unknown;
}

export interface ReplayProgress {
  name?: string;
  /** running, then switched | up-to-date | interrupted | failed. */
  state: string;
  version?: number;
  previousVersion?: number;
  done?: number;
  total?: number;
  unit?: 'events' | 'log bytes';
  eventsApplied?: number;
  eventsPerSecond?: number;
  etaSeconds?: number;
  error?: string;
  [key: string]: unknown;
}

/** One message of the live tail (`GET /api/v1/events/stream`). */
export interface StreamMessage {
  id: string | undefined;
  event: string;
  data: string;
}
