// The API key aggregate as a pure decider. Stream `apikey-<keyId>` holds one key.
// The caller makes the id and the secret (randomness is not the domain's) and passes
// only the secret's hash; time comes in with the command.
import { z } from 'zod';
import {
  KEY_ID_PATTERN,
  KEY_NAME_MAX,
  PROPERTY_ID_PATTERN,
  SECRET_HASH_PATTERN,
  type AccessEvent,
} from './events.ts';

export type ApiKeyRole = 'admin' | 'read';

export type ApiKeyState =
  | { status: 'absent' }
  | { status: 'issued' | 'revoked'; keyId: string; name: string; role: ApiKeyRole; propertyIds: string[]; secretHash: string; issuedAt: number; revokedAt?: number };

export const initialApiKeyState = (): ApiKeyState => ({ status: 'absent' });

const keyIdInput = z.string().regex(KEY_ID_PATTERN, 'must be 16 lower-case hex characters');

export const issueApiKeyDataSchema = z.strictObject({
  keyId: keyIdInput,
  name: z.string().trim().min(1, 'must not be empty').max(KEY_NAME_MAX, `must be at most ${KEY_NAME_MAX} characters`),
  role: z.enum(['admin', 'read'], { error: 'must be "admin" or "read"' }),
  propertyIds: z
    .array(z.string().trim().regex(PROPERTY_ID_PATTERN, 'must be a tracking id of the form UA-<digits>-<digits>'))
    .default([]),
  secretHash: z.string().regex(SECRET_HASH_PATTERN, 'must be a SHA-256 in lower-case hex'),
});

export const revokeApiKeyDataSchema = z.strictObject({ keyId: keyIdInput });

const metadataSchema = z.strictObject({ now: z.number().int('must be epoch milliseconds').min(0, 'must be epoch milliseconds') });

export type IssueApiKey = { type: 'IssueApiKey'; data: z.input<typeof issueApiKeyDataSchema>; metadata: { now: number } };
export type RevokeApiKey = { type: 'RevokeApiKey'; data: z.input<typeof revokeApiKeyDataSchema>; metadata: { now: number } };
export type ApiKeyCommand = IssueApiKey | RevokeApiKey;

export type ApiKeyRejectionCode = 'invalid' | 'already-exists' | 'not-found';

/** `issues` are `field: rule` lines, like the property aggregate's rejections. */
export class ApiKeyCommandRejected extends Error {
  override readonly name = 'ApiKeyCommandRejected';
  constructor(
    readonly code: ApiKeyRejectionCode,
    readonly commandType: string,
    readonly issues: readonly string[],
  ) {
    super(`${commandType} rejected: ${issues.join('; ')}`);
  }
}

function fieldOf(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out === '' ? String(key) : `${out}.${String(key)}`), '');
}

function parse<S extends z.ZodType>(schema: S, input: unknown, commandType: string, root: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ApiKeyCommandRejected(
    'invalid',
    commandType,
    result.error.issues.map((issue) => {
      const field = fieldOf(issue.path);
      const name = root === 'metadata' ? ['metadata', field].filter((part) => part !== '').join('.') : field || root;
      return `${name}: ${issue.input === undefined && issue.code === 'invalid_type' ? 'is required' : issue.message}`;
    }),
  );
}

export function decideApiKey(command: ApiKeyCommand, state: ApiKeyState): AccessEvent[] {
  const { now: at } = parse(metadataSchema, command.metadata, command.type, 'metadata');
  switch (command.type) {
    case 'IssueApiKey': {
      const data = parse(issueApiKeyDataSchema, command.data, command.type, 'data');
      if (state.status !== 'absent') throw new ApiKeyCommandRejected('already-exists', command.type, [`keyId: key "${data.keyId}" already exists`]);
      const propertyIds = [...new Set(data.propertyIds)];
      if (data.role === 'read' && propertyIds.length === 0) {
        throw new ApiKeyCommandRejected('invalid', command.type, ['propertyIds: a read key must name at least one property']);
      }
      if (data.role === 'admin' && propertyIds.length > 0) {
        throw new ApiKeyCommandRejected('invalid', command.type, ['propertyIds: an admin key reads every property; name properties only for read keys']);
      }
      return [{ type: 'ApiKeyIssued.v1', data: { ...data, propertyIds, at } }];
    }
    case 'RevokeApiKey': {
      const { keyId } = parse(revokeApiKeyDataSchema, command.data, command.type, 'data');
      if (state.status === 'absent' || state.keyId !== keyId) throw new ApiKeyCommandRejected('not-found', command.type, [`keyId: key "${keyId}" does not exist`]);
      return state.status === 'revoked' ? [] : [{ type: 'ApiKeyRevoked.v1', data: { keyId, at } }];
    }
    default: {
      const type = String((command as { type: unknown }).type);
      throw new ApiKeyCommandRejected('invalid', type, [`type: "${type}" is not an API key command`]);
    }
  }
}

/** Total: an event that does not apply leaves the state as it is. */
export function evolveApiKey(state: ApiKeyState, event: AccessEvent): ApiKeyState {
  switch (event.type) {
    case 'ApiKeyIssued.v1': {
      const { keyId, name, role, propertyIds, secretHash, at } = event.data;
      return { status: 'issued', keyId, name, role, propertyIds: [...propertyIds], secretHash, issuedAt: at };
    }
    case 'ApiKeyRevoked.v1':
      return state.status === 'issued' ? { ...state, status: 'revoked', revokedAt: event.data.at } : state;
    default:
      return state;
  }
}

export const apiKeyStateFrom = (events: readonly AccessEvent[]): ApiKeyState => events.reduce(evolveApiKey, initialApiKeyState());
