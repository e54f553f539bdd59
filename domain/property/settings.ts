// The settings of a property that the client aggregate needs to decide sessions
// and traffic sources. The property aggregate (decider.ts beside this file) owns
// them; the collector passes the current settings into every RecordHit command.

export interface OrganicSearchEngine {
  /** Source name reported for this engine, e.g. 'google'. */
  name: string;
  /** Host or host fragment matched against the referrer, e.g. 'google.' or 'search.yahoo.com'. */
  domain: string;
  /** Query parameters holding the keyword, in order of preference, e.g. ['q']. */
  keywordParams: string[];
}

export type CustomScope = 'hit' | 'session' | 'user' | 'product';

export interface CustomDefinition {
  index: number; // 1..200
  name: string;
  scope: CustomScope;
  active: boolean;
}

export interface PropertySettings {
  /** The tracking id used as `tid`, e.g. 'UA-12345-1'. */
  id: string;
  name: string;
  defaultUrl: string;
  /** The site's own domains; excluded from referrals by default. */
  domains: string[];
  /** IANA time zone for days, hours and the midnight session split. */
  timeZone: string;
  /** ISO 4217 code. */
  currency: string;
  /** Inactivity timeout, minutes: 1 to 240, default 30. */
  sessionTimeoutMinutes: number;
  /** Campaign timeout, days: default 183 (6 months), at most 730 (2 years). */
  campaignTimeoutDays: number;
  /** Extra hosts whose referrals are treated as direct (self-referrals). */
  referralExclusions: string[];
  /** Ordered: the first matching engine wins. */
  organicSearchEngines: OrganicSearchEngine[];
  /** Hosts counted as social networks for the default channel grouping. */
  socialNetworks: string[];
  /** GA's "allow manual tagging (UTM values) to override auto-tagging (GCLID values)". */
  manualTagsOverrideAutoTagging: boolean;
  botFiltering: boolean;
  /** 'always': every IP is anonymised; 'on-request': only with `aip` or `uip` (GA's behaviour). */
  ipAnonymization: 'always' | 'on-request';
  /** Key client streams by `uid` when it is sent. */
  userIdIdentity: boolean;
  respectDoNotTrack: boolean;
  customDimensions: CustomDefinition[];
  customMetrics: CustomDefinition[];
  active: boolean;
  /**
   * Days the raw client streams (the visitors' hits) are kept; 0 or absent: forever.
   * Read models already built keep their numbers; a replay sees only the kept history.
   */
  retentionDays?: number;
}
