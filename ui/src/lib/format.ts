// Numbers for people: Intl in the browser's locale, durations as m:ss, rates as
// percentages, money in the property's currency.
import { metricInfo, type MetricKind } from './metrics.ts';

const cache = new Map<string, Intl.NumberFormat>();
function numberFormat(key: string, options: Intl.NumberFormatOptions, locale?: string): Intl.NumberFormat {
  const id = `${locale ?? ''}|${key}`;
  let format = cache.get(id);
  if (!format) {
    format = new Intl.NumberFormat(locale, options);
    cache.set(id, format);
  }
  return format;
}

export interface FormatOptions {
  currency?: string;
  /** 12.3K instead of 12,345 (KPI tiles, chart axes). */
  compact?: boolean;
  locale?: string;
}

/** Seconds as m:ss, or h:mm:ss from an hour up. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '0:00';
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

export function formatValue(kind: MetricKind, value: number | null | undefined, options: FormatOptions = {}): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  const { locale, compact } = options;
  switch (kind) {
    case 'count':
      return compact && Math.abs(value) >= 10_000
        ? numberFormat('compact', { notation: 'compact', maximumFractionDigits: 1 }, locale).format(value)
        : numberFormat('count', { maximumFractionDigits: 0 }, locale).format(value);
    case 'percent':
      // One decimal always: 40.0% beside 34.7% in a column, as the figures line up.
      return numberFormat('percent', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 }, locale).format(value);
    case 'duration':
      return formatDuration(value);
    case 'currency': {
      const currency = options.currency ?? 'USD';
      try {
        if (compact && Math.abs(value) >= 10_000)
          return numberFormat(`money-c-${currency}`, { style: 'currency', currency, notation: 'compact', maximumFractionDigits: 1 }, locale).format(value);
        if (compact && (Math.abs(value) >= 1_000 || Number.isInteger(value)))
          return numberFormat(`money-0-${currency}`, { style: 'currency', currency, maximumFractionDigits: 0 }, locale).format(value);
        return numberFormat(`money-${currency}`, { style: 'currency', currency }, locale).format(value);
      } catch {
        return numberFormat('decimal', { maximumFractionDigits: 2 }, locale).format(value);
      }
    }
    case 'ratio':
      return numberFormat('ratio', { minimumFractionDigits: 2, maximumFractionDigits: 2 }, locale).format(value);
    case 'decimal':
      return numberFormat('decimal', { maximumFractionDigits: 2 }, locale).format(value);
  }
}

export const formatMetric = (metric: string, value: number | null | undefined, options: FormatOptions = {}): string =>
  formatValue(metricInfo(metric).kind, value, options);

/** A change as a signed percentage: +12.5%, −3%, or '–' when there is nothing to compare. */
export function formatChange(change: number | null | undefined, locale?: string): string {
  if (change === null || change === undefined || !Number.isFinite(change)) return '–';
  return numberFormat('change', { style: 'percent', maximumFractionDigits: 1, signDisplay: 'exceptZero' }, locale).format(change);
}

/** 'good' | 'bad' | 'flat' for colouring a change, honouring metrics where lower is better. */
export function changeTone(metric: string, change: number | null | undefined): 'good' | 'bad' | 'flat' {
  if (change === null || change === undefined || !Number.isFinite(change) || Math.abs(change) < 0.0005) return 'flat';
  const up = change > 0;
  return up !== Boolean(metricInfo(metric).lowerIsBetter) ? 'good' : 'bad';
}

export function formatDateTime(value: number | string, timeZone?: string, locale?: string): string {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  try {
    return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium', ...(timeZone ? { timeZone } : {}) }).format(date);
  } catch {
    return date.toISOString();
  }
}

/** A compact date and time for table cells: 'Nov 28, 14:05'. */
export function formatShortDateTime(value: number | string, timeZone?: string, locale?: string): string {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  try {
    return new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', ...(timeZone ? { timeZone } : {}) }).format(date);
  } catch {
    return date.toISOString().slice(0, 16).replace('T', ' ');
  }
}

export function formatTime(value: number | string, timeZone?: string, locale?: string): string {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  try {
    return new Intl.DateTimeFormat(locale, { timeStyle: 'medium', ...(timeZone ? { timeZone } : {}) }).format(date);
  } catch {
    return date.toISOString().slice(11, 19);
  }
}
