// Date ranges and time-series buckets. Dates are ISO strings (YYYY-MM-DD) in the
// property's time zone, as the API answers them; arithmetic on them runs in UTC so it
// never meets a daylight-saving jump.
import type { DatePreset, DateRange } from './types.ts';
import type { Interval } from './view.ts';

export const PRESET_LABELS: Record<DatePreset, string> = {
  today: 'Today',
  yesterday: 'Yesterday',
  '7d': 'Last 7 days',
  '28d': 'Last 28 days',
  '30d': 'Last 30 days',
  '90d': 'Last 90 days',
  month: 'This month',
  last_month: 'Last month',
  year: 'This year',
  '12mo': 'Last 12 months',
  all: 'All time',
};

const DAY_MS = 86_400_000;
const toUtc = (iso: string): number => Date.parse(`${iso}T00:00:00Z`);
const toIso = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
export const addDays = (iso: string, days: number): string => toIso(toUtc(iso) + days * DAY_MS);
export const daysBetween = (from: string, to: string): number => Math.round((toUtc(to) - toUtc(from)) / DAY_MS) + 1;

export function rangeLabel(range: DateRange, locale?: string): string {
  if (typeof range === 'string') return PRESET_LABELS[range];
  const format = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' });
  return `${format.format(toUtc(range[0]))} – ${format.format(toUtc(range[1]))}`;
}

/** Roughly how many days a range covers, for choosing a bucket (all time counts as long). */
function approximateDays(range: DateRange): number {
  if (typeof range !== 'string') return daysBetween(range[0], range[1]);
  const days: Record<DatePreset, number> = { today: 1, yesterday: 1, '7d': 7, '28d': 28, '30d': 30, '90d': 90, month: 31, last_month: 31, year: 366, '12mo': 366, all: 1000 };
  return days[range];
}

/** Hour for a day, day up to a quarter, week up to two years, month beyond. */
export function defaultInterval(range: DateRange): Interval {
  const days = approximateDays(range);
  if (days <= 2) return 'hour';
  if (days <= 120) return 'day';
  if (days <= 731) return 'week';
  return 'month';
}

/** The buckets that make sense for a range (never thousands of points, never a single one). */
export function allowedIntervals(range: DateRange): Interval[] {
  const days = approximateDays(range);
  const intervals: Interval[] = [];
  if (days <= 7) intervals.push('hour');
  if (days > 1 && days <= 800) intervals.push('day');
  if (days >= 14) intervals.push('week');
  if (days >= 60) intervals.push('month');
  return intervals.length > 0 ? intervals : ['day'];
}

export const INTERVAL_DIMENSION: Record<Interval, string> = { hour: 'hour', day: 'date', week: 'week', month: 'month' };

/**
 * Every bucket key between two dates, so days without data draw as zero rather than
 * being skipped. Week and month keys are the API's own; they are not synthesised.
 * `until` (YYYY-MM-DDTHH) stops hourly buckets at the current hour of today.
 */
export function bucketKeys(interval: Interval, from: string, to: string, until?: string): string[] | undefined {
  if (interval !== 'day' && interval !== 'hour') return undefined;
  const days = daysBetween(from, to);
  if (days < 1 || days > 1000) return undefined;
  const keys: string[] = [];
  for (let i = 0; i < days; i++) {
    const day = addDays(from, i);
    if (interval === 'day') keys.push(day);
    else
      for (let h = 0; h < 24; h++) {
        const key = `${day}T${String(h).padStart(2, '0')}`;
        if (until && key > until) return keys;
        keys.push(key);
      }
  }
  return keys;
}

/** Now as YYYY-MM-DDTHH in a time zone. */
export function currentHourIn(timeZone: string, now = Date.now()): string | undefined {
  try {
    const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', hourCycle: 'h23' }).formatToParts(now);
    const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
    return `${get('year')}-${get('month')}-${get('day')}T${get('hour')}`;
  } catch {
    return undefined;
  }
}

/** A short label for a bucket key: 'Nov 3', '14:00', 'Nov 2026', a week's first day. */
export function bucketLabel(interval: Interval, key: string, locale?: string, long = false): string {
  if (interval === 'hour' && /^\d{4}-\d{2}-\d{2}T\d{2}$/.test(key)) {
    const time = `${key.slice(11, 13)}:00`;
    return long ? `${bucketLabel('day', key.slice(0, 10), locale, true)} ${time}` : time;
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(key)) {
    const options: Intl.DateTimeFormatOptions = long ? { dateStyle: 'medium', timeZone: 'UTC' } : { month: 'short', day: 'numeric', timeZone: 'UTC' };
    const label = new Intl.DateTimeFormat(locale, options).format(toUtc(key));
    return interval === 'week' ? (long ? `Week of ${label}` : label) : label;
  }
  if (/^\d{4}-\d{2}$/.test(key)) return new Intl.DateTimeFormat(locale, { month: 'short', year: 'numeric', timeZone: 'UTC' }).format(toUtc(`${key}-01`));
  return key;
}
