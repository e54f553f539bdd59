// `webalytic keys ...`: issue, list and revoke the read API's keys. A key is printed
// once, when it is made; the store keeps only a hash of its secret.
import { ApiKeyCommandRejected } from '../../domain/access/decider.ts';
import { issueApiKey, listApiKeys, revokeApiKey } from '../../read-api/keys/api-keys.ts';
import { openEventStore } from '../../storage/eventstore/open.ts';
import { UsageError, type Command, type CommandContext } from '../command.ts';
import { parseCommandArgs } from '../args.ts';

const help = `Usage: webalytic keys <action> [options]

Actions:
  create --role admin|read [--property UA-XXXXX-Y]... [--name NAME]   issue a key (printed once)
  list [--json]                                                        every key, without secrets
  revoke ID                                                            the key stops working at once

Read keys may only query the properties they name (at least one); admin keys may do everything.
Send a key as: Authorization: Bearer wa_<id>_<secret>

Examples:
  webalytic keys create --role admin --name ops
  webalytic keys create --role read --property UA-12345-1 --name dashboard
  webalytic keys revoke 0123456789abcdef`;

const OPTIONS = {
  role: { type: 'string' },
  property: { type: 'string', multiple: true },
  name: { type: 'string' },
  json: { type: 'boolean' },
} as const;

const parse = (args: string[]) => parseCommandArgs(args, OPTIONS, true);

const date = (ms: number) => new Date(ms).toISOString();

async function run(args: string[], { config, logger, out }: CommandContext): Promise<number> {
  const { values, positionals } = parse(args);
  const [action, ...rest] = positionals;
  if (!action) throw new UsageError('an action is required');
  if (action !== 'revoke' && rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`);
  if (action === 'create' && values.role !== 'admin' && values.role !== 'read') throw new UsageError('--role must be admin or read');
  if (action === 'revoke' && rest.length !== 1) throw new UsageError('revoke takes one key id');
  if (!['create', 'list', 'revoke'].includes(action)) throw new UsageError(`unknown action '${action}'`);

  const store = await openEventStore(config, logger);
  try {
    if (action === 'create') {
      const role = values.role === 'admin' ? 'admin' : 'read';
      const issued = await issueApiKey(store, { role, propertyIds: values.property ?? [], ...(values.name ? { name: values.name } : {}) }, Date.now());
      const { keyId, name, propertyIds } = issued.issued;
      if (values.json) {
        out(JSON.stringify({ id: keyId, name, role, propertyIds, key: issued.key }, null, 2));
      } else {
        out(issued.key);
        out(`Key ${keyId} (${role}${propertyIds.length ? `: ${propertyIds.join(', ')}` : ''}, "${name}") issued. Store it now: it is never shown again.`);
      }
      return 0;
    }
    if (action === 'list') {
      const keys = await listApiKeys(store);
      if (values.json) {
        out(JSON.stringify(keys.map(({ secretHash: _hash, ...key }) => key), null, 2));
      } else if (keys.length === 0) {
        out('No keys yet. Make one: webalytic keys create --role admin --name ops');
      } else {
        for (const k of keys) out(`${k.keyId}\t${k.status}\t${k.role}\t${k.propertyIds.join(',') || '*'}\t${date(k.issuedAt)}\t${k.name}`);
      }
      return 0;
    }
    const keyId = rest[0] ?? '';
    const { position } = await revokeApiKey(store, keyId, Date.now());
    out(position === undefined ? `Key ${keyId} was already revoked.` : `Key ${keyId} revoked.`);
    return 0;
  } catch (error) {
    if (error instanceof ApiKeyCommandRejected) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    await store.close();
  }
}

export const keysCommand: Command = { name: 'keys', summary: 'issue, list and revoke read API keys', help, run };
