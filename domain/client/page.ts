// Page dimensions of a hit (ga-processing.md §2 "Page dimensions derived from a
// hit"): hostname = dh, else the host of dl; page = dp, else path + query of dl,
// without the #fragment. dl is split by hand rather than with `URL`, so the path
// is kept exactly as sent (no re-encoding, no dot-segment resolution).

import type { HitParameters } from '../hit.ts';
import type { PageFacts } from './events.ts';
import { compact, nonEmpty, text } from './params.ts';

const WITH_AUTHORITY = /^(?:[A-Za-z][A-Za-z0-9+.-]*:)?\/\/([^/?#]*)([^#]*)/;

/** Host (lower-cased, no user info, no port) and path + query of a URL; the path defaults to '/'. */
export function splitLocation(location: string): { host: string | undefined; path: string | undefined } {
  const match = WITH_AUTHORITY.exec(location);
  if (match === null) {
    // A relative location: everything before the fragment is the path.
    const path = location.split('#', 1)[0] ?? '';
    return { host: undefined, path: path === '' ? undefined : path };
  }
  const authority = match[1] ?? '';
  const hostPort = authority.slice(authority.lastIndexOf('@') + 1);
  const host = hostPort.startsWith('[') ? hostPort.slice(0, hostPort.indexOf(']') + 1) : (hostPort.split(':', 1)[0] ?? '');
  const rest = match[2] ?? '';
  const path = rest === '' ? '/' : rest.startsWith('?') ? `/${rest}` : rest;
  return { host: host === '' ? undefined : host.toLowerCase(), path };
}

const CONTENT_GROUP = /^cg([1-5])$/;

export function pageOf(params: HitParameters): PageFacts {
  const location = text(params, 'dl');
  const fromLocation = location === undefined ? { host: undefined, path: undefined } : splitLocation(location);
  let contentGroups: Record<string, string> | undefined;
  for (const key of Object.keys(params)) {
    const match = CONTENT_GROUP.exec(key);
    const value = match === null ? undefined : text(params, key);
    if (match !== null && value !== undefined) (contentGroups ??= {})[match[1]!] = value;
  }
  return compact({
    hostname: text(params, 'dh') ?? fromLocation.host,
    path: text(params, 'dp') ?? fromLocation.path,
    title: text(params, 'dt'),
    location,
    screenName: text(params, 'cd'),
    contentGroups: contentGroups === undefined ? undefined : nonEmpty(contentGroups),
    linkId: text(params, 'linkid'),
  });
}
