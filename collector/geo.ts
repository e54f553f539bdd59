// Geo enrichment from a MaxMind City database (GeoLite2-City or GeoIP2-City).
//
// The lookup runs on the FULL client address at ingestion, because anonymised
// addresses land in the wrong city; the full address is never stored (enrich.ts keeps
// only the anonymised one in the event). Results are cached per address in memory for
// speed, bounded, and never written anywhere.
//
// No database configured: every field is '(not set)' and one warning is logged at start.
// A file that cannot be opened, is not a City database, or returns malformed records
// for MaxMind's documented example addresses fails the start with a GeoDatabaseError
// naming GEOIP_DB: an operator who configured geo wants to know it does not work.
import { Reader, type ReaderModel } from '@maxmind/geoip2-node';
import { isIP } from 'node:net';
import type { Geo } from '../domain/hit.ts';
import { GEO_NOT_SET } from '../domain/hit.ts';
import type { Logger } from '../platform/logger.ts';
import { createLru } from '../platform/lru.ts';

export interface GeoLookup {
  /** Location of a full IP address; GEO_NOT_SET when unknown. */
  lookup(ip: string): Geo;
  readonly enabled: boolean;
}

export class GeoDatabaseError extends Error {
  override readonly name = 'GeoDatabaseError';
}

/** MaxMind's own documentation examples; any real City database has them. */
const PROBE_ADDRESSES = ['81.2.69.142', '216.160.83.56', '2001:218::1'];
const CACHE_SIZE = 20_000;
/** Two decimals: about a kilometre, the precision of a city, not of a street. */
const round = (value: number): number => Math.round(value * 100) / 100;

/** Coordinates a City database can hold. A corrupt double decodes to garbage like 1.8e-52. */
const plausible = (value: number | undefined, limit: number): boolean =>
  value !== undefined && Number.isFinite(value) && Math.abs(value) <= limit && (value === 0 || Math.abs(value) >= 1e-6);

export const notSetGeoLookup = (): GeoLookup => ({ enabled: false, lookup: () => GEO_NOT_SET });

export async function openGeoLookup(path: string | undefined, logger: Logger): Promise<GeoLookup> {
  if (path === undefined || path === '') {
    logger.warn('GEOIP_DB is not set: country, region and city will be "(not set)"; point GEOIP_DB at a GeoLite2-City database to enable geo');
    return notSetGeoLookup();
  }
  let reader: ReaderModel;
  try {
    reader = await Reader.open(path, { watchForUpdates: false });
  } catch (error) {
    throw new GeoDatabaseError(`GEOIP_DB=${JSON.stringify(path)} cannot be opened as a MaxMind database: ${(error as Error).message}`);
  }
  let malformedWarned = false;
  const cache = createLru<string, Geo>(CACHE_SIZE);

  /** Undefined for an address the database does not hold; throws for a record it cannot decode sensibly. */
  function read(ip: string): { geo: Geo; malformed: boolean } | undefined {
    let city;
    try {
      city = reader.city(ip);
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'AddressNotFoundError' || name === 'ValueError') return undefined;
      throw error;
    }
    const geo: Geo = {
      country: city.country?.isoCode ?? '(not set)',
      region: city.subdivisions?.[0]?.names.en ?? '(not set)',
      city: city.city?.names.en ?? '(not set)',
      continent: city.continent?.code ?? '(not set)',
    };
    const { latitude, longitude } = city.location ?? {};
    const malformed = (latitude !== undefined || longitude !== undefined) && !(plausible(latitude, 90) && plausible(longitude, 180));
    if (!malformed && latitude !== undefined && longitude !== undefined) {
      geo.latitude = round(latitude);
      geo.longitude = round(longitude);
    }
    return { geo, malformed };
  }

  for (const probe of PROBE_ADDRESSES) {
    let result;
    try {
      result = read(probe);
    } catch (error) {
      throw new GeoDatabaseError(`GEOIP_DB=${JSON.stringify(path)} is not a usable City database: ${(error as Error).message}`);
    }
    if (result?.malformed) {
      throw new GeoDatabaseError(`GEOIP_DB=${JSON.stringify(path)} is corrupt: the record of ${probe} holds malformed coordinates`);
    }
  }
  logger.info({ geoipDb: path }, 'geo enrichment from a MaxMind database');

  return {
    enabled: true,
    lookup(ip) {
      const cached = cache.get(ip);
      if (cached) return cached;
      if (isIP(ip) === 0) return GEO_NOT_SET;
      let result;
      try {
        result = read(ip);
      } catch (error) {
        logger.warn({ err: error }, 'geo lookup failed; geo is "(not set)" for this hit');
        return GEO_NOT_SET;
      }
      if (result?.malformed && !malformedWarned) {
        malformedWarned = true;
        logger.warn({ geoipDb: path }, 'the GeoIP database returned malformed coordinates; latitude and longitude are left out (the file may be corrupt)');
      }
      const geo = result?.geo ?? GEO_NOT_SET;
      cache.set(ip, geo);
      return geo;
    },
  };
}

const ALPHA2 = /^[A-Z]{2}$/;

/**
 * `geoid` overrides the IP's location (even with `uip`). An ISO 3166-1 alpha-2 code
 * sets the country alone: we hold no table of Google's criteria ids nor the country →
 * continent map, so the rest is '(not set)'. Anything else is invalid: all '(not set)'.
 */
export function geoFromGeoid(geoid: string): Geo {
  const code = geoid.trim().toUpperCase();
  return ALPHA2.test(code) ? { ...GEO_NOT_SET, country: code } : GEO_NOT_SET;
}
