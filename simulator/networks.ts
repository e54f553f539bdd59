// Client addresses for simulated visitors: networks of the MaxMind GeoIP2 City test
// database, read at run time from its JSON source (../shared/geoip/GeoIP2-City-Test.json
// beside the repository, or a path given), so simulated visitors resolve to real
// countries and cities when the collector uses that database.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { Random } from './random.ts';

export interface GeoNetwork {
  /** As written in the source: `81.2.69.160/123`, `::81.2.69.142/127` (IPv4 in IPv6), `2a02:d180::/29`. */
  cidr: string;
  family: 4 | 6;
  /** The network's first address as an integer (IPv4 in 32 bits, IPv6 in 128). */
  base: bigint;
  prefix: number;
  /** ISO country code, or undefined when the test database has none for it. */
  country: string | undefined;
  city: string | undefined;
}

/** Where the GeoIP test data lives, relative to the repository root. */
export const DEFAULT_GEOIP_JSON = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'geoip', 'GeoIP2-City-Test.json');

const recordSchema = z.record(
  z.string(),
  z.object({
    country: z.object({ iso_code: z.string().optional() }).optional(),
    city: z.object({ names: z.record(z.string(), z.string()).optional() }).optional(),
  }),
);
const sourceSchema = z.array(recordSchema, { error: 'must be a JSON array of { "<network>": { country, city, ... } } objects' });

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    value = (value << 8n) | BigInt(part);
  }
  return value;
}

function parseIpv6(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (half: string | undefined): string[] => (half === undefined || half === '' ? [] : half.split(':'));
  const head = groups(halves[0]);
  const tail = groups(halves[1]);
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...Array.from({ length: halves.length === 1 ? 0 : missing }, () => '0'), ...tail];
  let value = 0n;
  for (const group of all) {
    if (!/^[0-9a-f]{1,4}$/i.test(group)) return undefined;
    value = (value << 16n) | BigInt(`0x${group}`);
  }
  return value;
}

/** One network of the source; undefined for a shape we do not understand. */
export function parseNetwork(cidr: string, country: string | undefined, city: string | undefined): GeoNetwork | undefined {
  const [address, prefixText] = cidr.split('/');
  if (address === undefined || prefixText === undefined || !/^\d+$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  // `::a.b.c.d/N` is an IPv4 network written in IPv4-compatible IPv6 form.
  const embedded = /^::(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (embedded && prefix >= 96) {
    const base = parseIpv4(embedded[1]!);
    return base === undefined ? undefined : { cidr, family: 4, base, prefix: prefix - 96, country, city };
  }
  if (address.includes(':')) {
    const base = parseIpv6(address);
    return base === undefined || prefix > 128 ? undefined : { cidr, family: 6, base, prefix, country, city };
  }
  const base = parseIpv4(address);
  return base === undefined || prefix > 32 ? undefined : { cidr, family: 4, base, prefix, country, city };
}

export class GeoNetworksError extends Error {
  override readonly name = 'GeoNetworksError';
}

export function loadGeoNetworks(path: string = DEFAULT_GEOIP_JSON): GeoNetwork[] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new GeoNetworksError(`cannot read the GeoIP test networks from ${path}: ${(error as Error).message} (pass --geoip-json PATH)`);
  }
  const parsed = sourceSchema.safeParse(json);
  if (!parsed.success) throw new GeoNetworksError(`${path}: ${parsed.error.issues[0]?.message ?? 'unexpected content'}`);
  const networks: GeoNetwork[] = [];
  for (const entry of parsed.data) {
    for (const [cidr, record] of Object.entries(entry)) {
      const network = parseNetwork(cidr, record.country?.iso_code, record.city?.names?.en);
      if (network) networks.push(network);
    }
  }
  if (networks.length === 0) throw new GeoNetworksError(`${path}: no networks found`);
  return networks;
}

/** How much of the traffic comes from each country (others share the rest evenly). */
const COUNTRY_WEIGHTS: Record<string, number> = {
  US: 24, GB: 12, DE: 12, FR: 6, NL: 4, SE: 4, JP: 5, CN: 3, KR: 2, AU: 2, IT: 3, ES: 3, PL: 3, CH: 2, AT: 2, NO: 1.5, DK: 1.5, SG: 1, TW: 1, HK: 1, RU: 1.5, TR: 1, IE: 1,
};
const OTHER_COUNTRY_WEIGHT = 0.3;
const UNKNOWN_COUNTRY_WEIGHT = 1;

export interface NetworkPicker {
  /** A country (by traffic share), then one of its networks. */
  pick(random: Random): GeoNetwork;
}

export function networkPicker(networks: readonly GeoNetwork[]): NetworkPicker {
  const byCountry = new Map<string, GeoNetwork[]>();
  for (const network of networks) {
    const key = network.country ?? '';
    const list = byCountry.get(key) ?? [];
    list.push(network);
    byCountry.set(key, list);
  }
  const choices = [...byCountry.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) // stable whatever the file's order
    .map(([country, list]) => [list, country === '' ? UNKNOWN_COUNTRY_WEIGHT : (COUNTRY_WEIGHTS[country] ?? OTHER_COUNTRY_WEIGHT)] as const);
  return { pick: (random) => random.pick(random.weighted(choices)) };
}

/** A random address inside the network (its first and last address avoided when there is room). */
export function addressIn(network: GeoNetwork, random: Random): string {
  const bits = (network.family === 4 ? 32 : 128) - network.prefix;
  let offset = 0n;
  for (let drawn = 0; drawn < bits; drawn += 24) offset = (offset << 24n) | BigInt(random.int(0, 0xffffff));
  const size = 1n << BigInt(bits);
  offset %= size;
  if (size > 2n) offset = 1n + (offset % (size - 2n));
  const address = network.base + offset;
  if (network.family === 4) {
    return [24n, 16n, 8n, 0n].map((shift) => String((address >> shift) & 0xffn)).join('.');
  }
  const groups: string[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(((address >> shift) & 0xffffn).toString(16));
  return groups.join(':');
}
