// The traffic source a single hit carries (ga-processing.md §4.2 steps 1-4):
// auto-tagging, then a manual campaign, then the referrer (organic search,
// excluded, referral); nothing usable means direct, which is `undefined` here
// because what direct means depends on the client's history (see resolve.ts).

import type { HitParameters } from '../hit.ts';
import type { PropertySettings } from '../property/settings.ts';
import { matchOrganicSearch } from './organic.ts';
import { isExcludedReferrer } from './referral.ts';
import { cleanText, NOT_SET, textParam } from './text.ts';
import type { TrafficSource } from './types.ts';
import { normaliseHostname, parseUrl, stripPort, type ParsedUrl } from './url.ts';

/** The session source of a direct arrival: `(direct)` / `(none)` (META). */
export const DIRECT_SOURCE: Readonly<TrafficSource> = Object.freeze({
  kind: 'direct',
  source: '(direct)',
  medium: '(none)',
  campaign: NOT_SET,
  keyword: NOT_SET,
  adContent: NOT_SET,
  campaignId: NOT_SET,
  referralPath: NOT_SET,
});

/** The collector's byte limits for cs/cm/cn/ck/cc/ci (§2), applied to utm_* values read from `dl` too. */
const CAMPAIGN_FIELDS = [
  { field: 'source', param: 'cs', utm: 'utm_source', maxBytes: 100 },
  { field: 'medium', param: 'cm', utm: 'utm_medium', maxBytes: 50 },
  { field: 'campaign', param: 'cn', utm: 'utm_campaign', maxBytes: 100 },
  { field: 'keyword', param: 'ck', utm: 'utm_term', maxBytes: 500 },
  { field: 'adContent', param: 'cc', utm: 'utm_content', maxBytes: 500 },
  { field: 'campaignId', param: 'ci', utm: 'utm_id', maxBytes: 100 },
] as const;

type CampaignField = (typeof CAMPAIGN_FIELDS)[number]['field'];
type CampaignValues = Record<CampaignField, string>;

/** Click ids are opaque; the bound only keeps a hostile `dl` from bloating events. */
const CLICK_ID_MAX_BYTES = 2048;

/**
 * A manual campaign set, or undefined when it has no source ([I] utm_source /
 * cs is the minimum; §4.1). [I] The explicit `cs`..`ci` set wins over the utm
 * set in `dl` as a whole, never field by field, so a campaign is never a mix
 * of two taggings. Missing parts are `(not set)`.
 */
function manualCampaign(params: HitParameters, landing: ParsedUrl | undefined): CampaignValues | undefined {
  const read = (get: (f: (typeof CAMPAIGN_FIELDS)[number]) => string | null | undefined): CampaignValues | undefined => {
    const values = {} as CampaignValues;
    for (const f of CAMPAIGN_FIELDS) values[f.field] = cleanText(get(f), f.maxBytes) ?? NOT_SET;
    return values.source === NOT_SET ? undefined : values;
  };
  return (
    read((f) => textParam(params, f.param)) ??
    // [I] utm_* are read from the query of `dl` only: names are lower case, the
    // first occurrence wins, and a #fragment is never read.
    (landing === undefined ? undefined : read((f) => landing.query.get(f.utm)))
  );
}

/** gclid / dclid: the parameter, else the landing page's query (analytics.js leaves them in `dl`). */
function clickIds(params: HitParameters, landing: ParsedUrl | undefined): { gclid?: string; dclid?: string } {
  const ids: { gclid?: string; dclid?: string } = {};
  for (const key of ['gclid', 'dclid'] as const) {
    const value = cleanText(textParam(params, key) ?? landing?.query.get(key), CLICK_ID_MAX_BYTES);
    if (value !== undefined) ids[key] = value;
  }
  return ids;
}

/** The page's own hostname: `dh`, else the host of `dl`. */
function ownHostname(params: HitParameters, landing: ParsedUrl | undefined): string | undefined {
  const dh = textParam(params, 'dh');
  return dh === undefined ? landing?.hostname : normaliseHostname(stripPort(dh.trim()));
}

function fromReferrer(params: HitParameters, settings: PropertySettings, landing: ParsedUrl | undefined): TrafficSource | undefined {
  const dr = textParam(params, 'dr');
  const referrer = dr === undefined ? undefined : parseUrl(dr);
  if (referrer === undefined) return undefined;
  // Step 3.1 before 3.2 (§4.2): excluding a search engine's domain does not hide its organic traffic.
  const organic = matchOrganicSearch(referrer, settings.organicSearchEngines);
  if (organic !== undefined) {
    return { ...DIRECT_SOURCE, kind: 'organic', source: organic.engine, medium: 'organic', keyword: organic.keyword };
  }
  if (isExcludedReferrer(referrer.host, settings)) return undefined;
  // [I] A referrer on the page's own host is no referral: analytics.js only sends
  // `dr` when the hostnames differ (its `alwaysSendReferrer` default), and MP
  // senders that copy document.referrer would otherwise self-refer on every page.
  if (referrer.hostname === ownHostname(params, landing)) return undefined;
  // [I] TS-7: Referral Path is the path only; the query is dropped (PII, cardinality).
  return { ...DIRECT_SOURCE, kind: 'referral', source: referrer.host, medium: 'referral', referralPath: referrer.path };
}

/**
 * The source this hit carries on its own (steps 1-4 of §4.2), or undefined when
 * it carries none: no campaign, no usable referrer, or an excluded one.
 */
export function sourceOfHit(params: HitParameters, settings: PropertySettings): TrafficSource | undefined {
  const dl = textParam(params, 'dl');
  const landing = dl === undefined ? undefined : parseUrl(dl);
  const ids = clickIds(params, landing);
  const manual = manualCampaign(params, landing);
  const autoTagged = ids.gclid !== undefined || ids.dclid !== undefined;

  // Step 1: auto-tagging wins unless the property lets manual tags override it (TS-3, TS-4).
  // [I] dclid is auto-tagging too (§4.2); without a linked Ads account the rest is (not set).
  if (autoTagged && (manual === undefined || !settings.manualTagsOverrideAutoTagging)) {
    return { ...DIRECT_SOURCE, kind: 'auto-tagged', source: 'google', medium: 'cpc', ...ids };
  }
  // Step 2. [I] With the override on, the click ids stay on the campaign (BQ keeps adwordsClickInfo).
  if (manual !== undefined) return { ...DIRECT_SOURCE, kind: 'campaign', ...manual, ...ids };
  // Steps 3-4.
  return fromReferrer(params, settings, landing);
}
