// Text rules of the Measurement Protocol (ga-processing.md §1.3) applied to the
// values this module reads out of URLs (utm_* in `dl`, keywords in `dr`), so they
// look exactly like the same values sent as `cs`/`cm`/`ck`/... and validated by
// the collector.

import type { HitParameters } from '../hit.ts';

export const NOT_SET = '(not set)';
export const NOT_PROVIDED = '(not provided)';

const encoder = new TextEncoder();

/** At most `maxBytes` UTF-8 bytes, cut at a character boundary (never half a character). */
export function truncateUtf8(value: string, maxBytes: number): string {
  if (value.length * 3 <= maxBytes || encoder.encode(value).length <= maxBytes) return value;
  let bytes = 0;
  let end = 0;
  for (const char of value) {
    const size = encoder.encode(char).length;
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += char.length;
  }
  return value.slice(0, end);
}

/** Trim, collapse inner whitespace runs to one space, then truncate; undefined when nothing is left. */
export function cleanText(value: string | null | undefined, maxBytes: number): string | undefined {
  if (value === null || value === undefined) return undefined;
  const folded = value.trim().replace(/\s{2,}/g, ' ');
  if (folded === '') return undefined;
  return truncateUtf8(folded, maxBytes);
}

/** A text parameter as the collector validated it; an empty text counts as absent. */
export function textParam(params: HitParameters, key: string): string | undefined {
  const value = params[key];
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number') return String(value);
  return undefined;
}
