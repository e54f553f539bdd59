// The Measurement Protocol value types (ga-processing.md §1.3) as zod schemas from
// the decoded string to the stored value. A failure carries its GA message code as
// the issue message. Regexes are compiled once, here.
import { z } from 'zod';

export type ValueCode = 'VALUE_INVALID' | 'VALUE_OUT_OF_BOUNDS';
export type StoredValue = string | number | boolean;
export type ValueSchema = z.ZodType<StoredValue, string>;

const WHITESPACE_RUN = /\s{2,}/g;
const DOUBLE_WHITESPACE = /\s\s/;

/** Trim, then fold runs of two or more whitespace characters into one space. */
export function foldText(value: string): string {
  const trimmed = value.trim();
  return DOUBLE_WHITESPACE.test(trimmed) ? trimmed.replace(WHITESPACE_RUN, ' ') : trimmed;
}

/**
 * The longest prefix of `value` that fits in `maxBytes` UTF-8 bytes, never cutting a
 * character (a surrogate pair stays whole); `value` itself when it fits.
 */
export function truncateUtf8(value: string, maxBytes: number): string {
  if (value.length * 3 <= maxBytes) return value; // cannot exceed: skip counting
  if (Buffer.byteLength(value, 'utf8') <= maxBytes) return value;
  const bytes = Buffer.from(value, 'utf8');
  let end = maxBytes;
  // Back off continuation bytes (10xxxxxx) to the start of the cut character.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.toString('utf8', 0, end);
}

const fail = (ctx: z.core.$RefinementCtx<string>, input: string, code: ValueCode): never => {
  ctx.issues.push({ code: 'custom', message: code, input });
  return z.NEVER;
};

/** Text: folded whitespace. Truncation to the parameter's maximum is the parser's job (it reports it). */
export const textValue = z.string().transform(foldText);

/** Text from a closed set, compared after folding (`t`, `pa`, `v`, ...). */
export function oneOfValue(values: readonly string[]): ValueSchema {
  const allowed = new Set(values);
  return z.string().transform((raw, ctx) => {
    const value = foldText(raw);
    return allowed.has(value) ? value : fail(ctx, raw, 'VALUE_INVALID');
  });
}

/** Text that must match a pattern after folding (`tid`). */
export function patternValue(pattern: RegExp): ValueSchema {
  return z.string().transform((raw, ctx) => {
    const value = foldText(raw);
    return pattern.test(value) ? value : fail(ctx, raw, 'VALUE_INVALID');
  });
}

/** Text passed through a normaliser after folding (`cg<N>`). */
export function normalisedTextValue(normalise: (value: string) => string): ValueSchema {
  return z.string().transform((raw) => normalise(foldText(raw)));
}

/** `1` is true, `0` is false, anything else is invalid. */
export const booleanValue: ValueSchema = z.string().transform((raw, ctx) => {
  const value = raw.trim();
  if (value === '1') return true;
  if (value === '0') return false;
  return fail(ctx, raw, 'VALUE_INVALID');
});

const INTEGER = /^[-+]?[0-9]+$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export interface Bounds {
  min?: number;
  max?: number;
}

/**
 * Signed 64-bit integer. A value outside int64 is invalid; one inside int64 but
 * beyond ±(2^53 − 1) cannot be held exactly by a JS number, so it is out of bounds.
 */
export function integerValue(bounds: Bounds = {}): ValueSchema {
  const { min, max } = bounds;
  return z.string().transform((raw, ctx) => {
    const value = raw.trim();
    if (!INTEGER.test(value)) return fail(ctx, raw, 'VALUE_INVALID');
    const n = Number(value);
    if (!Number.isSafeInteger(n)) {
      const big = BigInt(value);
      return fail(ctx, raw, big < INT64_MIN || big > INT64_MAX ? 'VALUE_INVALID' : 'VALUE_OUT_OF_BOUNDS');
    }
    if ((min !== undefined && n < min) || (max !== undefined && n > max)) return fail(ctx, raw, 'VALUE_OUT_OF_BOUNDS');
    return n === 0 ? 0 : n; // no -0
  });
}

const NUMBER = /^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$/;

/** Integer or floating point (`cm<N>`). */
export const numberValue: ValueSchema = z.string().transform((raw, ctx) => {
  const value = raw.trim();
  if (!NUMBER.test(value)) return fail(ctx, raw, 'VALUE_INVALID');
  const n = Number(value);
  if (!Number.isFinite(n)) return fail(ctx, raw, 'VALUE_OUT_OF_BOUNDS');
  return n === 0 ? 0 : n;
});

const CURRENCY_START = /[0-9.-]/;
/** GA stores money as int64 micro-units (BigQuery export: value × 10^6). */
const MAX_CURRENCY = 9_223_372_036_854;
const CURRENCY = /^-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$/;

/**
 * Currency: "all text is removed up until the first digit, the `-` character or the
 * `.` character" (`$-55.00` → -55), then a decimal number, kept to 6 decimal places
 * (more are rounded). Text after the number makes it invalid.
 */
export const currencyValue: ValueSchema = z.string().transform((raw, ctx) => {
  const start = raw.search(CURRENCY_START);
  if (start === -1) return fail(ctx, raw, 'VALUE_INVALID');
  const value = raw.slice(start).trimEnd();
  if (!CURRENCY.test(value)) return fail(ctx, raw, 'VALUE_INVALID');
  const n = Number(value);
  if (!Number.isFinite(n) || Math.abs(n) > MAX_CURRENCY) return fail(ctx, raw, 'VALUE_OUT_OF_BOUNDS');
  const rounded = Math.round(n * 1e6) / 1e6;
  return rounded === 0 ? 0 : rounded;
});

/** The message code a failed value schema reported. */
export function failureCode(error: z.ZodError): ValueCode {
  return error.issues[0]?.message === 'VALUE_OUT_OF_BOUNDS' ? 'VALUE_OUT_OF_BOUNDS' : 'VALUE_INVALID';
}
