// The property aggregate as a pure decider: decide(command, state) -> events,
// evolve(state, event) -> state. Stream `property-<tid>` holds one property.
// Rejections throw PropertyCommandRejected; a command that changes nothing
// (same values, deactivating an inactive property...) yields no events.
import type { z } from 'zod';
import {
  commandMetadataSchema,
  createPropertyDataSchema,
  defineCustomDimensionDataSchema,
  defineCustomMetricDataSchema,
  propertyIdDataSchema,
  updatePropertySettingsDataSchema,
  type PropertyCommand,
} from './commands.ts';
import { PROPERTY_DEFAULTS } from './defaults.ts';
import { PropertyCommandRejected, PropertyNotFound } from './errors.ts';
import {
  CHANGEABLE_SETTINGS,
  type PropertyEvent,
  type PropertySettingsChanges,
  type PropertySettingsSnapshot,
} from './events.ts';
import { definitionConflict, siteDomainOf } from './fields.ts';
import { formatIssues, friendlyErrors } from './issues.ts';
import type { CustomDefinition, PropertySettings } from './settings.ts';

export { PROPERTY_DEFAULTS } from './defaults.ts';
export { PropertyCommandRejected, PropertyNotFound } from './errors.ts';

export type PropertyState = { status: 'absent' } | { status: 'present'; settings: PropertySettings };

/** Category `property`: everything before the first `-` (the tid's own dashes come after). */
/** The category of property streams; `$all` filters select them by this prefix. */
export const PROPERTY_STREAM_PREFIX = 'property-';
export const propertyStreamName = (propertyId: string): string => `${PROPERTY_STREAM_PREFIX}${propertyId}`;

export const initialState = (): PropertyState => ({ status: 'absent' });

/** The current settings a RecordHit needs. Throws PropertyNotFound before PropertyCreated.v1. */
export function settingsOf(state: PropertyState): PropertySettings {
  if (state.status === 'absent') throw new PropertyNotFound();
  return state.settings;
}

/** Data fields are named bare (`timeZone: ...`), metadata fields as `metadata.now`. */
function parse<S extends z.ZodType>(schema: S, input: unknown, commandType: string, part: 'data' | 'metadata'): z.output<S> {
  const result = schema.safeParse(input, { error: friendlyErrors });
  if (result.success) return result.data;
  const issues = part === 'data' ? result.error.issues : result.error.issues.map((i) => ({ ...i, path: ['metadata', ...i.path] }));
  throw new PropertyCommandRejected('invalid', commandType, formatIssues(issues, part));
}

/** The property the command targets must exist, be the one loaded, and (unless `allowInactive`) be active. */
function existing(state: PropertyState, propertyId: string, commandType: string, allowInactive = false): PropertySettings {
  if (state.status === 'absent') {
    throw new PropertyCommandRejected('not-found', commandType, [`propertyId: property "${propertyId}" does not exist`]);
  }
  if (state.settings.id !== propertyId) {
    throw new PropertyCommandRejected('invalid', commandType, [
      `propertyId: "${propertyId}" does not match the loaded property "${state.settings.id}"`,
    ]);
  }
  if (!allowInactive && !state.settings.active) {
    throw new PropertyCommandRejected('deactivated', commandType, [
      `propertyId: property "${propertyId}" is deactivated; reactivate it before changing it`,
    ]);
  }
  return state.settings;
}

const sameValue = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

const sameDefinition = (a: CustomDefinition | undefined, b: CustomDefinition): boolean =>
  a !== undefined && a.name === b.name && a.scope === b.scope && a.active === b.active;

function defineDefinition(
  kind: 'customDimensions' | 'customMetrics',
  current: PropertySettings,
  def: CustomDefinition,
  commandType: string,
): boolean {
  const list = current[kind];
  const conflict = definitionConflict(list, def);
  if (conflict) throw new PropertyCommandRejected('invalid', commandType, [`${kind}: ${conflict}`]);
  return !sameDefinition(
    list.find((d) => d.index === def.index),
    def,
  );
}

export function decide(command: PropertyCommand, state: PropertyState): PropertyEvent[] {
  const commandType: string = command.type;
  const { now: at } = parse(commandMetadataSchema, command.metadata, commandType, 'metadata');

  switch (command.type) {
    case 'CreateProperty': {
      const data = parse(createPropertyDataSchema, command.data, commandType, 'data');
      if (state.status === 'present') {
        throw new PropertyCommandRejected('already-exists', commandType, [`propertyId: property "${data.propertyId}" already exists`]);
      }
      const d = PROPERTY_DEFAULTS;
      const settings: PropertySettingsSnapshot = {
        name: data.name,
        defaultUrl: data.defaultUrl,
        domains: data.domains ?? [siteDomainOf(data.defaultUrl)],
        timeZone: data.timeZone ?? d.timeZone,
        currency: data.currency ?? d.currency,
        sessionTimeoutMinutes: data.sessionTimeoutMinutes ?? d.sessionTimeoutMinutes,
        campaignTimeoutDays: data.campaignTimeoutDays ?? d.campaignTimeoutDays,
        referralExclusions: data.referralExclusions ?? d.referralExclusions,
        organicSearchEngines: data.organicSearchEngines ?? d.organicSearchEngines,
        socialNetworks: data.socialNetworks ?? d.socialNetworks,
        manualTagsOverrideAutoTagging: data.manualTagsOverrideAutoTagging ?? d.manualTagsOverrideAutoTagging,
        botFiltering: data.botFiltering ?? d.botFiltering,
        ipAnonymization: data.ipAnonymization ?? d.ipAnonymization,
        userIdIdentity: data.userIdIdentity ?? d.userIdIdentity,
        respectDoNotTrack: data.respectDoNotTrack ?? d.respectDoNotTrack,
        customDimensions: data.customDimensions ?? [],
        customMetrics: data.customMetrics ?? [],
        // Absent means forever: a property created without it writes the same event as before.
        ...(data.retentionDays ? { retentionDays: data.retentionDays } : {}),
      };
      const propertyId = data.propertyId;
      return [{ type: 'PropertyCreated.v1', data: { propertyId, at, settings: structuredClone(settings) } }];
    }

    case 'UpdatePropertySettings': {
      const data = parse(updatePropertySettingsDataSchema, command.data, commandType, 'data');
      const current = existing(state, data.propertyId, commandType);
      const changes: Record<string, unknown> = {};
      for (const key of CHANGEABLE_SETTINGS) {
        const value = data[key];
        // An absent retention is 0 (forever): setting 0 on such a property changes nothing.
        const before = key === 'retentionDays' ? (current.retentionDays ?? 0) : current[key];
        if (value !== undefined && !sameValue(value, before)) changes[key] = value;
      }
      if (Object.keys(changes).length === 0) return [];
      return [
        {
          type: 'PropertySettingsChanged.v1',
          data: { propertyId: data.propertyId, at, changes: changes as PropertySettingsChanges },
        },
      ];
    }

    case 'DefineCustomDimension': {
      const { propertyId, ...def } = parse(defineCustomDimensionDataSchema, command.data, commandType, 'data');
      const current = existing(state, propertyId, commandType);
      if (!defineDefinition('customDimensions', current, def, commandType)) return [];
      return [{ type: 'CustomDimensionDefined.v1', data: { propertyId, at, ...def } }];
    }

    case 'DefineCustomMetric': {
      const { propertyId, ...def } = parse(defineCustomMetricDataSchema, command.data, commandType, 'data');
      const current = existing(state, propertyId, commandType);
      if (!defineDefinition('customMetrics', current, def, commandType)) return [];
      return [{ type: 'CustomMetricDefined.v1', data: { propertyId, at, ...def } }];
    }

    case 'DeactivateProperty': {
      const { propertyId } = parse(propertyIdDataSchema, command.data, commandType, 'data');
      const current = existing(state, propertyId, commandType, true);
      return current.active ? [{ type: 'PropertyDeactivated.v1', data: { propertyId, at } }] : [];
    }

    case 'ReactivateProperty': {
      const { propertyId } = parse(propertyIdDataSchema, command.data, commandType, 'data');
      const current = existing(state, propertyId, commandType, true);
      return current.active ? [] : [{ type: 'PropertyReactivated.v1', data: { propertyId, at } }];
    }

    default: {
      const unknownType: string = (command as { type: unknown }).type as string;
      throw new PropertyCommandRejected('invalid', String(unknownType), [`type: "${String(unknownType)}" is not a property command`]);
    }
  }
}

function withDefinition(list: readonly CustomDefinition[], def: CustomDefinition): CustomDefinition[] {
  return [...list.filter((d) => d.index !== def.index), def].sort((a, b) => a.index - b.index);
}

/** Total: an event that does not apply (or of an unknown type) leaves the state as it is. */
export function evolve(state: PropertyState, event: PropertyEvent): PropertyState {
  if (event.type === 'PropertyCreated.v1') {
    return { status: 'present', settings: { ...structuredClone(event.data.settings), id: event.data.propertyId, active: true } };
  }
  if (state.status === 'absent') return state;
  const settings = state.settings;
  switch (event.type) {
    case 'PropertySettingsChanged.v1':
      return { status: 'present', settings: { ...settings, ...structuredClone(event.data.changes) } };
    case 'CustomDimensionDefined.v1': {
      const { index, name, scope, active } = event.data;
      return { status: 'present', settings: { ...settings, customDimensions: withDefinition(settings.customDimensions, { index, name, scope, active }) } };
    }
    case 'CustomMetricDefined.v1': {
      const { index, name, scope, active } = event.data;
      return { status: 'present', settings: { ...settings, customMetrics: withDefinition(settings.customMetrics, { index, name, scope, active }) } };
    }
    case 'PropertyDeactivated.v1':
      return { status: 'present', settings: { ...settings, active: false } };
    case 'PropertyReactivated.v1':
      return { status: 'present', settings: { ...settings, active: true } };
    default:
      return state;
  }
}

/** Folds a stream's events (e.g. as read from `property-<tid>`) into the state. */
export const stateFrom = (events: readonly PropertyEvent[]): PropertyState => events.reduce(evolve, initialState());
