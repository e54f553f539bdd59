// The admin API key check: `Authorization: Bearer <key>` against ADMIN_API_KEY, in
// constant time (both sides are hashed first, so neither the key's length nor its
// prefix leaks through timing).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export type AdminAuth = { ok: true } | { ok: false; status: 401 | 503; error: string };

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

export function checkAdminKey(req: Pick<IncomingMessage, 'headers'>, adminApiKey: string | undefined): AdminAuth {
  if (adminApiKey === undefined || adminApiKey === '') {
    return { ok: false, status: 503, error: 'the admin API is disabled on this server: set ADMIN_API_KEY (at least 24 characters) to enable it' };
  }
  const header = req.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header) : null;
  if (!match) return { ok: false, status: 401, error: 'missing admin API key: send the header "Authorization: Bearer <ADMIN_API_KEY>"' };
  if (!timingSafeEqual(digest(match[1]!), digest(adminApiKey))) return { ok: false, status: 401, error: 'wrong admin API key' };
  return { ok: true };
}
