// Default Channel Grouping (ga-processing.md §5, CHAN): case-sensitive rules,
// evaluated in order, first match wins. Computed per session from its final source.

import type { PropertySettings } from '../property/settings.ts';
import type { TrafficSource } from './types.ts';
import { isSameOrSubdomain, stripPort } from './url.ts';

export type Channel = string;

export const CHANNELS = [
  'Direct',
  'Organic Search',
  'Social',
  'Email',
  'Affiliates',
  'Referral',
  'Paid Search',
  'Other Advertising',
  'Display',
  '(Other)',
] as const;

/**
 * [I] Google's social list is unpublished (§5): the major networks, their short
 * link hosts, and the Android app ids their in-app browsers send as
 * `android-app://<id>/` referrers. Each entry also covers its subdomains.
 */
export const DEFAULT_SOCIAL_NETWORKS: string[] = [
  'facebook.com',
  'fb.me',
  'messenger.com',
  'instagram.com',
  'threads.net',
  'twitter.com',
  'x.com',
  't.co',
  'linkedin.com',
  'lnkd.in',
  'xing.com',
  'reddit.com',
  'pinterest.com',
  'youtube.com',
  'youtu.be',
  'tiktok.com',
  'snapchat.com',
  'tumblr.com',
  'quora.com',
  'vk.com',
  'ok.ru',
  'weibo.com',
  'mastodon.social',
  'bsky.app',
  'news.ycombinator.com',
  'discord.com',
  'whatsapp.com',
  't.me',
  'line.me',
  'com.facebook.katana',
  'com.instagram.android',
  'com.linkedin.android',
  'com.twitter.android',
  'com.reddit.frontpage',
  'com.pinterest',
  'com.zhiliaoapp.musically',
];

const SOCIAL_MEDIUM = /^(social|social-network|social-media|sm|social network|social media)$/;
const PAID_SEARCH_MEDIUM = /^(cpc|ppc|paidsearch)$/;
const OTHER_ADVERTISING_MEDIUM = /^(cpv|cpa|cpp|content-text)$/;
const DISPLAY_MEDIUM = /^(display|cpm|banner)$/;

/**
 * Social Source Referral = Yes. [I] Only a referral counts (medium `referral`
 * from a listed network or a subdomain of one): a tagged `facebook.com / cpc`
 * campaign is paid, not social.
 */
export function isSocialSourceReferral(source: TrafficSource, settings: Pick<PropertySettings, 'socialNetworks'>): boolean {
  if (source.medium !== 'referral') return false;
  const hostname = stripPort(source.source.toLowerCase());
  return settings.socialNetworks.some((network) => isSameOrSubdomain(hostname, network));
}

/** Default Channel Grouping, §5: case-sensitive, first match wins. */
export function defaultChannelGrouping(source: TrafficSource, settings: Pick<PropertySettings, 'socialNetworks'>): Channel {
  const { medium } = source;
  const contentNetwork = source.adNetwork === 'Content';
  // [I] The doc's literal is `direct`; the stored value is `(direct)` (Google's BQ recreation): both match.
  if ((source.source === '(direct)' || source.source === 'direct') && (medium === '(not set)' || medium === '(none)')) return 'Direct';
  if (medium === 'organic') return 'Organic Search';
  if (isSocialSourceReferral(source, settings) || SOCIAL_MEDIUM.test(medium)) return 'Social';
  if (medium === 'email') return 'Email';
  if (medium === 'affiliate') return 'Affiliates';
  if (medium === 'referral') return 'Referral';
  if (PAID_SEARCH_MEDIUM.test(medium) && !contentNetwork) return 'Paid Search';
  if (OTHER_ADVERTISING_MEDIUM.test(medium)) return 'Other Advertising';
  if (DISPLAY_MEDIUM.test(medium) || contentNetwork) return 'Display';
  return '(Other)';
}
