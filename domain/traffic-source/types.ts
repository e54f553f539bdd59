// The traffic source of a hit or a session, as ga-processing.md section 4 defines it.
// Values are case-preserving; the literals '(direct)', '(none)', '(not set)' and
// '(not provided)' are written exactly as GA writes them.

export type TrafficSourceKind = 'auto-tagged' | 'campaign' | 'organic' | 'referral' | 'direct';

export interface TrafficSource {
  kind: TrafficSourceKind;
  source: string; // e.g. 'google', 'newsletter', 'example.com', '(direct)'
  medium: string; // e.g. 'cpc', 'organic', 'referral', '(none)'
  campaign: string; // '(not set)' when none
  keyword: string; // '(not set)' when none; '(not provided)' for organic without a keyword
  adContent: string; // '(not set)' when none
  campaignId: string; // '(not set)' when none
  /** Path of the referring URL for referrals (query dropped: docs/processing-rules.md TS-R6); '(not set)' otherwise. */
  referralPath: string;
  gclid?: string;
  dclid?: string;
  /**
   * Ad Distribution Network of the Ads click (`Google Search`, `Search partners`,
   * `Content`, ...), used by the channel grouping; absent without Ads data.
   */
  adNetwork?: string;
}
