// What the analytics projection needs of a property, folded from the property's
// events (`property-<tid>` streams): its time zone (hours), its social networks
// (channel grouping) and the scope of each custom dimension. A property whose
// events were not seen (or not yet) gets the defaults: UTC, the default social
// networks, every custom dimension hit-scoped.
import { z } from 'zod';
import { propertyEventSchemas } from '../../domain/property/events.ts';
import { DEFAULT_SOCIAL_NETWORKS } from '../../domain/traffic-source/index.ts';
import { isKnownTimeZone } from './local-time.ts';

/** How a custom dimension's values are reported: per hit, per session (last value in the session), or not at all. */
export type DimensionTreatment = 'hit' | 'session' | 'ignore';

export interface PropertyInfo {
  id: string;
  timeZone: string;
  socialNetworks: string[];
  /** By index ('3' for cd3); an index absent here is hit-scoped. */
  customDimensions: Record<string, DimensionTreatment>;
}

export const propertyInfoSchema = z.object({
  id: z.string(),
  timeZone: z.string(),
  socialNetworks: z.array(z.string()),
  customDimensions: z.record(z.string(), z.enum(['hit', 'session', 'ignore'])),
});

export const defaultPropertyInfo = (id: string): PropertyInfo => ({ id, timeZone: 'UTC', socialNetworks: DEFAULT_SOCIAL_NETWORKS, customDimensions: {} });

/**
 * [I] Session- and user-scoped dimensions both report the last value sent in the
 * session (the projection keeps no user document across sessions); product-scoped
 * ones live on products, not on the hit, and inactive ones are not processed.
 */
function treatmentOf(definition: { scope: string; active: boolean }): DimensionTreatment {
  if (!definition.active || definition.scope === 'product') return 'ignore';
  return definition.scope === 'session' || definition.scope === 'user' ? 'session' : 'hit';
}

const zone = (timeZone: string): string => (isKnownTimeZone(timeZone) ? timeZone : 'UTC');

export const PROPERTY_EVENT_PREFIX = 'property-';

/**
 * The property's info after one of its events (validated with the domain's schema);
 * event types the projection does not need leave it unchanged.
 */
export function evolvePropertyInfo(info: PropertyInfo | undefined, type: string, data: unknown): PropertyInfo | undefined {
  switch (type) {
    case 'PropertyCreated.v1': {
      const event = propertyEventSchemas['PropertyCreated.v1'].parse(data);
      const customDimensions: Record<string, DimensionTreatment> = {};
      for (const definition of event.settings.customDimensions) customDimensions[String(definition.index)] = treatmentOf(definition);
      return { id: event.propertyId, timeZone: zone(event.settings.timeZone), socialNetworks: event.settings.socialNetworks, customDimensions };
    }
    case 'PropertySettingsChanged.v1': {
      const event = propertyEventSchemas['PropertySettingsChanged.v1'].parse(data);
      const base = info ?? defaultPropertyInfo(event.propertyId);
      return {
        ...base,
        timeZone: event.changes.timeZone === undefined ? base.timeZone : zone(event.changes.timeZone),
        socialNetworks: event.changes.socialNetworks ?? base.socialNetworks,
      };
    }
    case 'CustomDimensionDefined.v1': {
      const event = propertyEventSchemas['CustomDimensionDefined.v1'].parse(data);
      const base = info ?? defaultPropertyInfo(event.propertyId);
      return { ...base, customDimensions: { ...base.customDimensions, [String(event.index)]: treatmentOf(event) } };
    }
    default:
      return info;
  }
}
