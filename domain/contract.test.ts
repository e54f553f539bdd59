import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { clientEventSchemas } from './client/events.ts';
import { accessEventSchemas } from './access/events.ts';
import { erasureEventSchemas } from './erasure/events.ts';
import {
  CONTRACT_ID,
  CONTRACT_VERSION,
  EVENT_TYPE_PATTERN,
  EVENT_TYPES,
  EventContractViolation,
  eventContractJsonSchema,
  eventSchemas,
  parseEvent,
  safeParseEvent,
  serializeEventContract,
  STREAM_CATEGORIES,
} from './contract.ts';
import { propertyEventSchemas } from './property/events.ts';

const SCHEMA_FILE = fileURLToPath(new URL('../docs/events.schema.json', import.meta.url));

const propertyCreated = {
  propertyId: 'UA-12345-1',
  at: 1_705_311_000_000,
  settings: {
    name: 'Example',
    defaultUrl: 'https://www.example.com/',
    domains: ['example.com'],
    timeZone: 'Europe/Paris',
    currency: 'EUR',
    sessionTimeoutMinutes: 30,
    campaignTimeoutDays: 183,
    referralExclusions: [],
    organicSearchEngines: [{ name: 'google', domain: 'www.google.', keywordParams: ['q'] }],
    socialNetworks: ['facebook.com'],
    manualTagsOverrideAutoTagging: false,
    botFiltering: true,
    ipAnonymization: 'always',
    userIdIdentity: false,
    respectDoNotTrack: false,
    customDimensions: [{ index: 1, name: 'Author', scope: 'hit', active: true }],
    customMetrics: [],
  },
};

test('docs/events.schema.json is the freshly generated contract', () => {
  let onDisk = '';
  try {
    onDisk = readFileSync(SCHEMA_FILE, 'utf8');
  } catch {
    assert.unreachable('docs/events.schema.json is missing: run `npm run contract`');
  }
  assert.ok(onDisk === serializeEventContract(), 'docs/events.schema.json is out of date: run `npm run contract`');
});

test('the serialised contract is stable: same text twice, keys sorted, trailing newline', () => {
  const text = serializeEventContract();
  assert.is(serializeEventContract(), text);
  assert.ok(text.endsWith('}\n'));
  const topKeys = Object.keys(JSON.parse(text) as object);
  assert.equal(topKeys, [...topKeys].sort());
});

test('every event type name is versioned: PascalCase.v<N>', () => {
  assert.ok(EVENT_TYPES.length > 0);
  for (const type of EVENT_TYPES) assert.ok(EVENT_TYPE_PATTERN.test(type), `bad event type name "${type}"`);
  for (const bad of ['propertyCreated.v1', 'PropertyCreated', 'PropertyCreated.v0', 'Property-Created.v1', 'PropertyCreated.V1']) {
    assert.not.ok(EVENT_TYPE_PATTERN.test(bad), bad);
  }
});

test('the contract holds every event of every stream category, no name shared', () => {
  const byCategory: Record<string, string[]> = {
    client: Object.keys(clientEventSchemas),
    property: Object.keys(propertyEventSchemas),
    erasure: Object.keys(erasureEventSchemas),
    apikey: Object.keys(accessEventSchemas),
  };
  const all = Object.values(byCategory).flat();
  assert.is(EVENT_TYPES.length, all.length, 'no event type name is shared between categories');
  assert.equal([...EVENT_TYPES], [...all].sort());
  for (const [category, types] of Object.entries(byCategory)) assert.equal(STREAM_CATEGORIES[category], [...types].sort(), category);
  for (const type of byCategory.property!) assert.is(eventSchemas[type as keyof typeof eventSchemas], propertyEventSchemas[type as keyof typeof propertyEventSchemas]);
});

test('the JSON Schema document: identity, one definition and one branch per event type', () => {
  const doc = eventContractJsonSchema() as {
    $id: string;
    $schema: string;
    title: string;
    version: string;
    $defs: Record<string, { type?: string }>;
    oneOf: { title: string; properties: { type: { const: string }; data: { $ref: string } } }[];
  };
  assert.is(doc.$id, CONTRACT_ID);
  assert.is(doc.$schema, 'https://json-schema.org/draft/2020-12/schema');
  assert.is(doc.version, CONTRACT_VERSION);
  assert.ok(doc.title.length > 0);
  assert.equal(
    doc.oneOf.map((branch) => branch.properties.type.const),
    EVENT_TYPES,
  );
  for (const branch of doc.oneOf) {
    const type = branch.properties.type.const;
    assert.is(branch.properties.data.$ref, `#/$defs/${type}`);
    assert.is(doc.$defs[type]?.type, 'object', `${type} has an object definition`);
  }
  const created = doc.$defs['PropertyCreated.v1'] as { required: string[]; properties: Record<string, unknown> };
  assert.equal(created.required.sort(), ['at', 'propertyId', 'settings']);
  assert.equal((created.properties['propertyId'] as { pattern: string }).pattern, '^UA-[0-9]{1,12}-[0-9]{1,6}$');
});

test('parseEvent accepts a valid event and returns it typed', () => {
  const event = parseEvent('PropertyCreated.v1', propertyCreated);
  assert.is(event.type, 'PropertyCreated.v1');
  if (event.type === 'PropertyCreated.v1') assert.is(event.data.settings.timeZone, 'Europe/Paris');
  assert.equal(event.data, propertyCreated);
  assert.equal(parseEvent('PropertyDeactivated.v1', { propertyId: 'UA-1-1', at: 0 }).data, { propertyId: 'UA-1-1', at: 0 });
});

test('parseEvent tolerates fields added within a version (and drops them)', () => {
  const event = parseEvent('PropertyReactivated.v1', { propertyId: 'UA-1-1', at: 5, reason: 'added later' });
  assert.equal(event.data, { propertyId: 'UA-1-1', at: 5 });
});

test('parseEvent rejects bad data, naming the type and the field', () => {
  const bad = { ...propertyCreated, settings: { ...propertyCreated.settings, sessionTimeoutMinutes: 0, currency: 7 } };
  assert.throws(
    () => parseEvent('PropertyCreated.v1', bad),
    (e: unknown) =>
      e instanceof EventContractViolation &&
      e.eventType === 'PropertyCreated.v1' &&
      e.message.startsWith('PropertyCreated.v1: ') &&
      e.message.includes('settings.sessionTimeoutMinutes: ') &&
      e.message.includes('settings.currency: must be a string'),
  );
  const missing = safeParseEvent('CustomDimensionDefined.v1', { propertyId: 'UA-1-1', at: 1, index: 1, name: 'x', active: true });
  assert.ok(!missing.ok);
  assert.ok(missing.error.message.includes('CustomDimensionDefined.v1: scope: '), missing.error.message);
  const notObject = safeParseEvent('PropertyDeactivated.v1', 'nope');
  assert.ok(!notObject.ok);
  assert.is(notObject.error.message, 'PropertyDeactivated.v1: data: must be an object');
});

test('parseEvent rejects a type outside the contract', () => {
  assert.throws(() => parseEvent('PropertyDeleted.v1', {}), /PropertyDeleted\.v1: type: "PropertyDeleted\.v1" is not an event type of the contract/);
});

test.run();
