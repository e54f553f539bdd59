// The property aggregate's commands and the zod schemas of their data. The decider
// parses `command.data` with these, so a command built from HTTP or CLI input is
// validated even when its TypeScript type was not checked.
import { z } from 'zod';
import {
  campaignTimeoutInput,
  currencyInput,
  customDimensionInput,
  customMetricInput,
  definitionListInput,
  hostnameListInput,
  ipAnonymizationInput,
  organicSearchEngineInput,
  propertyNameInput,
  retentionDaysInput,
  sessionTimeoutInput,
  tidInput,
  timeZoneInput,
  urlInput,
} from './fields.ts';

/** Settings that CreateProperty and UpdatePropertySettings both accept; all optional. */
const settingsShape = {
  name: propertyNameInput,
  defaultUrl: urlInput,
  domains: hostnameListInput.min(1, 'must list at least one domain'),
  timeZone: timeZoneInput,
  currency: currencyInput,
  sessionTimeoutMinutes: sessionTimeoutInput,
  campaignTimeoutDays: campaignTimeoutInput,
  referralExclusions: hostnameListInput,
  organicSearchEngines: z.array(organicSearchEngineInput),
  socialNetworks: hostnameListInput,
  manualTagsOverrideAutoTagging: z.boolean(),
  botFiltering: z.boolean(),
  ipAnonymization: ipAnonymizationInput,
  userIdIdentity: z.boolean(),
  respectDoNotTrack: z.boolean(),
  /** 0: keep the raw client streams forever. */
  retentionDays: retentionDaysInput,
};

const optionalSettings = z.strictObject(settingsShape).partial();

export const createPropertyDataSchema = optionalSettings.extend({
  propertyId: tidInput,
  name: propertyNameInput,
  defaultUrl: urlInput,
  customDimensions: definitionListInput(customDimensionInput).optional(),
  customMetrics: definitionListInput(customMetricInput).optional(),
});

export const updatePropertySettingsDataSchema = optionalSettings.extend({ propertyId: tidInput });

export const defineCustomDimensionDataSchema = customDimensionInput.extend({ propertyId: tidInput });
export const defineCustomMetricDataSchema = customMetricInput.extend({ propertyId: tidInput });
export const propertyIdDataSchema = z.strictObject({ propertyId: tidInput });

export const commandMetadataSchema = z.strictObject({
  now: z.number().int({ error: 'must be epoch milliseconds' }).min(0, 'must be epoch milliseconds'),
});

/** Time comes in with the command: the domain reads no clock. */
export type CommandMetadata = { now: number };

type Command<T extends string, S extends z.ZodType> = { type: T; data: z.input<S>; metadata: CommandMetadata };

/** Create a property; omitted settings take PROPERTY_DEFAULTS (domains: the default URL's host without `www.`). */
export type CreateProperty = Command<'CreateProperty', typeof createPropertyDataSchema>;
/** Change some settings; omitted ones keep their value; a list given replaces the whole list. */
export type UpdatePropertySettings = Command<'UpdatePropertySettings', typeof updatePropertySettingsDataSchema>;
/** Create or replace the custom dimension at `index`. */
export type DefineCustomDimension = Command<'DefineCustomDimension', typeof defineCustomDimensionDataSchema>;
/** Create or replace the custom metric at `index`. */
export type DefineCustomMetric = Command<'DefineCustomMetric', typeof defineCustomMetricDataSchema>;
export type DeactivateProperty = Command<'DeactivateProperty', typeof propertyIdDataSchema>;
export type ReactivateProperty = Command<'ReactivateProperty', typeof propertyIdDataSchema>;

export type PropertyCommand =
  | CreateProperty
  | UpdatePropertySettings
  | DefineCustomDimension
  | DefineCustomMetric
  | DeactivateProperty
  | ReactivateProperty;

export const PROPERTY_COMMAND_TYPES = [
  'CreateProperty',
  'UpdatePropertySettings',
  'DefineCustomDimension',
  'DefineCustomMetric',
  'DeactivateProperty',
  'ReactivateProperty',
] as const satisfies readonly PropertyCommand['type'][];
