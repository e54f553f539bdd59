import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError, describeConfig, loadConfig } from './config.ts';

test('defaults: embedded stores, port 8080, ./data', () => {
  const config = loadConfig({});
  assert.equal(config.WEBALYTIC_DATA_DIR, './data');
  assert.equal(config.PORT, 8080);
  assert.equal(config.EVENTSTORE_URL, undefined);
  assert.equal(config.MONGODB_URL, undefined);
  assert.equal(config.LOG_LEVEL, 'info');
});

test('values are parsed and coerced', () => {
  const config = loadConfig({ PORT: '9090', EVENTSTORE_URL: 'esdb://localhost:2113?tls=false', MONGODB_URL: 'mongodb://db:27017/?replicaSet=rs0', LOG_LEVEL: 'debug', WEBALYTIC_DATA_DIR: '/tmp/x' });
  assert.equal(config.PORT, 9090);
  assert.equal(config.EVENTSTORE_URL, 'esdb://localhost:2113?tls=false');
  assert.equal(config.LOG_LEVEL, 'debug');
});

test('an empty EVENTSTORE_URL means embedded', () => {
  assert.equal(loadConfig({ EVENTSTORE_URL: '' }).EVENTSTORE_URL, undefined);
});

for (const [name, value, rule] of [
  ['PORT', 'abc', 'must be a number'],
  ['PORT', '70000', 'must be 0 to 65535'],
  ['PORT', '80.5', 'must be an integer'],
  ['EVENTSTORE_URL', 'http://localhost:2113', 'must be a URL starting with esdb://'],
  ['MONGODB_URL', 'localhost:27017', 'must be a URL starting with mongodb://'],
  ['LOG_LEVEL', 'loud', 'must be one of'],
  ['TRUST_PROXY', 'maybe', 'must be one of 1, 0, true, false'],
  ['COLLECT_RATE_LIMIT_PER_MINUTE', '-1', 'must be 0 or more'],
  ['COLLECT_RATE_LIMIT_PER_MINUTE', 'lots', 'must be a number'],
  ['COLLECT_MAX_IN_FLIGHT', '0', 'must be at least 1'],
  ['COLLECT_MAX_IN_FLIGHT', '2.5', 'must be an integer'],
  ['REQUEST_TIMEOUT_MS', '10', 'must be 1000 to 600000'],
  ['ADMIN_API_KEY', 'too-short-key', 'must be at least 24 characters'],
] as const) {
  test(`bad ${name}=${value} stops the start with a line naming the variable and the rule`, () => {
    try {
      loadConfig({ [name]: value });
      assert.unreachable('should have thrown');
    } catch (error) {
      assert.instance(error, ConfigError);
      const message = (error as Error).message;
      assert.ok(message.startsWith(`invalid configuration: ${name}=`), message);
      assert.ok(message.includes(rule), message);
      assert.not.ok(message.includes('\n'), 'one line for one bad variable');
    }
  });
}

test('a bad secret is named, never shown: the admin key, and credentials in a store URL', () => {
  const messageOf = (env: NodeJS.ProcessEnv): string => {
    try {
      loadConfig(env);
    } catch (error) {
      return (error as Error).message;
    }
    return assert.unreachable('should have thrown') as never;
  };
  const key = messageOf({ ADMIN_API_KEY: 'short-secret-key' });
  assert.not.ok(key.includes('short-secret-key'), key);
  assert.match(key, /ADMIN_API_KEY=\(16 characters, not shown\) must be at least 24 characters/);
  const mongo = messageOf({ MONGODB_URL: 'mongo://admin:S3cretPw@db:27017' });
  assert.not.ok(mongo.includes('S3cretPw'), mongo);
  assert.match(mongo, /MONGODB_URL="mongo:\/\/\*\*\*@db:27017"/);
  const esdb = messageOf({ EVENTSTORE_URL: 'http://ops:Pa55@esdb:2113' });
  assert.not.ok(esdb.includes('Pa55'), esdb);
});

test('collector defaults: no GeoIP database, no proxy trusted, limits on', () => {
  const config = loadConfig({});
  assert.equal(config.GEOIP_DB, undefined);
  assert.equal(config.TRUST_PROXY, false);
  assert.equal(config.COLLECT_RATE_LIMIT_PER_MINUTE, 1200);
  assert.equal(config.COLLECT_MAX_IN_FLIGHT, 5000);
  assert.equal(config.REQUEST_TIMEOUT_MS, 10_000);
});

test('collector variables are parsed: TRUST_PROXY words, 0 turns the rate limit off, an empty GEOIP_DB is unset', () => {
  const config = loadConfig({ GEOIP_DB: '/geo/City.mmdb', TRUST_PROXY: 'TRUE', COLLECT_RATE_LIMIT_PER_MINUTE: '0', COLLECT_MAX_IN_FLIGHT: '100', REQUEST_TIMEOUT_MS: '5000' });
  assert.equal(config.GEOIP_DB, '/geo/City.mmdb');
  assert.equal(config.TRUST_PROXY, true);
  assert.equal(config.COLLECT_RATE_LIMIT_PER_MINUTE, 0);
  assert.equal(config.COLLECT_MAX_IN_FLIGHT, 100);
  assert.equal(config.REQUEST_TIMEOUT_MS, 5000);
  assert.equal(loadConfig({ TRUST_PROXY: 'off' }).TRUST_PROXY, false);
  assert.equal(loadConfig({ TRUST_PROXY: '1' }).TRUST_PROXY, true);
  assert.equal(loadConfig({ GEOIP_DB: '  ' }).GEOIP_DB, undefined);
});

test('describeConfig masks credentials in URLs', () => {
  const described = describeConfig(loadConfig({ MONGODB_URL: 'mongodb://admin:s3cret@db:27017/' }));
  assert.equal(described.MONGODB_URL, 'mongodb://***@db:27017/');
});

test('ADMIN_API_KEY: optional, kept when long enough, masked by describeConfig', () => {
  assert.equal(loadConfig({}).ADMIN_API_KEY, undefined);
  assert.equal(loadConfig({ ADMIN_API_KEY: '' }).ADMIN_API_KEY, undefined);
  const key = 'k3y-0123456789-abcdefghij';
  const config = loadConfig({ ADMIN_API_KEY: key });
  assert.equal(config.ADMIN_API_KEY, key);
  const described = describeConfig(config);
  assert.equal(described.ADMIN_API_KEY, '***');
  assert.not.ok(JSON.stringify(described).includes(key), 'the key never reaches the log');
  assert.equal(describeConfig(loadConfig({})).ADMIN_API_KEY, undefined);
});

test('deployment variables: shutdown deadline, retention interval, read models mapping and session columns, with defaults and rules', () => {
  const defaults = loadConfig({});
  assert.is(defaults.SHUTDOWN_TIMEOUT_MS, 20_000);
  assert.is(defaults.RETENTION_INTERVAL_MINUTES, 60);
  assert.is(defaults.READ_MODELS_MMAP_MB, 1024);
  assert.is(defaults.SESSION_COLUMNS_MB, 256);
  const set = loadConfig({ SHUTDOWN_TIMEOUT_MS: '0', RETENTION_INTERVAL_MINUTES: '0', READ_MODELS_MMAP_MB: '0', SESSION_COLUMNS_MB: '0' });
  assert.is(set.SESSION_COLUMNS_MB, 0);
  assert.is(set.SHUTDOWN_TIMEOUT_MS, 0);
  assert.is(set.RETENTION_INTERVAL_MINUTES, 0);
  assert.is(set.READ_MODELS_MMAP_MB, 0);
  for (const [name, value, rule] of [
    ['SHUTDOWN_TIMEOUT_MS', '-1', 'must be 0 to 600000'],
    ['SHUTDOWN_TIMEOUT_MS', 'soon', 'must be a number'],
    ['RETENTION_INTERVAL_MINUTES', '20000', 'must be at most 10080'],
    ['RETENTION_INTERVAL_MINUTES', '1.5', 'must be an integer'],
    ['READ_MODELS_MMAP_MB', '-5', 'must be 0 or more'],
    ['READ_MODELS_MMAP_MB', 'lots', 'must be a number'],
    ['SESSION_COLUMNS_MB', '100000', 'must be at most 65536'],
  ] as const) {
    assert.throws(
      () => loadConfig({ [name]: value }),
      (error: unknown) => error instanceof ConfigError && error.message.startsWith(`invalid configuration: ${name}=`) && error.message.includes(rule),
      `${name}=${value}`,
    );
  }
});

test.run();
