// The property aggregate's public surface, in one import.
export {
  decide,
  evolve,
  initialState,
  propertyStreamName,
  PROPERTY_STREAM_PREFIX,
  settingsOf,
  stateFrom,
  PROPERTY_DEFAULTS,
  PropertyCommandRejected,
  PropertyNotFound,
  type PropertyState,
} from './decider.ts';
export type { RejectionCode } from './errors.ts';
export type { PropertyDefaults } from './defaults.ts';
export * from './commands.ts';
export * from './events.ts';
export type * from './settings.ts';
