// Test fixtures for the client aggregate (not used in production): a property
// with the fixture settings the brief names, and a hit builder.

import { GEO_NOT_SET, type ReceivedHit } from '../hit.ts';
import type { PropertySettings } from '../property/settings.ts';

export const settings: PropertySettings = {
  id: 'UA-1000-1',
  name: 'My site',
  defaultUrl: 'https://mysite.com/',
  domains: ['mysite.com'],
  timeZone: 'UTC',
  currency: 'EUR',
  sessionTimeoutMinutes: 30,
  campaignTimeoutDays: 183,
  referralExclusions: [],
  organicSearchEngines: [
    { name: 'google', domain: 'google.', keywordParams: ['q'] },
    { name: 'bing', domain: 'bing.com', keywordParams: ['q'] },
  ],
  socialNetworks: ['facebook.com', 't.co'],
  manualTagsOverrideAutoTagging: false,
  botFiltering: true,
  ipAnonymization: 'on-request',
  userIdIdentity: false,
  respectDoNotTrack: false,
  customDimensions: [],
  customMetrics: [],
  active: true,
};

export const withSettings = (changes: Partial<PropertySettings>): PropertySettings => ({ ...settings, ...changes });

export type Params = Record<string, string | number | boolean>;

let sequence = 0;

/** A pageview from cid 555.666 on https://mysite.com/ at `at` (ISO text or epoch ms), with `params` on top. */
export function hit(at: string | number, params: Params = {}, extra: Partial<Omit<ReceivedHit, 'params'>> = {}): ReceivedHit {
  const time = typeof at === 'number' ? at : Date.parse(at);
  sequence += 1;
  return {
    id: `00000000-0000-4000-8000-${String(sequence).padStart(12, '0')}`,
    params: { v: '1', tid: settings.id, cid: '555.666', t: 'pageview', dl: 'https://mysite.com/', ...params },
    time,
    receivedAt: time,
    ip: '203.0.113.0',
    geo: GEO_NOT_SET,
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64) test',
    isBot: false,
    ...extra,
  };
}
