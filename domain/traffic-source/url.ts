// Lenient URL parsing for referrers (`dr`) and landing pages (`dl`). Browsers and
// Measurement Protocol senders send all sorts of shapes; anything without a host
// is "no URL" rather than an error, so a bad `dr` simply means no referrer.
//
// The WHATWG `URL` parser (a pure global) does the heavy lifting: it lower-cases
// and punycodes hosts of http(s) URLs, drops default ports, and percent-encodes
// paths. We keep hosts in punycode ([I] TS-URL-IDN): property settings store
// hostnames that way, so matching needs no conversion, and no `node:` import is
// needed in the domain.

export interface ParsedUrl {
  /** Host as reported in Source: lower case, no trailing dot, punycode, with the port when it is not the scheme's default. */
  host: string;
  /** `host` without the port: what domain rules match against. */
  hostname: string;
  /** Percent-encoded path as the URL parser normalises it; '/' when empty. */
  path: string;
  /** Query string only: a `#fragment` is never read (analytics.js sends `dl` without it). */
  query: URLSearchParams;
}

const WITH_AUTHORITY = /^[a-z][a-z0-9+.-]*:\/\//i;
/** `scheme:` not followed by a digit, so `localhost:8080/x` is a host with a port, not a scheme. */
const SCHEME_ONLY = /^[a-z][a-z0-9+.-]*:(?!\d)/i;

/** Lower case, no trailing root dot, punycode for a Unicode name (hosts of non-http schemes are not normalised by URL). */
export function normaliseHostname(raw: string): string {
  let host = raw.toLowerCase().replace(/\.+$/, '');
  if (/[^\x00-\x7f]/.test(host)) {
    try {
      host = new URL(`http://${host}/`).hostname;
    } catch {
      // Not a valid name: keep it as it is; it will simply match nothing.
    }
  }
  return host;
}

/** The hostname part of a `host[:port]` (IPv6 literals in brackets keep their colons). */
export function stripPort(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end === -1 ? host : host.slice(0, end + 1);
  }
  return host.replace(/:\d*$/, '');
}

function toUrl(raw: string): URL | undefined {
  // `https:/x.com` is still a URL and `about:blank` or `javascript:` have no host;
  // without a scheme (`www.google.com/search?q=x`, `//cdn.x.com/`) assume http.
  const candidate = WITH_AUTHORITY.test(raw) || SCHEME_ONLY.test(raw) ? raw : `http://${raw.replace(/^\/\//, '')}`;
  try {
    return new URL(candidate);
  } catch {
    return undefined;
  }
}

/** Parse a referrer or page URL; undefined when it has no usable host. */
export function parseUrl(raw: string): ParsedUrl | undefined {
  const trimmed = raw.trim();
  if (trimmed === '') return undefined;
  const url = toUrl(trimmed);
  if (url === undefined) return undefined;
  const hostname = normaliseHostname(url.hostname);
  if (hostname === '') return undefined;
  const port = url.port === '' ? '' : `:${url.port}`;
  const path = url.pathname === '' ? '/' : url.pathname;
  return { host: hostname + port, hostname, path, query: new URLSearchParams(url.search) };
}

/**
 * Domain match as GA's referral exclusions define it: the host is the domain or
 * one of its subdomains (`example.com` covers `a.example.com`, not `another-example.com`).
 */
export function isSameOrSubdomain(hostname: string, domain: string): boolean {
  const d = normaliseHostname(domain.trim());
  if (d === '') return false;
  return hostname === d || hostname.endsWith(`.${d}`);
}
