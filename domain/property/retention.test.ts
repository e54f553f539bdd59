// The raw-data retention setting: optional (absent = forever), backward compatible with
// events written before it existed, validated in days.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { safeParseEvent } from '../contract.ts';
import { settingsOf, stateFrom } from './decider.ts';
import type { PropertyEvent } from './events.ts';
import { cmd, given, NOW } from './given.ts';

const TID = 'UA-777-1';
const base = { propertyId: TID, name: 'Shop', defaultUrl: 'https://shop.example/' };
const createdWithout = given().when(cmd.create(base)).events()[0] as PropertyEvent;

test('CreateProperty without retentionDays writes no retention: forever, and the event is unchanged', () => {
  assert.ok(createdWithout.type === 'PropertyCreated.v1');
  assert.not.ok('retentionDays' in createdWithout.data.settings);
  assert.is(settingsOf(stateFrom([createdWithout])).retentionDays, undefined);
});

test('CreateProperty with retentionDays keeps it in the snapshot and the settings', () => {
  const [event] = given().when(cmd.create({ ...base, retentionDays: 400 })).events();
  assert.ok(event?.type === 'PropertyCreated.v1');
  assert.is(event.data.settings.retentionDays, 400);
  assert.is(settingsOf(stateFrom([event])).retentionDays, 400);
  // 0 means forever: written as absent, like a property created before the setting existed.
  const [forever] = given().when(cmd.create({ ...base, retentionDays: 0 })).events();
  assert.ok(forever?.type === 'PropertyCreated.v1');
  assert.not.ok('retentionDays' in forever.data.settings);
});

test('UpdatePropertySettings changes the retention; 0 on a property without one changes nothing', () => {
  given(createdWithout).when(cmd.update({ propertyId: TID, retentionDays: 0 })).thenNothing();
  given(createdWithout)
    .when(cmd.update({ propertyId: TID, retentionDays: 30 }))
    .then([{ type: 'PropertySettingsChanged.v1', data: { propertyId: TID, at: NOW, changes: { retentionDays: 30 } } }]);
  const changed: PropertyEvent = { type: 'PropertySettingsChanged.v1', data: { propertyId: TID, at: NOW, changes: { retentionDays: 30 } } };
  given(createdWithout, changed).when(cmd.update({ propertyId: TID, retentionDays: 30 })).thenNothing();
  given(createdWithout, changed)
    .when(cmd.update({ propertyId: TID, retentionDays: 0 }))
    .then([{ type: 'PropertySettingsChanged.v1', data: { propertyId: TID, at: NOW, changes: { retentionDays: 0 } } }]);
  assert.is(settingsOf(stateFrom([createdWithout, changed])).retentionDays, 30);
});

for (const [value, rule] of [
  [-1, 'must be 0 to 3650 days'],
  [3651, 'must be 0 to 3650 days'],
  [1.5, 'must be a whole number of days'],
] as const) {
  test(`retentionDays ${value} is refused: ${rule}`, () => {
    given().when(cmd.create({ ...base, retentionDays: value })).thenRejects('invalid', `retentionDays: ${rule}`);
    given(createdWithout).when(cmd.update({ propertyId: TID, retentionDays: value })).thenRejects('invalid', `retentionDays: ${rule}`);
  });
}

test('the published contract accepts events with and without the field, and refuses a bad value', () => {
  assert.ok(safeParseEvent('PropertyCreated.v1', createdWithout.data).ok);
  assert.ok(safeParseEvent('PropertySettingsChanged.v1', { propertyId: TID, at: NOW, changes: { retentionDays: 90 } }).ok);
  assert.not.ok(safeParseEvent('PropertySettingsChanged.v1', { propertyId: TID, at: NOW, changes: { retentionDays: -5 } }).ok);
});

test.run();
