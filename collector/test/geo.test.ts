import { Writable } from 'node:stream';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createLogger } from '../../platform/logger.ts';
import { GEO_NOT_SET } from '../../domain/hit.ts';
import { GeoDatabaseError, geoFromGeoid, openGeoLookup } from '../geo.ts';
import { GEOIP_BROKEN_DB, GEOIP_TEST_DB, tempDir } from './support.ts';

/** A logger whose lines the test can read. */
function recordingLogger() {
  const lines: { level: number; msg: string }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as { level: number; msg: string });
      done();
    },
  });
  return { logger: createLogger('info', sink), lines };
}

test('the City test database: country, first subdivision, city, continent, coordinates at city precision', async () => {
  const { logger } = recordingLogger();
  const geo = await openGeoLookup(GEOIP_TEST_DB, logger);
  assert.ok(geo.enabled);
  assert.equal(geo.lookup('81.2.69.142'), { country: 'GB', region: 'England', city: 'London', continent: 'EU', latitude: 51.51, longitude: -0.09 });
  assert.equal(geo.lookup('216.160.83.56'), { country: 'US', region: 'Washington', city: 'Milton', continent: 'NA', latitude: 47.25, longitude: -122.31 });
  // Boxford has two subdivisions: the first (England) is the region.
  assert.is(geo.lookup('2.125.160.216').region, 'England');
});

test('an address the database does not hold, or no address at all, is (not set)', async () => {
  const geo = await openGeoLookup(GEOIP_TEST_DB, recordingLogger().logger);
  assert.equal(geo.lookup('8.8.8.8'), GEO_NOT_SET);
  assert.equal(geo.lookup('not an ip'), GEO_NOT_SET);
});

test('no database: (not set) everywhere and exactly one warning, at start', async () => {
  const { logger, lines } = recordingLogger();
  const geo = await openGeoLookup(undefined, logger);
  assert.not.ok(geo.enabled);
  assert.equal(geo.lookup('81.2.69.142'), GEO_NOT_SET);
  assert.equal(geo.lookup('216.160.83.56'), GEO_NOT_SET);
  const warnings = lines.filter((line) => line.level === 40);
  assert.is(warnings.length, 1);
  assert.match(warnings[0]!.msg, /GEOIP_DB is not set/);
});

test('a corrupt database (broken double format) stops the start with an error naming GEOIP_DB', async () => {
  try {
    await openGeoLookup(GEOIP_BROKEN_DB, recordingLogger().logger);
    assert.unreachable('should have thrown');
  } catch (error) {
    assert.instance(error, GeoDatabaseError);
    assert.match((error as Error).message, /GEOIP_DB=.*is corrupt/);
  }
});

test('a file that is not a MaxMind database, or is missing, stops the start', async () => {
  const file = join(tempDir(), 'not.mmdb');
  writeFileSync(file, 'hello, I am not a database');
  for (const path of [file, join(tempDir(), 'missing.mmdb')]) {
    try {
      await openGeoLookup(path, recordingLogger().logger);
      assert.unreachable('should have thrown');
    } catch (error) {
      assert.instance(error, GeoDatabaseError);
      assert.match((error as Error).message, /GEOIP_DB=.*cannot be opened/);
    }
  }
});

test('geoid: an alpha-2 country code sets the country alone; anything else is (not set)', () => {
  assert.equal(geoFromGeoid('fr'), { ...GEO_NOT_SET, country: 'FR' });
  assert.equal(geoFromGeoid('21137'), GEO_NOT_SET);
  assert.equal(geoFromGeoid('France'), GEO_NOT_SET);
});

test.run();
