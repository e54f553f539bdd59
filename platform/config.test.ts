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

test('describeConfig masks credentials in URLs', () => {
  const described = describeConfig(loadConfig({ MONGODB_URL: 'mongodb://admin:s3cret@db:27017/' }));
  assert.equal(described.MONGODB_URL, 'mongodb://***@db:27017/');
});

test.run();
