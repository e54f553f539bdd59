// The property aggregate's command handler: load the property stream, decide, append
// with the expected revision (a conflict reloads and decides again). Used by the CLI
// and, later, by the read API's administration endpoints.
import {
  decide,
  evolve,
  initialState,
  propertyEventSchemas,
  propertyStreamName,
  settingsOf,
  type PropertyCommand,
  type PropertyEvent,
  type PropertySettings,
  type PropertyState,
} from '../domain/property/index.ts';
import { WrongExpectedRevisionError } from '../storage/eventstore/errors.ts';
import type { EventStore, Position, RecordedEvent } from '../storage/eventstore/port.ts';
import { randomUUID } from 'node:crypto';

const MAX_ATTEMPTS = 5;

/** Reads a recorded event back as a property event, validating its data against the published schema. */
export function toPropertyEvent(event: RecordedEvent): PropertyEvent | undefined {
  if (!Object.hasOwn(propertyEventSchemas, event.type)) return undefined;
  const type = event.type as keyof typeof propertyEventSchemas;
  return { type, data: propertyEventSchemas[type].parse(event.data) } as PropertyEvent;
}

async function load(store: EventStore, propertyId: string): Promise<{ state: PropertyState; revision: number }> {
  let state = initialState();
  let revision = -1;
  for await (const recorded of store.readStream(propertyStreamName(propertyId))) {
    const event = toPropertyEvent(recorded);
    if (event) state = evolve(state, event);
    revision = recorded.revision;
  }
  return { state, revision };
}

export async function loadProperty(store: EventStore, propertyId: string): Promise<PropertySettings | undefined> {
  const { state } = await load(store, propertyId);
  return state.status === 'present' ? settingsOf(state) : undefined;
}

/** Runs one property command; returns the settings after it and where its events went (none when it changed nothing). Rejections throw PropertyCommandRejected. */
export async function runPropertyCommand(store: EventStore, command: PropertyCommand): Promise<{ settings: PropertySettings; position?: Position }> {
  const propertyId = String(command.data.propertyId ?? '');
  for (let attempt = 1; ; attempt++) {
    const { state, revision } = await load(store, propertyId);
    // decide validates the command (including propertyId) before anything touches the store.
    const events = decide(command, state);
    const after = events.reduce(evolve, state);
    if (events.length === 0) return { settings: settingsOf(after) };
    try {
      const appended = await store.append(
        propertyStreamName(propertyId),
        events.map((event) => ({ id: randomUUID(), type: event.type, data: event.data })),
        { expectedRevision: revision === -1 ? 'no_stream' : revision },
      );
      return { settings: settingsOf(after), position: appended.position };
    } catch (error) {
      if (error instanceof WrongExpectedRevisionError && attempt < MAX_ATTEMPTS) continue;
      throw error;
    }
  }
}

/** Runs one property command; returns the settings after it. */
export const executePropertyCommand = async (store: EventStore, command: PropertyCommand): Promise<PropertySettings> => (await runPropertyCommand(store, command)).settings;
