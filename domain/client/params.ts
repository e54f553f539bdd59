// Typed reads of validated Measurement Protocol parameters. The collector has
// already converted values to their protocol types; these readers only narrow
// the `string | number | boolean` union and treat an empty text as absent.

import type { HitParameters } from '../hit.ts';

export function text(params: HitParameters, key: string): string | undefined {
  const value = params[key];
  if (value === undefined) return undefined;
  const s = typeof value === 'string' ? value : String(value);
  return s === '' ? undefined : s;
}

export function num(params: HitParameters, key: string): number | undefined {
  const value = params[key];
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

export function flag(params: HitParameters, key: string): boolean | undefined {
  const value = params[key];
  if (value === true || value === 1 || value === '1' || value === 'true') return true;
  if (value === false || value === 0 || value === '0' || value === 'false') return false;
  return undefined;
}

/**
 * A copy without the keys whose value is `undefined`: events are JSON, and a state
 * restored from a stored event must equal the one built in memory. A copy, not `delete`
 * in place: deleting turns an object into a slow dictionary for everything that reads it
 * later (JSON.stringify of the event among them).
 */
export function compact<T extends object>(value: T): T {
  const copy: Record<string, unknown> = {};
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key];
    if (item !== undefined) copy[key] = item;
  }
  return copy as T;
}

/** Undefined when the object has no defined value (an optional group that was not sent). */
export function nonEmpty<T extends object>(value: T): T | undefined {
  const compacted = compact(value);
  return Object.keys(compacted).length === 0 ? undefined : compacted;
}
