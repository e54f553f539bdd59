// The property aggregate's events: the published contract for `property-<tid>` streams.
// These schemas check structure only (no Intl look-ups, no transforms) so that any
// subscriber, on any runtime, accepts every event the decider ever wrote, and so
// that they translate to JSON Schema. Objects are not strict: a v1 event may gain
// optional fields; removing, renaming or re-meaning a field makes a v2.
import { z } from 'zod';
import {
  CAMPAIGN_TIMEOUT_DAYS,
  CURRENCY_PATTERN,
  CUSTOM_INDEX,
  DEFINITION_NAME_MAX,
  HOSTNAME_PATTERN,
  NAME_MAX,
  RETENTION_DAYS,
  SESSION_TIMEOUT_MINUTES,
  TID_PATTERN,
  URL_MAX,
} from './fields.ts';

const propertyId = z.string().regex(TID_PATTERN).describe('The tracking id (`tid`), e.g. UA-12345-1; the stream is `property-<tid>`.');
const at = z.number().int().min(0).describe('When the command was decided, epoch milliseconds.');
const hostname = z.string().max(253).regex(HOSTNAME_PATTERN);

const organicSearchEngine = z
  .object({
    name: z.string().min(1).max(NAME_MAX).describe("Source name reported for the engine, e.g. 'google'."),
    domain: z.string().min(1).max(253).describe("Host or host fragment matched against the referrer, e.g. 'www.google.'."),
    keywordParams: z.array(z.string().min(1)).min(1).describe('Query parameters holding the keyword, in order of preference.'),
  })
  .describe('An organic search engine.');

const customIndex = z.number().int().min(CUSTOM_INDEX.min).max(CUSTOM_INDEX.max).describe('The `cd<N>` / `cm<N>` index.');
const definitionName = z.string().min(1).max(DEFINITION_NAME_MAX);
const dimensionScope = z.enum(['hit', 'session', 'user', 'product']);
const metricScope = z.enum(['hit', 'product']);

export const customDimensionDefinitionSchema = z.object({ index: customIndex, name: definitionName, scope: dimensionScope, active: z.boolean() });
export const customMetricDefinitionSchema = z.object({ index: customIndex, name: definitionName, scope: metricScope, active: z.boolean() });

/** The settings a property change may touch (everything but id, custom definitions and the active flag). */
const changeableSettingsShape = {
  name: z.string().min(1).max(NAME_MAX).describe('Display name.'),
  defaultUrl: z.string().min(1).max(URL_MAX).describe('The site URL, absolute http(s).'),
  domains: z.array(hostname).min(1).describe("The site's own domains (subdomains included); never counted as referrers."),
  timeZone: z.string().min(1).describe('IANA time zone for days, hours and the midnight session split.'),
  currency: z.string().regex(CURRENCY_PATTERN).describe('ISO 4217 code.'),
  sessionTimeoutMinutes: z
    .number()
    .int()
    .min(SESSION_TIMEOUT_MINUTES.min)
    .max(SESSION_TIMEOUT_MINUTES.max)
    .describe('Session inactivity timeout, minutes.'),
  campaignTimeoutDays: z.number().int().min(CAMPAIGN_TIMEOUT_DAYS.min).max(CAMPAIGN_TIMEOUT_DAYS.max).describe('Campaign timeout, days.'),
  referralExclusions: z.array(hostname).describe('Extra hosts (subdomains included) whose referrals count as direct.'),
  organicSearchEngines: z.array(organicSearchEngine).describe('Ordered: the first matching engine wins.'),
  socialNetworks: z.array(hostname).describe('Hosts counted as social networks.'),
  manualTagsOverrideAutoTagging: z.boolean().describe('UTM values override gclid/dclid when true.'),
  botFiltering: z.boolean().describe('Hits flagged as bots are left out of reports.'),
  ipAnonymization: z.enum(['always', 'on-request']).describe("'always', or 'on-request' (only with `aip` / `uip`)."),
  userIdIdentity: z.boolean().describe('Client streams are keyed by `uid` when it is sent.'),
  respectDoNotTrack: z.boolean().describe('Hits sent with DNT: 1 are dropped.'),
  // Optional (added within v1): events written before it have no value, which means forever.
  retentionDays: z
    .number()
    .int()
    .min(RETENTION_DAYS.min)
    .max(RETENTION_DAYS.max)
    .optional()
    .describe('Days the raw client streams are kept; 0 or absent: forever.'),
};

export const propertySettingsSnapshotSchema = z.object({
  ...changeableSettingsShape,
  customDimensions: z.array(customDimensionDefinitionSchema).describe('In index order.'),
  customMetrics: z.array(customMetricDefinitionSchema).describe('In index order.'),
});

export const propertyCreatedSchema = z
  .object({ propertyId, at, settings: propertySettingsSnapshotSchema.describe('Every setting, defaults resolved.') })
  .describe('A property was created, active, with these settings.');

export const propertySettingsChangedSchema = z
  .object({
    propertyId,
    at,
    changes: z
      .object(changeableSettingsShape)
      .partial()
      .describe('Only the settings whose value changed, with their new value; lists are replaced whole.'),
  })
  .describe('Some settings of a property changed.');

export const customDimensionDefinedSchema = z
  .object({ propertyId, at, ...customDimensionDefinitionSchema.shape })
  .describe('The custom dimension at this index was created or replaced.');

export const customMetricDefinedSchema = z
  .object({ propertyId, at, ...customMetricDefinitionSchema.shape })
  .describe('The custom metric at this index was created or replaced.');

export const propertyDeactivatedSchema = z
  .object({ propertyId, at })
  .describe('The property stopped collecting: hits sent to it are rejected.');

export const propertyReactivatedSchema = z.object({ propertyId, at }).describe('The property collects again.');

/** Versioned event type name -> zod schema of the event data. */
export const propertyEventSchemas = {
  'PropertyCreated.v1': propertyCreatedSchema,
  'PropertySettingsChanged.v1': propertySettingsChangedSchema,
  'CustomDimensionDefined.v1': customDimensionDefinedSchema,
  'CustomMetricDefined.v1': customMetricDefinedSchema,
  'PropertyDeactivated.v1': propertyDeactivatedSchema,
  'PropertyReactivated.v1': propertyReactivatedSchema,
} as const;

export type PropertyEventType = keyof typeof propertyEventSchemas;
export const PROPERTY_EVENT_TYPES = Object.keys(propertyEventSchemas) as PropertyEventType[];

type EventOf<K extends PropertyEventType> = { type: K; data: z.output<(typeof propertyEventSchemas)[K]> };
export type PropertyEvent = { [K in PropertyEventType]: EventOf<K> }[PropertyEventType];

export type PropertyCreated = EventOf<'PropertyCreated.v1'>;
export type PropertySettingsChanged = EventOf<'PropertySettingsChanged.v1'>;
export type CustomDimensionDefined = EventOf<'CustomDimensionDefined.v1'>;
export type CustomMetricDefined = EventOf<'CustomMetricDefined.v1'>;
export type PropertyDeactivated = EventOf<'PropertyDeactivated.v1'>;
export type PropertyReactivated = EventOf<'PropertyReactivated.v1'>;

export type PropertySettingsSnapshot = z.output<typeof propertySettingsSnapshotSchema>;
export type PropertySettingsChanges = PropertySettingsChanged['data']['changes'];
/** The names of the settings PropertySettingsChanged.v1 may carry. */
export const CHANGEABLE_SETTINGS = Object.keys(changeableSettingsShape) as (keyof PropertySettingsChanges)[];
