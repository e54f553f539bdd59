// Given/when/then for the property decider's tests: given past events, when a
// command is decided, then these events (or this rejection). Test support only.
import * as assert from 'uvu/assert';
import type { CommandMetadata, PropertyCommand } from './commands.ts';
import { decide, PropertyCommandRejected, stateFrom, type PropertyState } from './decider.ts';
import type { RejectionCode } from './errors.ts';
import type { PropertyEvent } from './events.ts';

/** A fixed instant: the domain reads no clock, commands carry their time. */
export const NOW = Date.UTC(2024, 0, 15, 9, 30, 0);
export const META: CommandMetadata = { now: NOW };

type Data<T extends PropertyCommand['type']> = Extract<PropertyCommand, { type: T }>['data'];

export const cmd = {
  create: (data: Data<'CreateProperty'>): PropertyCommand => ({ type: 'CreateProperty', data, metadata: META }),
  update: (data: Data<'UpdatePropertySettings'>): PropertyCommand => ({ type: 'UpdatePropertySettings', data, metadata: META }),
  dimension: (data: Data<'DefineCustomDimension'>): PropertyCommand => ({ type: 'DefineCustomDimension', data, metadata: META }),
  metric: (data: Data<'DefineCustomMetric'>): PropertyCommand => ({ type: 'DefineCustomMetric', data, metadata: META }),
  deactivate: (propertyId: string): PropertyCommand => ({ type: 'DeactivateProperty', data: { propertyId }, metadata: META }),
  reactivate: (propertyId: string): PropertyCommand => ({ type: 'ReactivateProperty', data: { propertyId }, metadata: META }),
};

export function given(...history: PropertyEvent[]) {
  const state: PropertyState = stateFrom(history);
  return {
    state,
    when(command: PropertyCommand) {
      return {
        /** The decided events, for assertions the `then*` helpers do not cover. */
        events: (): PropertyEvent[] => decide(command, state),
        then(expected: PropertyEvent[]): void {
          assert.equal(decide(command, state), expected);
        },
        thenNothing(): void {
          assert.equal(decide(command, state), []);
        },
        /** Rejected with `code`, and the message contains every one of `messages`. */
        thenRejects(code: RejectionCode, ...messages: string[]): PropertyCommandRejected {
          let error: unknown;
          try {
            decide(command, state);
          } catch (e) {
            error = e;
          }
          assert.ok(error instanceof PropertyCommandRejected, `expected PropertyCommandRejected, got ${String(error)}`);
          assert.is(error.code, code, `code of: ${error.message}`);
          for (const m of messages) assert.ok(error.message.includes(m), `expected "${m}" in: ${error.message}`);
          return error;
        },
      };
    },
  };
}
