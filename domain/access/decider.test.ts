import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ApiKeyCommandRejected, apiKeyStateFrom, decideApiKey, evolveApiKey, initialApiKeyState, type ApiKeyCommand } from './decider.ts';
import { accessEventSchemas, apiKeyStreamName, toAccessEvent, type AccessEvent } from './events.ts';

const NOW = Date.UTC(2024, 5, 3, 10, 0, 0);
const KEY_ID = '0123456789abcdef';
const HASH = 'a'.repeat(64);

const issue = (data: Record<string, unknown>): ApiKeyCommand =>
  ({ type: 'IssueApiKey', data: { keyId: KEY_ID, name: 'dashboard', role: 'read', propertyIds: ['UA-1-1'], secretHash: HASH, ...data }, metadata: { now: NOW } }) as ApiKeyCommand;
const revoke: ApiKeyCommand = { type: 'RevokeApiKey', data: { keyId: KEY_ID }, metadata: { now: NOW + 1000 } };

function rejection(run: () => unknown): ApiKeyCommandRejected {
  try {
    run();
  } catch (error) {
    if (error instanceof ApiKeyCommandRejected) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

test('the stream of a key is apikey-<keyId>, category "apikey"', () => {
  assert.is(apiKeyStreamName(KEY_ID), `apikey-${KEY_ID}`);
  assert.is(apiKeyStreamName(KEY_ID).split('-')[0], 'apikey');
});

test('IssueApiKey on a new stream issues the key, properties deduplicated, time from the command', () => {
  const events = decideApiKey(issue({ propertyIds: ['UA-1-1', ' UA-2-1', 'UA-1-1'] }), initialApiKeyState());
  assert.equal(events, [
    { type: 'ApiKeyIssued.v1', data: { keyId: KEY_ID, name: 'dashboard', role: 'read', propertyIds: ['UA-1-1', 'UA-2-1'], secretHash: HASH, at: NOW } },
  ]);
  for (const event of events) assert.ok(accessEventSchemas[event.type].safeParse(event.data).success, 'the event matches its published schema');
  const state = apiKeyStateFrom(events);
  assert.is(state.status, 'issued');
  if (state.status !== 'absent') assert.is(state.issuedAt, NOW);
});

test('an admin key has no properties; a read key needs at least one', () => {
  assert.equal(decideApiKey(issue({ role: 'admin', propertyIds: [] }), initialApiKeyState())[0]?.data, {
    keyId: KEY_ID, name: 'dashboard', role: 'admin', propertyIds: [], secretHash: HASH, at: NOW,
  });
  assert.equal(rejection(() => decideApiKey(issue({ propertyIds: [] }), initialApiKeyState())).issues, ['propertyIds: a read key must name at least one property']);
  const admin = rejection(() => decideApiKey(issue({ role: 'admin' }), initialApiKeyState()));
  assert.is(admin.code, 'invalid');
  assert.match(admin.issues[0] ?? '', /^propertyIds: /);
});

test('invalid data is rejected naming each field and its rule', () => {
  const error = rejection(() => decideApiKey(issue({ keyId: 'XYZ', role: 'owner', propertyIds: ['G-123'], secretHash: 'short', name: ' ' }), initialApiKeyState()));
  assert.is(error.code, 'invalid');
  const fields = error.issues.map((line) => line.split(':')[0]);
  assert.equal(fields.sort(), ['keyId', 'name', 'propertyIds[0]', 'role', 'secretHash']);
  assert.ok(error.issues.includes('propertyIds[0]: must be a tracking id of the form UA-<digits>-<digits>'));
  const missing = rejection(() => decideApiKey({ type: 'IssueApiKey', data: { keyId: KEY_ID }, metadata: { now: NOW } } as unknown as ApiKeyCommand, initialApiKeyState()));
  assert.ok(missing.issues.includes('secretHash: is required'), missing.issues.join('; '));
  const noClock = rejection(() => decideApiKey({ ...revoke, metadata: {} } as unknown as ApiKeyCommand, initialApiKeyState()));
  assert.equal(noClock.issues, ['metadata.now: is required']);
});

test('a key id is issued once', () => {
  const state = apiKeyStateFrom(decideApiKey(issue({}), initialApiKeyState()));
  const error = rejection(() => decideApiKey(issue({}), state));
  assert.is(error.code, 'already-exists');
  assert.equal(error.issues, [`keyId: key "${KEY_ID}" already exists`]);
});

test('RevokeApiKey revokes an issued key once; again is a no-op; an unknown key is not found', () => {
  const issued = apiKeyStateFrom(decideApiKey(issue({}), initialApiKeyState()));
  const events = decideApiKey(revoke, issued);
  assert.equal(events, [{ type: 'ApiKeyRevoked.v1', data: { keyId: KEY_ID, at: NOW + 1000 } }]);
  const revoked = events.reduce(evolveApiKey, issued);
  assert.is(revoked.status, 'revoked');
  if (revoked.status !== 'absent') assert.is(revoked.revokedAt, NOW + 1000);
  assert.equal(decideApiKey(revoke, revoked), []);
  assert.is(rejection(() => decideApiKey(revoke, initialApiKeyState())).code, 'not-found');
});

test('evolve is total: a revocation before an issue, or a second issue of a revoked key, changes nothing it should not', () => {
  const revokedFirst: AccessEvent = { type: 'ApiKeyRevoked.v1', data: { keyId: KEY_ID, at: NOW } };
  assert.equal(evolveApiKey(initialApiKeyState(), revokedFirst), initialApiKeyState());
  assert.equal(evolveApiKey(initialApiKeyState(), { type: 'Unknown.v1', data: {} } as unknown as AccessEvent), initialApiKeyState());
});

test('toAccessEvent reads stored events back, and ignores other types and bad data', () => {
  assert.equal(toAccessEvent('ApiKeyRevoked.v1', { keyId: KEY_ID, at: 5, later: true }), { type: 'ApiKeyRevoked.v1', data: { keyId: KEY_ID, at: 5 } });
  assert.is(toAccessEvent('PropertyCreated.v1', {}), undefined);
  assert.is(toAccessEvent('ApiKeyRevoked.v1', { keyId: 'nope', at: 5 }), undefined);
});

test.run();
