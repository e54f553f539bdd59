import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_ORGANIC_SEARCH_ENGINES, DEFAULT_SOCIAL_NETWORKS } from '../traffic-source/index.ts';
import {
  decide,
  evolve,
  initialState,
  PROPERTY_DEFAULTS,
  PropertyNotFound,
  propertyStreamName,
  settingsOf,
  stateFrom,
} from './decider.ts';
import type { CustomDimensionDefined, PropertyCreated, PropertyEvent } from './events.ts';
import { propertyEventSchemas } from './events.ts';
import { cmd, given, NOW } from './given.ts';

const TID = 'UA-12345-1';

const created: PropertyCreated = {
  type: 'PropertyCreated.v1',
  data: {
    propertyId: TID,
    at: NOW,
    settings: {
      name: 'Example',
      defaultUrl: 'https://www.example.com/',
      domains: ['example.com'],
      timeZone: 'UTC',
      currency: 'USD',
      sessionTimeoutMinutes: 30,
      campaignTimeoutDays: 183,
      referralExclusions: [],
      organicSearchEngines: DEFAULT_ORGANIC_SEARCH_ENGINES,
      socialNetworks: DEFAULT_SOCIAL_NETWORKS,
      manualTagsOverrideAutoTagging: false,
      botFiltering: true,
      ipAnonymization: 'always',
      userIdIdentity: false,
      respectDoNotTrack: false,
      customDimensions: [],
      customMetrics: [],
    },
  },
};

const author: CustomDimensionDefined = {
  type: 'CustomDimensionDefined.v1',
  data: { propertyId: TID, at: NOW, index: 3, name: 'Author', scope: 'hit', active: true },
};

const deactivated: PropertyEvent = { type: 'PropertyDeactivated.v1', data: { propertyId: TID, at: NOW } };

test('the stream of a property is property-<tid>, category "property"', () => {
  assert.is(propertyStreamName(TID), 'property-UA-12345-1');
  assert.is(propertyStreamName(TID).split('-')[0], 'property');
});

test('CreateProperty with only the required fields takes every default', () => {
  given()
    .when(cmd.create({ propertyId: TID, name: 'Example', defaultUrl: 'https://www.example.com/' }))
    .then([created]);
});

test('PROPERTY_DEFAULTS are the documented GA defaults', () => {
  assert.equal(
    { ...PROPERTY_DEFAULTS, organicSearchEngines: undefined, socialNetworks: undefined },
    {
      timeZone: 'UTC',
      currency: 'USD',
      sessionTimeoutMinutes: 30,
      campaignTimeoutDays: 183,
      referralExclusions: [],
      organicSearchEngines: undefined,
      socialNetworks: undefined,
      manualTagsOverrideAutoTagging: false,
      botFiltering: true,
      ipAnonymization: 'always',
      userIdIdentity: false,
      respectDoNotTrack: false,
      customDimensions: [],
      customMetrics: [],
    },
  );
  assert.is(PROPERTY_DEFAULTS.organicSearchEngines, DEFAULT_ORGANIC_SEARCH_ENGINES);
  assert.is(PROPERTY_DEFAULTS.socialNetworks, DEFAULT_SOCIAL_NETWORKS);
});

test('CreateProperty normalises what it is given: trimmed, lower-case hosts, canonical zone, definitions by index', () => {
  const [event] = given()
    .when(
      cmd.create({
        propertyId: ' UA-9-2 ',
        name: '  Shop ',
        defaultUrl: 'https://Shop.Example.org',
        domains: ['Shop.Example.org.', 'example.net'],
        timeZone: 'europe/paris',
        currency: 'EUR',
        sessionTimeoutMinutes: 240,
        campaignTimeoutDays: 730,
        referralExclusions: ['PayPal.com'],
        organicSearchEngines: [{ name: 'duckduckgo', domain: 'duckduckgo.com', keywordParams: ['q'] }],
        socialNetworks: ['mastodon.social'],
        manualTagsOverrideAutoTagging: true,
        botFiltering: false,
        ipAnonymization: 'on-request',
        userIdIdentity: true,
        respectDoNotTrack: true,
        customDimensions: [
          { index: 200, name: 'Plan', scope: 'user' },
          { index: 1, name: 'Author', scope: 'hit', active: false },
        ],
        customMetrics: [{ index: 1, name: 'Score', scope: 'product' }],
      }),
    )
    .events();
  assert.equal(event, {
    type: 'PropertyCreated.v1',
    data: {
      propertyId: 'UA-9-2',
      at: NOW,
      settings: {
        name: 'Shop',
        defaultUrl: 'https://shop.example.org/',
        domains: ['shop.example.org', 'example.net'],
        timeZone: 'Europe/Paris',
        currency: 'EUR',
        sessionTimeoutMinutes: 240,
        campaignTimeoutDays: 730,
        referralExclusions: ['paypal.com'],
        organicSearchEngines: [{ name: 'duckduckgo', domain: 'duckduckgo.com', keywordParams: ['q'] }],
        socialNetworks: ['mastodon.social'],
        manualTagsOverrideAutoTagging: true,
        botFiltering: false,
        ipAnonymization: 'on-request',
        userIdIdentity: true,
        respectDoNotTrack: true,
        customDimensions: [
          { index: 1, name: 'Author', scope: 'hit', active: false },
          { index: 200, name: 'Plan', scope: 'user', active: true },
        ],
        customMetrics: [{ index: 1, name: 'Score', scope: 'product', active: true }],
      },
    },
  });
});

test('the lower bounds are accepted too: 1 minute, 1 day; UTC aliases resolve', () => {
  const [event] = given()
    .when(cmd.create({ propertyId: TID, name: 'x', defaultUrl: 'http://localhost:8080/', sessionTimeoutMinutes: 1, campaignTimeoutDays: 1, timeZone: 'Etc/UTC' }))
    .events();
  assert.ok(event?.type === 'PropertyCreated.v1');
  assert.is(event.data.settings.sessionTimeoutMinutes, 1);
  assert.is(event.data.settings.campaignTimeoutDays, 1);
  assert.is(event.data.settings.timeZone, 'UTC');
  assert.equal(event.data.settings.domains, ['localhost']);
});

test('the traffic-source defaults are valid input themselves', () => {
  const [event] = given()
    .when(
      cmd.create({
        propertyId: TID,
        name: 'Example',
        defaultUrl: 'https://www.example.com/',
        organicSearchEngines: DEFAULT_ORGANIC_SEARCH_ENGINES,
        socialNetworks: DEFAULT_SOCIAL_NETWORKS,
      }),
    )
    .events();
  assert.equal(event, created);
});

test('settingsOf gives the settings with id and active flag; before creation it throws PropertyNotFound', () => {
  const settings = settingsOf(stateFrom([created]));
  assert.is(settings.id, TID);
  assert.is(settings.active, true);
  assert.is(settings.sessionTimeoutMinutes, 30);
  assert.equal(settings.domains, ['example.com']);
  assert.throws(() => settingsOf(initialState()), (e: unknown) => e instanceof PropertyNotFound);
});

test('UpdatePropertySettings emits only the settings whose value changes', () => {
  given(created)
    .when(
      cmd.update({
        propertyId: TID,
        name: 'Example', // unchanged: left out
        sessionTimeoutMinutes: 45,
        timeZone: 'America/New_York',
        referralExclusions: ['checkout.stripe.com'],
        botFiltering: true, // unchanged
      }),
    )
    .then([
      {
        type: 'PropertySettingsChanged.v1',
        data: {
          propertyId: TID,
          at: NOW,
          changes: { timeZone: 'America/New_York', sessionTimeoutMinutes: 45, referralExclusions: ['checkout.stripe.com'] },
        },
      },
    ]);
});

test('an update that changes nothing, or names no setting, emits nothing', () => {
  given(created).when(cmd.update({ propertyId: TID, currency: 'USD', domains: ['EXAMPLE.com'] })).thenNothing();
  given(created).when(cmd.update({ propertyId: TID })).thenNothing();
});

test('evolve applies a settings change; lists are replaced whole', () => {
  const [changed] = given(created).when(cmd.update({ propertyId: TID, domains: ['example.com', 'example.org'], currency: 'GBP' })).events();
  assert.ok(changed);
  const settings = settingsOf(stateFrom([created, changed]));
  assert.equal(settings.domains, ['example.com', 'example.org']);
  assert.is(settings.currency, 'GBP');
  assert.is(settings.timeZone, 'UTC');
});

test('DefineCustomDimension creates the definition; active defaults to true', () => {
  given(created).when(cmd.dimension({ propertyId: TID, index: 3, name: 'Author', scope: 'hit' })).then([author]);
  const settings = settingsOf(stateFrom([created, author]));
  assert.equal(settings.customDimensions, [{ index: 3, name: 'Author', scope: 'hit', active: true }]);
});

test('DefineCustomDimension at a used index replaces it; keeping its own name is no clash', () => {
  const renamed: PropertyEvent = {
    type: 'CustomDimensionDefined.v1',
    data: { propertyId: TID, at: NOW, index: 3, name: 'Author', scope: 'session', active: false },
  };
  given(created, author).when(cmd.dimension({ propertyId: TID, index: 3, name: 'Author', scope: 'session', active: false })).then([renamed]);
  const second: PropertyEvent = { type: 'CustomDimensionDefined.v1', data: { propertyId: TID, at: NOW, index: 1, name: 'Plan', scope: 'user', active: true } };
  const settings = settingsOf(stateFrom([created, author, second, renamed]));
  assert.equal(settings.customDimensions, [
    { index: 1, name: 'Plan', scope: 'user', active: true },
    { index: 3, name: 'Author', scope: 'session', active: false },
  ]);
});

test('redefining a dimension exactly as it is emits nothing', () => {
  given(created, author).when(cmd.dimension({ propertyId: TID, index: 3, name: ' Author ', scope: 'hit' })).thenNothing();
});

test('dimensions and metrics have separate name spaces', () => {
  given(created, author)
    .when(cmd.metric({ propertyId: TID, index: 3, name: 'Author', scope: 'hit' }))
    .then([{ type: 'CustomMetricDefined.v1', data: { propertyId: TID, at: NOW, index: 3, name: 'Author', scope: 'hit', active: true } }]);
});

test('DefineCustomMetric creates then replaces a metric', () => {
  const score: PropertyEvent = { type: 'CustomMetricDefined.v1', data: { propertyId: TID, at: NOW, index: 200, name: 'Score', scope: 'product', active: true } };
  given(created).when(cmd.metric({ propertyId: TID, index: 200, name: 'Score', scope: 'product' })).then([score]);
  given(created, score).when(cmd.metric({ propertyId: TID, index: 200, name: 'Score', scope: 'product' })).thenNothing();
  const [renamed] = given(created, score).when(cmd.metric({ propertyId: TID, index: 200, name: 'Points', scope: 'hit' })).events();
  assert.ok(renamed);
  assert.equal(settingsOf(stateFrom([created, score, renamed])).customMetrics, [{ index: 200, name: 'Points', scope: 'hit', active: true }]);
});

test('DeactivateProperty then ReactivateProperty; repeating either emits nothing', () => {
  given(created).when(cmd.deactivate(TID)).then([deactivated]);
  given(created, deactivated).when(cmd.deactivate(TID)).thenNothing();
  const reactivated: PropertyEvent = { type: 'PropertyReactivated.v1', data: { propertyId: TID, at: NOW } };
  given(created, deactivated).when(cmd.reactivate(TID)).then([reactivated]);
  given(created).when(cmd.reactivate(TID)).thenNothing();
  assert.is(settingsOf(stateFrom([created, deactivated])).active, false);
  assert.is(settingsOf(stateFrom([created, deactivated, reactivated])).active, true);
  // Once reactivated, it can be changed again.
  assert.is(given(created, deactivated, reactivated).when(cmd.update({ propertyId: TID, name: 'Again' })).events().length, 1);
});

test('evolve ignores events before creation and event types it does not know', () => {
  assert.equal(evolve(initialState(), author), initialState());
  const state = stateFrom([created]);
  const unknown = { type: 'PropertyRenamed.v9', data: {} } as unknown as PropertyEvent;
  assert.is(evolve(state, unknown), state);
});

test('evolve does not share lists with the event it applied', () => {
  const state = stateFrom([created]);
  settingsOf(state).domains.push('mutated.example');
  assert.equal(created.data.settings.domains, ['example.com']);
});

test('every decided event satisfies its published schema and survives JSON', () => {
  const history: PropertyEvent[] = [];
  const commands = [
    cmd.create({ propertyId: TID, name: 'Example', defaultUrl: 'https://www.example.com/', customMetrics: [{ index: 2, name: 'm', scope: 'hit' }] }),
    cmd.update({ propertyId: TID, sessionTimeoutMinutes: 10, organicSearchEngines: [] }),
    cmd.dimension({ propertyId: TID, index: 5, name: 'd', scope: 'product' }),
    cmd.metric({ propertyId: TID, index: 5, name: 'm5', scope: 'hit' }),
    cmd.deactivate(TID),
    cmd.reactivate(TID),
  ];
  for (const command of commands) {
    const events = decide(command, stateFrom(history));
    assert.is(events.length, 1, command.type);
    history.push(...events);
  }
  for (const event of history) {
    const roundTripped: unknown = JSON.parse(JSON.stringify(event.data));
    assert.equal(roundTripped, event.data);
    const parsed = propertyEventSchemas[event.type].safeParse(roundTripped);
    assert.ok(parsed.success, `${event.type}: ${parsed.error?.message ?? ''}`);
  }
  assert.equal(
    history.map((e) => e.type),
    ['PropertyCreated.v1', 'PropertySettingsChanged.v1', 'CustomDimensionDefined.v1', 'CustomMetricDefined.v1', 'PropertyDeactivated.v1', 'PropertyReactivated.v1'],
  );
  const settings = settingsOf(stateFrom(history));
  assert.is(settings.sessionTimeoutMinutes, 10);
  assert.equal(settings.organicSearchEngines, []);
  assert.equal(settings.customMetrics.map((m) => m.index), [2, 5]);
});

test.run();
