// Date ranges of the stats query: presets and custom ranges of calendar days in the
// property's time zone, and the comparison range. Days are 'YYYY-MM-DD' strings; all
// arithmetic is on UTC midnights of those dates (no time zone maths once "today" is known).
import { badRequest } from '../../http/problem.ts';

export const DATE_PRESETS = ['today', 'yesterday', '7d', '28d', '30d', '90d', 'month', 'last_month', 'year', '12mo', 'all'] as const;
export type DatePreset = (typeof DATE_PRESETS)[number];
export const COMPARE_PRESETS = ['previous_period', 'previous_year'] as const;
export type ComparePreset = (typeof COMPARE_PRESETS)[number];

export type DateRangeSpec = DatePreset | readonly [string, string];
export type CompareSpec = ComparePreset | readonly [string, string] | null;

export interface DayRange {
  from: string;
  to: string;
}

/** The longest range a query may cover (about ten years). */
export const MAX_RANGE_DAYS = 3660;

/** What the presets mean, for the OpenAPI description. */
export const PRESET_DESCRIPTION =
  'Presets, in the property time zone, "today" being the current local date: today; yesterday; 7d, 28d, 30d, 90d = the 7/28/30/90 days ending today (today included); ' +
  'month = the first of this month to today; last_month = the whole previous calendar month; year = 1 January to today; ' +
  '12mo = the 12 months ending today (from the day after the same date a year ago, to today); all = the first day with data to today. ' +
  'Or [from, to]: two dates YYYY-MM-DD, both included, from <= to, at most 3660 days.';

export const COMPARE_DESCRIPTION =
  'previous_period = as many days, ending the day before the range starts; previous_year = the same dates a year earlier ' +
  '(29 February → 28 February); or [from, to]. null or absent: no comparison.';

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;

const epochOf = (day: string): number => Date.parse(`${day}T00:00:00Z`);
const dayOf = (epoch: number): string => new Date(epoch).toISOString().slice(0, 10);

/** A real calendar date 'YYYY-MM-DD' (not 2026-02-30). */
export function isDay(value: string): boolean {
  const m = DAY.exec(value);
  if (m === null) return false;
  const epoch = epochOf(value);
  return Number.isFinite(epoch) && dayOf(epoch) === value && Number(m[1]) >= 1970;
}

export const addDays = (day: string, days: number): string => dayOf(epochOf(day) + days * MS_PER_DAY);

/** Days from `from` to `to`, both included. */
export const lengthInDays = (range: DayRange): number => Math.round((epochOf(range.to) - epochOf(range.from)) / MS_PER_DAY) + 1;

/** The same date `years` earlier or later; 29 February becomes 28 February in a year without it. */
export function addYears(day: string, years: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const year = y + years;
  const lastOfMonth = new Date(Date.UTC(year, m, 0)).getUTCDate();
  return `${String(year).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(Math.min(d, lastOfMonth)).padStart(2, '0')}`;
}

function customRange(value: readonly [string, string], field: string): DayRange {
  const [from, to] = value;
  if (!isDay(from)) throw badRequest(`${field}: "${from}" is not a date YYYY-MM-DD`, `${field}[0]`);
  if (!isDay(to)) throw badRequest(`${field}: "${to}" is not a date YYYY-MM-DD`, `${field}[1]`);
  if (from > to) throw badRequest(`${field}: the start ${from} is after the end ${to}`, field);
  const range = { from, to };
  if (lengthInDays(range) > MAX_RANGE_DAYS) throw badRequest(`${field}: covers ${lengthInDays(range)} days; at most ${MAX_RANGE_DAYS}`, field);
  return range;
}

/**
 * The days a preset or custom range covers. `today` is the current date in the property's
 * time zone; `firstDay` the first day with data (for 'all').
 */
export function resolveDateRange(spec: DateRangeSpec, today: string, firstDay: string | undefined, field = 'date_range'): DayRange {
  if (typeof spec !== 'string') return customRange(spec, field);
  const last = (days: number): DayRange => ({ from: addDays(today, -(days - 1)), to: today });
  switch (spec) {
    case 'today':
      return { from: today, to: today };
    case 'yesterday': {
      const day = addDays(today, -1);
      return { from: day, to: day };
    }
    case '7d':
      return last(7);
    case '28d':
      return last(28);
    case '30d':
      return last(30);
    case '90d':
      return last(90);
    case 'month':
      return { from: `${today.slice(0, 7)}-01`, to: today };
    case 'last_month': {
      const end = addDays(`${today.slice(0, 7)}-01`, -1);
      return { from: `${end.slice(0, 7)}-01`, to: end };
    }
    case 'year':
      return { from: `${today.slice(0, 4)}-01-01`, to: today };
    case '12mo':
      return { from: addDays(addYears(today, -1), 1), to: today };
    case 'all': {
      const from = firstDay !== undefined && firstDay < today ? firstDay : today;
      // Older data than MAX_RANGE_DAYS is still summed: 'all' is the one open-ended preset.
      return { from, to: today };
    }
  }
}

/** The comparison range of `range`; null without one. */
export function resolveCompareRange(spec: CompareSpec | undefined, range: DayRange, field = 'compare'): DayRange | null {
  if (spec === null || spec === undefined) return null;
  if (typeof spec !== 'string') return customRange(spec, field);
  if (spec === 'previous_period') {
    const days = lengthInDays(range);
    return { from: addDays(range.from, -days), to: addDays(range.from, -1) };
  }
  return { from: addYears(range.from, -1), to: addYears(range.to, -1) };
}
