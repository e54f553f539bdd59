// IP anonymisation as GA applies it for `aip` and `uip` (ga-processing.md §1.7):
// IPv4 loses its last octet, IPv6 its last 80 bits. Pure string work, no I/O.

/** The four octets of a dotted-quad IPv4 address; leading zeros are refused (octal ambiguity). */
function parseIpv4(text: string): [number, number, number, number] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const octets: number[] = [];
  for (const part of parts) {
    if (part.length === 0 || part.length > 3 || (part.length > 1 && part[0] === '0')) return undefined;
    for (let i = 0; i < part.length; i++) {
      const c = part.charCodeAt(i);
      if (c < 48 || c > 57) return undefined;
    }
    const value = Number(part);
    if (value > 255) return undefined;
    octets.push(value);
  }
  return octets as [number, number, number, number];
}

const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/** Hex groups (and an optional trailing dotted IPv4) of one side of a `::`. */
function parseGroups(side: string, allowIpv4Tail: boolean): number[] | undefined {
  if (side === '') return [];
  const pieces = side.split(':');
  const groups: number[] = [];
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i]!;
    if (allowIpv4Tail && i === pieces.length - 1 && piece.includes('.')) {
      const v4 = parseIpv4(piece);
      if (!v4) return undefined;
      groups.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
    } else if (HEX_GROUP.test(piece)) {
      groups.push(parseInt(piece, 16));
    } else {
      return undefined;
    }
  }
  return groups;
}

/** The eight 16-bit groups of an IPv6 address (`::` compression, IPv4 tail, `%zone` accepted). */
function parseIpv6(text: string): number[] | undefined {
  const zone = text.indexOf('%');
  // The zone names a local interface, not the host: it is dropped.
  const address = zone === -1 ? text : zone === text.length - 1 ? '' : text.slice(0, zone);
  if (address === '' || address.length > 45) return undefined;
  const gap = address.indexOf('::');
  if (gap === -1) {
    const groups = parseGroups(address, true);
    return groups && groups.length === 8 ? groups : undefined;
  }
  if (address.indexOf('::', gap + 1) !== -1) return undefined;
  const head = parseGroups(address.slice(0, gap), false);
  const tail = parseGroups(address.slice(gap + 2), true);
  if (!head || !tail || head.length + tail.length > 7) return undefined;
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

/** RFC 5952 text: lower-case, no leading zeros, the longest run (>= 2) of zero groups as `::`. */
function formatIpv6(groups: number[]): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number): string =>
    groups
      .slice(from, to)
      .map((g) => g.toString(16))
      .join(':');
  if (bestStart === -1) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLength, 8)}`;
}

const isIpv4Mapped = (groups: number[]): boolean =>
  groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0 && groups[5] === 0xffff;

/**
 * The anonymised form of an address, or undefined when it is not an IP address.
 * - IPv4: last octet zeroed (`123.123.123.123` → `123.123.123.0`).
 * - IPv6: last 80 bits zeroed, printed per RFC 5952 (`2001:db8:85a3:8d3:1319:8a2e:370:7348` → `2001:db8:85a3::`).
 * - IPv4-mapped IPv6 (`::ffff:1.2.3.4`, as dual-stack sockets report IPv4 peers) is
 *   treated as the IPv4 address and returned in dotted form (`1.2.3.0`); zeroing 80 bits
 *   of the mapped form would erase the whole IPv4 address.
 */
export function anonymiseIp(ip: string): string | undefined {
  const text = ip.trim();
  if (text.length === 0 || text.length > 64) return undefined;
  if (!text.includes(':')) {
    const v4 = parseIpv4(text);
    return v4 ? `${v4[0]}.${v4[1]}.${v4[2]}.0` : undefined;
  }
  const groups = parseIpv6(text);
  if (!groups) return undefined;
  if (isIpv4Mapped(groups)) return `${groups[6]! >> 8}.${groups[6]! & 0xff}.${groups[7]! >> 8}.0`;
  return formatIpv6([groups[0]!, groups[1]!, groups[2]!, 0, 0, 0, 0, 0]);
}
