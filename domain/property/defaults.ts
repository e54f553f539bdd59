// What a new property gets for every setting CreateProperty leaves out. The
// PropertyCreated.v1 event stores the resolved values, so changing a default here
// later changes new properties only, never the replay of an existing one.
import { DEFAULT_ORGANIC_SEARCH_ENGINES, DEFAULT_SOCIAL_NETWORKS } from '../traffic-source/index.ts';
import type { PropertySettings } from './settings.ts';

export type PropertyDefaults = Readonly<
  Omit<PropertySettings, 'id' | 'name' | 'defaultUrl' | 'domains' | 'active'>
>;

export const PROPERTY_DEFAULTS: PropertyDefaults = Object.freeze({
  timeZone: 'UTC',
  currency: 'USD',
  sessionTimeoutMinutes: 30,
  campaignTimeoutDays: 183,
  referralExclusions: [],
  organicSearchEngines: DEFAULT_ORGANIC_SEARCH_ENGINES,
  socialNetworks: DEFAULT_SOCIAL_NETWORKS,
  manualTagsOverrideAutoTagging: false,
  botFiltering: true,
  ipAnonymization: 'always',
  userIdIdentity: false,
  respectDoNotTrack: false,
  customDimensions: [],
  customMetrics: [],
});
