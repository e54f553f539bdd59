// Every way a property command is rejected, and the `field: rule` message it gives.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { PropertyCommand } from './commands.ts';
import { decide, initialState, PropertyCommandRejected } from './decider.ts';
import type { PropertyEvent } from './events.ts';
import { cmd, given, META, NOW } from './given.ts';

const TID = 'UA-12345-1';
const base = { propertyId: TID, name: 'Example', defaultUrl: 'https://www.example.com/' };

const created = given().when(cmd.create(base)).events()[0] as PropertyEvent;
const author: PropertyEvent = {
  type: 'CustomDimensionDefined.v1',
  data: { propertyId: TID, at: NOW, index: 3, name: 'Author', scope: 'hit', active: true },
};
const score: PropertyEvent = {
  type: 'CustomMetricDefined.v1',
  data: { propertyId: TID, at: NOW, index: 7, name: 'Score', scope: 'hit', active: true },
};
const deactivated: PropertyEvent = { type: 'PropertyDeactivated.v1', data: { propertyId: TID, at: NOW } };

/** Lets a test send what the TypeScript types forbid, as HTTP or CLI input could. */
const loose = (data: Record<string, unknown>) => data as never;

// ---------------------------------------------------------------------------------------
const ids = suite('tracking id');

for (const bad of ['UA-123', 'ua-123-1', 'G-ABC123', 'UA-12a-1', 'UA-1-1-1', '', 'UA-1234567890123-1']) {
  ids(`"${bad}" is not a tid`, () => {
    given().when(cmd.create({ ...base, propertyId: bad })).thenRejects('invalid', `propertyId: "${bad}" is not a tracking id of the form UA-<digits>-<digits>`);
  });
}

ids('every command checks the id it names', () => {
  given(created).when(cmd.update({ propertyId: 'UA-x-1' })).thenRejects('invalid', 'propertyId: "UA-x-1" is not a tracking id');
  given(created).when(cmd.deactivate('nope')).thenRejects('invalid', 'propertyId: "nope" is not a tracking id');
});

ids('a command for another property than the loaded one', () => {
  given(created).when(cmd.update({ propertyId: 'UA-9-9', name: 'x' })).thenRejects('invalid', 'propertyId: "UA-9-9" does not match the loaded property "UA-12345-1"');
});

ids.run();

// ---------------------------------------------------------------------------------------
const settings = suite('settings');

settings('time zone that is not IANA', () => {
  given().when(cmd.create({ ...base, timeZone: 'Mars/Olympus' })).thenRejects('invalid', 'timeZone: "Mars/Olympus" is not an IANA time zone');
  given().when(cmd.create({ ...base, timeZone: '+01:00' })).thenRejects('invalid', 'timeZone: "+01:00" is not an IANA time zone');
  given(created).when(cmd.update({ propertyId: TID, timeZone: '' })).thenRejects('invalid', 'timeZone: "" is not an IANA time zone');
});

settings('currency: format, then ISO 4217 membership', () => {
  given().when(cmd.create({ ...base, currency: 'eur' })).thenRejects('invalid', 'currency: "eur" is not an ISO 4217 code (3 upper-case letters)');
  given().when(cmd.create({ ...base, currency: 'EURO' })).thenRejects('invalid', 'currency: "EURO" is not an ISO 4217 code');
  given().when(cmd.create({ ...base, currency: 'XQQ' })).thenRejects('invalid', 'currency: "XQQ" is not a known ISO 4217 currency');
});

settings('session timeout outside 1 to 240 minutes, or fractional', () => {
  for (const minutes of [0, 241, -5]) {
    given().when(cmd.create({ ...base, sessionTimeoutMinutes: minutes })).thenRejects('invalid', 'sessionTimeoutMinutes: must be 1 to 240 minutes');
  }
  given(created).when(cmd.update({ propertyId: TID, sessionTimeoutMinutes: 30.5 })).thenRejects('invalid', 'sessionTimeoutMinutes: must be a whole number of minutes');
});

settings('campaign timeout outside 1 to 730 days', () => {
  for (const days of [0, 731]) {
    given().when(cmd.create({ ...base, campaignTimeoutDays: days })).thenRejects('invalid', 'campaignTimeoutDays: must be 1 to 730 days');
  }
  given(created).when(cmd.update({ propertyId: TID, campaignTimeoutDays: 1000 })).thenRejects('invalid', 'campaignTimeoutDays: must be 1 to 730 days');
});

settings('empty or missing property name', () => {
  given().when(cmd.create({ ...base, name: '   ' })).thenRejects('invalid', 'name: must not be empty');
  given().when(cmd.create(loose({ propertyId: TID, defaultUrl: base.defaultUrl }))).thenRejects('invalid', 'name: is required');
  given(created).when(cmd.update({ propertyId: TID, name: '' })).thenRejects('invalid', 'name: must not be empty');
});

settings('default URL that is not absolute http(s)', () => {
  given().when(cmd.create({ ...base, defaultUrl: 'www.example.com' })).thenRejects('invalid', 'defaultUrl: "www.example.com" is not an absolute http(s) URL');
  given().when(cmd.create({ ...base, defaultUrl: 'ftp://example.com/' })).thenRejects('invalid', 'defaultUrl: "ftp://example.com/" is not an absolute http(s) URL');
});

settings('invalid domains, exclusions and social networks name the list entry', () => {
  given().when(cmd.create({ ...base, domains: ['example.com', 'exa mple.com'] })).thenRejects('invalid', 'domains[1]: "exa mple.com" is not a valid hostname');
  given().when(cmd.create({ ...base, domains: ['https://example.com/'] })).thenRejects('invalid', 'domains[0]: "https://example.com/" is not a valid hostname');
  given().when(cmd.create({ ...base, domains: ['-bad.com'] })).thenRejects('invalid', 'domains[0]: "-bad.com" is not a valid hostname');
  given().when(cmd.create({ ...base, domains: ['example.com:8080'] })).thenRejects('invalid', 'domains[0]: "example.com:8080" is not a valid hostname');
  given(created).when(cmd.update({ propertyId: TID, referralExclusions: ['pay_pal.com'] })).thenRejects('invalid', 'referralExclusions[0]: "pay_pal.com" is not a valid hostname');
  given(created).when(cmd.update({ propertyId: TID, socialNetworks: ['t.co', ''] })).thenRejects('invalid', 'socialNetworks[1]: "" is not a valid hostname');
});

settings('a hostname listed twice (after lower-casing)', () => {
  given().when(cmd.create({ ...base, domains: ['example.com', 'Example.COM'] })).thenRejects('invalid', 'domains[1]: "example.com" is listed twice');
  given(created).when(cmd.update({ propertyId: TID, referralExclusions: ['a.com', 'b.com', 'a.com'] })).thenRejects('invalid', 'referralExclusions[2]: "a.com" is listed twice');
});

settings('the site needs at least one domain', () => {
  given().when(cmd.create({ ...base, domains: [] })).thenRejects('invalid', 'domains: must list at least one domain');
});

settings('organic search engines need a name, a domain and a keyword parameter', () => {
  given(created)
    .when(cmd.update({ propertyId: TID, organicSearchEngines: [{ name: 'ok', domain: 'ok.com', keywordParams: ['q'] }, { name: ' ', domain: 'a b', keywordParams: [] }] }))
    .thenRejects(
      'invalid',
      'organicSearchEngines[1].name: must not be empty',
      'organicSearchEngines[1].domain: must not contain spaces',
      'organicSearchEngines[1].keywordParams: must list at least one query parameter',
    );
});

settings('IP anonymisation policy other than always / on-request', () => {
  given(created).when(cmd.update(loose({ propertyId: TID, ipAnonymization: 'sometimes' }))).thenRejects('invalid', 'ipAnonymization: must be "always" or "on-request"');
});

settings('wrong types and unknown fields', () => {
  given(created).when(cmd.update(loose({ propertyId: TID, botFiltering: 'yes' }))).thenRejects('invalid', 'botFiltering: must be true or false');
  given(created).when(cmd.update(loose({ propertyId: TID, sessionTimeout: 30 }))).thenRejects('invalid', 'data: unknown field "sessionTimeout"');
  given(created).when(cmd.update(loose({ propertyId: TID, active: false }))).thenRejects('invalid', 'data: unknown field "active"');
  given(created).when(cmd.update(loose({ propertyId: TID, sessionTimeoutMinutes: '30' }))).thenRejects('invalid', 'sessionTimeoutMinutes: must be a number');
});

settings('every problem of a command is reported at once', () => {
  const error = given()
    .when(cmd.create({ ...base, timeZone: 'Mars/Olympus', currency: 'eur', sessionTimeoutMinutes: 0 }))
    .thenRejects('invalid', 'timeZone: ', 'currency: ', 'sessionTimeoutMinutes: ');
  assert.is(error.issues.length, 3);
  assert.ok(error.message.startsWith('CreateProperty rejected: '));
});

settings.run();

// ---------------------------------------------------------------------------------------
const definitions = suite('custom definitions');

definitions('index 0 and 201, in a Define command and in a CreateProperty list', () => {
  for (const index of [0, 201]) {
    given(created).when(cmd.dimension({ propertyId: TID, index, name: 'x', scope: 'hit' })).thenRejects('invalid', 'index: must be 1 to 200');
    given(created).when(cmd.metric({ propertyId: TID, index, name: 'x', scope: 'hit' })).thenRejects('invalid', 'index: must be 1 to 200');
    given().when(cmd.create({ ...base, customDimensions: [{ index, name: 'x', scope: 'hit' }] })).thenRejects('invalid', 'customDimensions[0].index: must be 1 to 200');
  }
  given(created).when(cmd.dimension({ propertyId: TID, index: 1.5, name: 'x', scope: 'hit' })).thenRejects('invalid', 'index: must be a whole number');
});

definitions('duplicate index in a CreateProperty list', () => {
  given()
    .when(cmd.create({ ...base, customDimensions: [{ index: 3, name: 'Author', scope: 'hit' }, { index: 3, name: 'Plan', scope: 'user' }] }))
    .thenRejects('invalid', 'customDimensions: index 3 is defined twice');
  given()
    .when(cmd.create({ ...base, customMetrics: [{ index: 4, name: 'a', scope: 'hit' }, { index: 4, name: 'b', scope: 'hit' }] }))
    .thenRejects('invalid', 'customMetrics: index 4 is defined twice');
});

definitions('duplicate name in a CreateProperty list', () => {
  given()
    .when(cmd.create({ ...base, customDimensions: [{ index: 3, name: 'Author', scope: 'hit' }, { index: 4, name: 'Author', scope: 'user' }] }))
    .thenRejects('invalid', 'customDimensions: name "Author" is already used by index 3');
});

definitions('duplicate name against the existing definitions, case-insensitively', () => {
  given(created, author).when(cmd.dimension({ propertyId: TID, index: 4, name: 'Author', scope: 'hit' })).thenRejects('invalid', 'customDimensions: name "Author" is already used by index 3');
  given(created, author).when(cmd.dimension({ propertyId: TID, index: 5, name: ' author ', scope: 'user' })).thenRejects('invalid', 'customDimensions: name "author" is already used by index 3');
  given(created, score).when(cmd.metric({ propertyId: TID, index: 8, name: 'SCORE', scope: 'hit' })).thenRejects('invalid', 'customMetrics: name "SCORE" is already used by index 7');
});

definitions('a scope that does not exist; session and user scopes for a metric', () => {
  given(created).when(cmd.dimension(loose({ propertyId: TID, index: 1, name: 'x', scope: 'page' }))).thenRejects('invalid', 'scope: must be "hit", "session", "user" or "product"');
  given(created).when(cmd.dimension(loose({ propertyId: TID, index: 1, name: 'x' }))).thenRejects('invalid', 'scope: must be "hit", "session", "user" or "product"');
  given(created).when(cmd.metric(loose({ propertyId: TID, index: 1, name: 'x', scope: 'session' }))).thenRejects('invalid', 'scope: must be "hit" or "product"');
  given().when(cmd.create(loose({ ...base, customMetrics: [{ index: 1, name: 'x', scope: 'user' }] }))).thenRejects('invalid', 'customMetrics[0].scope: must be "hit" or "product"');
});

definitions('empty definition name', () => {
  given(created).when(cmd.dimension({ propertyId: TID, index: 1, name: '  ', scope: 'hit' })).thenRejects('invalid', 'name: must not be empty');
  given(created).when(cmd.metric({ propertyId: TID, index: 1, name: '', scope: 'hit' })).thenRejects('invalid', 'name: must not be empty');
  given().when(cmd.create({ ...base, customDimensions: [{ index: 1, name: '', scope: 'hit' }] })).thenRejects('invalid', 'customDimensions[0].name: must not be empty');
});

definitions('name longer than 150 characters', () => {
  given(created).when(cmd.dimension({ propertyId: TID, index: 1, name: 'n'.repeat(151), scope: 'hit' })).thenRejects('invalid', 'name: must be at most 150 characters');
});

definitions.run();

// ---------------------------------------------------------------------------------------
const lifecycle = suite('lifecycle');

lifecycle('creating a property that exists', () => {
  given(created).when(cmd.create(base)).thenRejects('already-exists', 'propertyId: property "UA-12345-1" already exists');
  given(created, deactivated).when(cmd.create(base)).thenRejects('already-exists');
});

lifecycle('changing a property that does not exist', () => {
  const missing = 'propertyId: property "UA-12345-1" does not exist';
  given().when(cmd.update({ propertyId: TID, name: 'x' })).thenRejects('not-found', missing);
  given().when(cmd.dimension({ propertyId: TID, index: 1, name: 'x', scope: 'hit' })).thenRejects('not-found', missing);
  given().when(cmd.metric({ propertyId: TID, index: 1, name: 'x', scope: 'hit' })).thenRejects('not-found', missing);
  given().when(cmd.deactivate(TID)).thenRejects('not-found', missing);
  given().when(cmd.reactivate(TID)).thenRejects('not-found', missing);
});

lifecycle('a deactivated property cannot be changed until reactivated', () => {
  const message = 'propertyId: property "UA-12345-1" is deactivated; reactivate it before changing it';
  given(created, deactivated).when(cmd.update({ propertyId: TID, name: 'x' })).thenRejects('deactivated', message);
  given(created, deactivated).when(cmd.dimension({ propertyId: TID, index: 1, name: 'x', scope: 'hit' })).thenRejects('deactivated', message);
  given(created, deactivated).when(cmd.metric({ propertyId: TID, index: 1, name: 'x', scope: 'hit' })).thenRejects('deactivated', message);
});

lifecycle('a command without a valid time', () => {
  const noTime = { type: 'DeactivateProperty', data: { propertyId: TID }, metadata: {} } as unknown as PropertyCommand;
  given(created).when(noTime).thenRejects('invalid', 'DeactivateProperty rejected: metadata.now: is required');
  const negative: PropertyCommand = { type: 'DeactivateProperty', data: { propertyId: TID }, metadata: { now: -1 } };
  given(created).when(negative).thenRejects('invalid', 'metadata.now: must be epoch milliseconds');
});

lifecycle('a command type the aggregate does not know', () => {
  const unknown = { type: 'DeleteProperty', data: { propertyId: TID }, metadata: META } as unknown as PropertyCommand;
  given(created).when(unknown).thenRejects('invalid', 'type: "DeleteProperty" is not a property command');
});

lifecycle('a rejection is a typed error carrying code, command and issues', () => {
  try {
    decide(cmd.update({ propertyId: TID, name: 'x' }), initialState());
    assert.unreachable('should have thrown');
  } catch (e) {
    assert.instance(e, PropertyCommandRejected);
    assert.ok(e instanceof PropertyCommandRejected);
    assert.is(e.name, 'PropertyCommandRejected');
    assert.is(e.commandType, 'UpdatePropertySettings');
    assert.equal(e.issues, ['propertyId: property "UA-12345-1" does not exist']);
  }
});

lifecycle.run();
