// Typed errors of the property aggregate. The decider throws; it never returns a
// partial result. `issues` are `field: rule` lines; the message joins them.

export type RejectionCode = 'invalid' | 'already-exists' | 'not-found' | 'deactivated';

export class PropertyCommandRejected extends Error {
  override readonly name = 'PropertyCommandRejected';
  constructor(
    readonly code: RejectionCode,
    readonly commandType: string,
    readonly issues: readonly string[],
  ) {
    super(`${commandType} rejected: ${issues.join('; ')}`);
  }
}

/** Asked for the settings of a property whose stream holds no PropertyCreated.v1. */
export class PropertyNotFound extends Error {
  override readonly name = 'PropertyNotFound';
  constructor() {
    super('property not found: its stream has no PropertyCreated.v1 event');
  }
}
