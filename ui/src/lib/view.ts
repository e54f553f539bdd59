// The whole view lives in the URL hash (`#/page?property=…&range=…&f=…`), so a link
// reproduces it and the back button walks through it. This module is the pure codec;
// router.svelte.ts keeps the reactive copy in step with the address bar.
import { DATE_PRESETS, FILTER_OPERATORS, type Compare, type DatePreset, type DateRange, type Filter, type FilterOperator } from './types.ts';

export const PAGES = ['overview', 'realtime', 'acquisition', 'behaviour', 'audience', 'ecommerce', 'sessions', 'admin'] as const;
export type Page = (typeof PAGES)[number];

export const INTERVALS = ['hour', 'day', 'week', 'month'] as const;
export type Interval = (typeof INTERVALS)[number];

export interface ViewState {
  page: Page;
  property: string | undefined;
  range: DateRange;
  compare: Compare;
  filters: Filter[];
  /** The metric the time series draws. */
  metric: string | undefined;
  /** The time series' bucket; undefined: chosen from the range. */
  interval: Interval | undefined;
  /** The report shown on a page with several (acquisition, behaviour, audience). */
  report: string | undefined;
  /** Events drill-down path: [category] or [category, action]. */
  drill: string[];
  /** The session whose timeline is open. */
  session: string | undefined;
}

export const DEFAULT_RANGE: DatePreset = '30d';

export function defaultView(): ViewState {
  return {
    page: 'overview',
    property: undefined,
    range: DEFAULT_RANGE,
    compare: null,
    filters: [],
    metric: undefined,
    interval: undefined,
    report: undefined,
    drill: [],
    session: undefined,
  };
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const isPage = (value: string): value is Page => (PAGES as readonly string[]).includes(value);
const isPreset = (value: string): value is DatePreset => (DATE_PRESETS as readonly string[]).includes(value);
const isOperator = (value: string): value is FilterOperator => (FILTER_OPERATORS as readonly string[]).includes(value);
const isInterval = (value: string): value is Interval => (INTERVALS as readonly string[]).includes(value);

export function parseRange(value: string | null): DateRange {
  if (!value) return DEFAULT_RANGE;
  if (isPreset(value)) return value;
  const [from, to, ...rest] = value.split('..');
  if (from && to && rest.length === 0 && ISO_DATE.test(from) && ISO_DATE.test(to)) return from <= to ? [from, to] : [to, from];
  return DEFAULT_RANGE;
}

export const formatRange = (range: DateRange): string => (typeof range === 'string' ? range : `${range[0]}..${range[1]}`);

/** A filter is written `dimension.op.value`; the value may itself contain dots. */
export function parseFilter(raw: string): Filter | undefined {
  const first = raw.indexOf('.');
  const second = first < 0 ? -1 : raw.indexOf('.', first + 1);
  if (second < 0) return undefined;
  const dimension = raw.slice(0, first);
  const op = raw.slice(first + 1, second);
  const value = raw.slice(second + 1);
  if (!/^[A-Za-z][A-Za-z0-9]*$/.test(dimension) || !isOperator(op)) return undefined;
  return { dimension, op, value };
}

export const formatFilter = (filter: Filter): string => `${filter.dimension}.${filter.op}.${filter.value}`;

export function parseHash(hash: string): ViewState {
  const view = defaultView();
  const body = hash.replace(/^#\/?/, '');
  const question = body.indexOf('?');
  const path = question < 0 ? body : body.slice(0, question);
  const params = new URLSearchParams(question < 0 ? '' : body.slice(question + 1));
  if (isPage(path)) view.page = path;
  view.property = params.get('property') || undefined;
  view.range = parseRange(params.get('range'));
  const compare = params.get('compare');
  view.compare = compare === 'previous_period' || compare === 'previous_year' ? compare : null;
  view.filters = params.getAll('f').flatMap((raw) => parseFilter(raw) ?? []);
  view.metric = params.get('metric') || undefined;
  const interval = params.get('interval');
  view.interval = interval && isInterval(interval) ? interval : undefined;
  view.report = params.get('report') || undefined;
  view.drill = params.getAll('drill').slice(0, 2);
  view.session = params.get('session') || undefined;
  return view;
}

/** Only what differs from the defaults is written, so links stay short. */
export function formatHash(view: ViewState): string {
  const params = new URLSearchParams();
  if (view.property) params.set('property', view.property);
  if (formatRange(view.range) !== DEFAULT_RANGE) params.set('range', formatRange(view.range));
  if (view.compare) params.set('compare', view.compare);
  for (const filter of view.filters) params.append('f', formatFilter(filter));
  if (view.metric) params.set('metric', view.metric);
  if (view.interval) params.set('interval', view.interval);
  if (view.report) params.set('report', view.report);
  for (const step of view.drill) params.append('drill', step);
  if (view.session) params.set('session', view.session);
  const query = params.toString();
  return `#/${view.page}${query ? `?${query}` : ''}`;
}

/** Adding a filter on a dimension that already has one replaces it (GA and Plausible do the same). */
export function withFilter(filters: readonly Filter[], filter: Filter): Filter[] {
  return [...filters.filter((f) => !(f.dimension === filter.dimension && f.op === filter.op)), filter];
}
