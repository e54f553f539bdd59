// Referral exclusions (ga-processing.md §4.2 step 3.2, REFX): an excluded referrer
// is treated as no referrer at all, so it neither sets a source nor starts a session.

import type { PropertySettings } from '../property/settings.ts';
import { isSameOrSubdomain, normaliseHostname, stripPort } from './url.ts';

/**
 * The property's own domains and its referral exclusions match the host and
 * all its subdomains (`example.com` covers `shop.example.com`, not
 * `another-example.com`). [I] A leading `www.` of an own domain is ignored, so
 * a property set up as `www.example.com` still excludes `shop.example.com`:
 * GA excludes the registrable domain of the property's URL (§4.2, LunaMetrics),
 * and stripping `www.` is what our property defaults do too. Exclusions are
 * taken literally. `host` may carry a port, which is ignored.
 */
export function isExcludedReferrer(host: string, settings: Pick<PropertySettings, 'domains' | 'referralExclusions'>): boolean {
  const hostname = normaliseHostname(stripPort(host.trim()));
  if (hostname === '') return false;
  return (
    settings.domains.some((domain) => isSameOrSubdomain(hostname, domain.trim().replace(/^www\./i, ''))) ||
    settings.referralExclusions.some((domain) => isSameOrSubdomain(hostname, domain))
  );
}
