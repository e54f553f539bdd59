import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openEmbeddedEventStore } from '../../storage/eventstore/embedded.ts';
import { silentLogger } from '../../platform/logger.ts';
import { hashSecret, issueApiKey, listApiKeys, parseApiKey, revokeApiKey, sameHash } from '../keys/api-keys.ts';
import { openApiKeyDirectory } from '../keys/directory.ts';
import { NOW, tempDir, within } from './harness.ts';

test('the directory loads the keys that existed before it opened, then follows issues and revocations', async () => {
  const store = openEmbeddedEventStore({ file: join(tempDir(), 'events.sqlite') });
  const logger = silentLogger();
  const early = await issueApiKey(store, { role: 'admin', name: 'early' }, NOW);
  // Stray data in the category: an unknown type and an invalid issue are skipped, not fatal.
  await store.append('apikey-ffffffffffffffff', [{ id: crypto.randomUUID(), type: 'ApiKeyIssued.v1', data: { keyId: 'nope' } }]);
  await store.append('apikey-eeeeeeeeeeeeeeee', [{ id: crypto.randomUUID(), type: 'ApiKeyRenamed.v9', data: {} }]);
  const directory = openApiKeyDirectory({ store, logger });
  try {
    await within(directory.ready, 'the directory to load');
    assert.equal(directory.list().map((k) => [k.keyId, k.status, k.name]), [[early.issued.keyId, 'issued', 'early']]);
    const later = await issueApiKey(store, { role: 'admin' }, NOW + 1);
    await within(directory.reached(later.position), 'the directory to read the new key');
    assert.is(directory.get(later.issued.keyId)?.name, 'admin key');
    const { position } = await revokeApiKey(store, early.issued.keyId, NOW + 2);
    if (!position) throw new Error('expected a revocation');
    await within(directory.reached(position), 'the directory to read the revocation');
    assert.equal([directory.get(early.issued.keyId)?.status, directory.get(early.issued.keyId)?.revokedAt], ['revoked', NOW + 2]);
    assert.equal((await revokeApiKey(store, early.issued.keyId, NOW + 3)).position, undefined, 'revoking twice appends nothing');
    assert.equal((await listApiKeys(store)).map((k) => [k.keyId, k.status]), directory.list().map((k) => [k.keyId, k.status]));
  } finally {
    await directory.close();
    await store.close();
  }
});

test('key format, hashing and comparison', () => {
  const key = `wa_${'a1'.repeat(8)}_${'0f'.repeat(32)}`;
  assert.equal(parseApiKey(key), { keyId: 'a1'.repeat(8), secret: '0f'.repeat(32) });
  for (const bad of ['', 'wa_', `wa_${'a1'.repeat(8)}`, `xx_${'a1'.repeat(8)}_${'0f'.repeat(32)}`, `${key}0`, key.toUpperCase()]) assert.is(parseApiKey(bad), undefined, bad);
  assert.is(hashSecret('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.ok(sameHash(hashSecret('abc'), hashSecret('abc')));
  assert.not.ok(sameHash(hashSecret('abc'), hashSecret('abd')));
  assert.not.ok(sameHash(hashSecret('abc'), 'ba78'), 'different lengths never match');
  assert.not.ok(sameHash('', ''), 'empty never matches');
});

test.run();
