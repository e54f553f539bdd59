// Traffic sources and the Default Channel Grouping (ga-processing.md §4-5), as pure functions.
export type { TrafficSource, TrafficSourceKind } from './types.ts';
export { sourceOfHit, DIRECT_SOURCE } from './source-of-hit.ts';
export {
  resolveTrafficSource,
  campaignTimedOut,
  sameTrafficSource,
  type CampaignMemory,
  type TrafficSourceInput,
  type TrafficSourceDecision,
} from './resolve.ts';
export { defaultChannelGrouping, isSocialSourceReferral, DEFAULT_SOCIAL_NETWORKS, CHANNELS, type Channel } from './channel.ts';
export { DEFAULT_ORGANIC_SEARCH_ENGINES, matchOrganicSearch, engineMatchesHost } from './organic.ts';
export { isExcludedReferrer } from './referral.ts';
export { parseUrl, type ParsedUrl } from './url.ts';
