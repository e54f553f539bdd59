// API keys over HTTP (admin only): issue one (the key is in this answer and nowhere
// else, ever), list them without secrets, revoke one. Each change waits until the
// directory has read it, so the answer means the key works (or no longer does).
import { z } from 'zod';
import { KEY_NAME_MAX } from '../../domain/access/events.ts';
import type { ReadApiDeps } from '../app.ts';
import { notFound } from '../http/problem.ts';
import { defineRoute, type AnyRoute } from '../http/route.ts';
import { issueApiKey, revokeApiKey } from './api-keys.ts';
import type { ApiKeyRecord } from './directory.ts';

export const apiKeySchema = z
  .object({
    id: z.string().describe('The key id: the `<id>` of `wa_<id>_<secret>`.'),
    name: z.string(),
    role: z.enum(['admin', 'read']),
    propertyIds: z.array(z.string()).describe('The properties a read key may query; empty for admin keys.'),
    status: z.enum(['issued', 'revoked']),
    createdAt: z.number().describe('Epoch milliseconds.'),
    revokedAt: z.number().optional(),
  })
  .describe('An API key, without its secret.');

const createKeyBody = z.strictObject({
  role: z.enum(['admin', 'read'], { error: 'must be "admin" or "read"' }),
  propertyIds: z.array(z.string()).optional().describe('Read keys: the properties it may query (at least one).'),
  name: z.string().trim().min(1, 'must not be empty').max(KEY_NAME_MAX, `must be at most ${KEY_NAME_MAX} characters`).optional(),
});

const describeKey = (record: ApiKeyRecord): z.output<typeof apiKeySchema> => ({
  id: record.keyId,
  name: record.name,
  role: record.role,
  propertyIds: [...record.propertyIds],
  status: record.status,
  createdAt: record.issuedAt,
  ...(record.revokedAt === undefined ? {} : { revokedAt: record.revokedAt }),
});

export function keyRoutes(deps: ReadApiDeps): AnyRoute[] {
  const now = deps.now ?? Date.now;
  const { keys, eventStore } = deps;
  const tags = ['keys'];
  return [
    defineRoute({
      method: 'post',
      path: '/keys',
      operationId: 'createApiKey',
      summary: 'Issue an API key (shown in this answer only)',
      tags,
      auth: { role: 'admin' },
      body: createKeyBody,
      response: apiKeySchema.extend({ key: z.string().describe('The key, `wa_<id>_<secret>`: store it now, it is never shown again.') }),
      status: 201,
      async handler({ body, res }) {
        const issued = await issueApiKey(eventStore, { role: body.role, ...(body.propertyIds ? { propertyIds: body.propertyIds } : {}), ...(body.name ? { name: body.name } : {}) }, now());
        await keys.reached(issued.position);
        const record = keys.get(issued.issued.keyId);
        if (!record) throw new Error('the issued key is not in the directory after its position');
        res.setHeader('Cache-Control', 'no-store');
        return { ...describeKey(record), key: issued.key };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/keys',
      operationId: 'listApiKeys',
      summary: 'Every API key, without secrets',
      tags,
      auth: { role: 'admin' },
      response: z.object({ keys: z.array(apiKeySchema) }),
      async handler() {
        return { keys: keys.list().map(describeKey) };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/keys/:id',
      operationId: 'revokeApiKey',
      summary: 'Revoke an API key: it stops working at once',
      tags,
      auth: { role: 'admin' },
      params: z.object({ id: z.string().describe('The key id.') }),
      response: apiKeySchema,
      async handler({ params }) {
        if (!keys.get(params.id)) throw notFound(`API key "${params.id}" does not exist`, 'id');
        const { position } = await revokeApiKey(eventStore, params.id, now());
        if (position !== undefined) await keys.reached(position);
        const record = keys.get(params.id);
        if (!record) throw notFound(`API key "${params.id}" does not exist`, 'id');
        return describeKey(record);
      },
    }),
  ];
}
