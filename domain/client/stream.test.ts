import { createHash } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { base64url, sha256Hex, utf8Bytes } from './encoding.ts';
import { CLIENT_STREAM_CATEGORY, MissingClientIdentityError, clientKeyOf, clientStreamName } from './stream.ts';
import { settings, withSettings } from './fixtures.ts';

const test = suite('client stream name');
const ALLOWED = /^[A-Za-z0-9_.:@=+-]+$/;
const category = (name: string) => name.slice(0, name.indexOf('-'));

test('a cid made of allowed characters is written as is, in the client category', () => {
  const name = clientStreamName('UA-1000-1', { cid: '35009a79-1a05-49d7-b876-2b884d0f825b' }, settings);
  assert.is(name, 'client-UA-1000-1.c.35009a79-1a05-49d7-b876-2b884d0f825b');
  assert.is(category(name), CLIENT_STREAM_CATEGORY);
  assert.is(clientKeyOf(name), 'UA-1000-1.c.35009a79-1a05-49d7-b876-2b884d0f825b');
  assert.is(clientStreamName('UA-1000-1', { cid: '1234567890.1234567890' }, settings), 'client-UA-1000-1.c.1234567890.1234567890');
});

test('uid identity: keyed by uid when uid is sent and userIdIdentity is on', () => {
  const on = withSettings({ userIdIdentity: true });
  assert.is(clientStreamName('UA-1000-1', { cid: '555.666', uid: 'user42' }, on), 'client-UA-1000-1.u.user42');
  assert.is(clientStreamName('UA-1000-1', { cid: '555.666' }, on), 'client-UA-1000-1.c.555.666', 'no uid: by cid');
  assert.is(clientStreamName('UA-1000-1', { cid: '555.666', uid: 'user42' }, settings), 'client-UA-1000-1.c.555.666', 'identity off: by cid');
  assert.is(clientStreamName('UA-1000-1', { uid: 'user42' }, settings), 'client-UA-1000-1.u.user42', 'uid only: by uid');
  assert.is.not(clientStreamName('UA-1000-1', { cid: 'x' }, settings), clientStreamName('UA-1000-1', { uid: 'x' }, settings));
});

test('other characters are base64url-encoded behind an "=" marker, deterministically and without collisions', () => {
  const odd = 'ab c/ü=?';
  const name = clientStreamName('UA-1000-1', { cid: odd }, settings);
  assert.is(name, `client-UA-1000-1.c.=${base64url(utf8Bytes(odd))}`);
  assert.ok(ALLOWED.test(name), name);
  assert.is(clientStreamName('UA-1000-1', { cid: odd }, settings), name, 'deterministic');
  // A raw value can never look like an encoded one: '=' itself forces encoding.
  const lookalike = `=${base64url(utf8Bytes(odd))}`;
  assert.is.not(clientStreamName('UA-1000-1', { cid: lookalike }, settings), name);
  assert.ok(ALLOWED.test(clientStreamName('UA-1000-1', { cid: lookalike }, settings)));
  // A tid with a '.' is encoded too, so the first '.' always ends it.
  const dotted = clientStreamName('UA.1', { cid: '1' }, settings);
  assert.is(dotted, `client-=${base64url(utf8Bytes('UA.1'))}.c.1`);
});

test('names never exceed 200 characters: long ids are hashed behind "=="', () => {
  const long = 'x'.repeat(500);
  const name = clientStreamName('UA-1000-1', { cid: long }, settings);
  assert.is(name, `client-UA-1000-1.c.==${sha256Hex(long)}`);
  assert.ok(name.length <= 200 && ALLOWED.test(name));
  const longTid = clientStreamName('UA-'.padEnd(300, '9'), { cid: long }, settings);
  assert.ok(longTid.length <= 200 && ALLOWED.test(longTid), longTid);
  assert.is.not(clientStreamName('UA-1000-1', { cid: `${long}y` }, settings), name);
});

test('a hit naming neither cid nor uid has no stream', () => {
  assert.throws(() => clientStreamName('UA-1000-1', { t: 'pageview' }, settings), (e: unknown) => e instanceof MissingClientIdentityError && /cid/.test(e.message));
});

test('base64url and sha256 agree with node:crypto', () => {
  for (const text of ['', 'a', 'ab', 'abc', 'ü€😀', 'x'.repeat(55), 'x'.repeat(56), 'x'.repeat(64), 'y'.repeat(1000)]) {
    assert.is(base64url(utf8Bytes(text)), Buffer.from(text, 'utf8').toString('base64url'), `base64url ${text.length}`);
    assert.is(sha256Hex(text), createHash('sha256').update(text, 'utf8').digest('hex'), `sha256 ${text.length}`);
  }
});

test.run();
