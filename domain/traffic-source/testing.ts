// Test helpers for the traffic-source tests: a property's settings with the
// defaults, and short views of a source.

import type { HitParameters } from '../hit.ts';
import { PROPERTY_DEFAULTS } from '../property/defaults.ts';
import type { PropertySettings } from '../property/settings.ts';
import { sourceOfHit } from './source-of-hit.ts';
import type { TrafficSource } from './types.ts';

export const MINUTE = 60_000;
export const DAY = 86_400_000;
export const T0 = Date.parse('2024-03-01T10:00:00Z');

/** A property on mysite.com with every other setting at its default. */
export function settingsWith(overrides: Partial<PropertySettings> = {}): PropertySettings {
  return {
    id: 'UA-1-1',
    name: 'My site',
    defaultUrl: 'https://mysite.com/',
    domains: ['mysite.com'],
    ...PROPERTY_DEFAULTS,
    active: true,
    ...overrides,
  };
}

export const settings = settingsWith();

/** source / medium / campaign / keyword, the columns of the §4.4 table. */
export const smck = (s: TrafficSource | undefined): string[] | undefined => s && [s.source, s.medium, s.campaign, s.keyword];

/** The source a pageview on mysite.com carries, with these parameters on top. */
export const sourceOf = (params: HitParameters, property: PropertySettings = settings): TrafficSource | undefined =>
  sourceOfHit({ t: 'pageview', dl: 'https://mysite.com/', ...params }, property);
