import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger } from '../../platform/logger.ts';
import { openPropertyDirectory } from '../property-directory.ts';
import { createProperty, NOW, openTempStore, runPropertyCommand, within } from '../../collector/test/support.ts';

test('ready once the existing properties are folded; later changes are seen at their position', async () => {
  const store = openTempStore();
  await createProperty(store, 'UA-7000-1', { timeZone: 'Europe/Paris', botFiltering: false });
  await store.append('client-UA-7000-1.c.x', [{ id: '00000000-0000-4000-8000-000000000001', type: 'Other', data: {} }]);
  const directory = openPropertyDirectory({ store, logger: silentLogger() });
  await within(directory.ready, 'ready');
  const settings = directory.get('UA-7000-1');
  assert.equal([settings?.id, settings?.timeZone, settings?.botFiltering, settings?.active], ['UA-7000-1', 'Europe/Paris', false, true]);
  assert.is(directory.get('UA-7000-2'), undefined);

  const created = await createProperty(store, 'UA-7000-2');
  await within(directory.reached(created!), 'the new property');
  assert.is(directory.get('UA-7000-2')?.name, 'Test site');

  const changed = await runPropertyCommand(store, 'UA-7000-1', { type: 'UpdatePropertySettings', data: { propertyId: 'UA-7000-1', sessionTimeoutMinutes: 45 }, metadata: { now: NOW } });
  await within(directory.reached(changed!), 'the settings change');
  assert.is(directory.get('UA-7000-1')?.sessionTimeoutMinutes, 45);

  const deactivated = await runPropertyCommand(store, 'UA-7000-1', { type: 'DeactivateProperty', data: { propertyId: 'UA-7000-1' }, metadata: { now: NOW } });
  await within(directory.reached(deactivated!), 'the deactivation');
  assert.is(directory.get('UA-7000-1')?.active, false);

  await directory.close();
  await store.close();
});

test('an empty store is ready at once', async () => {
  const store = openTempStore();
  const directory = openPropertyDirectory({ store, logger: silentLogger() });
  await within(directory.ready, 'ready');
  assert.is(directory.get('UA-1-1'), undefined);
  await directory.close();
  await store.close();
});

test.run();
