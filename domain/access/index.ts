// The API key aggregate's public surface, in one import.
export * from './events.ts';
export * from './decider.ts';
