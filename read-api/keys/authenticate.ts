// Authentication of read API requests: `Authorization: Bearer wa_<id>_<secret>`, checked
// against the key directory (or the ADMIN_API_KEY bootstrap key) in constant time.
// Wrong keys are counted per client address: past the limit, that address gets 429
// for a while, whatever it sends, so keys cannot be guessed at speed.
import type { Request, RequestHandler } from 'express';
import { createRateLimiter } from '../../platform/rate-limit.ts';
import { createLru } from '../../platform/lru.ts';
import type { Authenticate } from '../http/route.ts';
import { forbidden, ProblemError, sendProblem, toProblem, unauthorized } from '../http/problem.ts';
import type { ApiKeyDirectory } from './directory.ts';
import { hashSecret, parseApiKey, sameHash } from './api-keys.ts';
import { BOOTSTRAP_KEY_ID, type ApiKeyPrincipal } from './principal.ts';

export interface AuthenticatorOptions {
  keys: ApiKeyDirectory;
  /** The ADMIN_API_KEY setting: accepted as an admin key (to make the first keys). */
  adminApiKey?: string | undefined;
  /** Take the client address from the first X-Forwarded-For entry. */
  trustProxy: boolean;
  now: () => number;
  /** Wrong keys one address may send per minute (a burst of this many, then this rate). Default 10. */
  failuresPerMinute?: number;
}

/** The client address for the failure count. */
export function clientAddress(req: Request, trustProxy: boolean): string {
  const forwarded = req.headers['x-forwarded-for'];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
  if (trustProxy && first) return first;
  return req.socket.remoteAddress ?? 'unknown';
}

function presentedToken(req: Request, allowQueryToken: boolean): string | undefined {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match?.[1] ?? '';
  }
  if (allowQueryToken) {
    const token = req.query['access_token'];
    if (typeof token === 'string') return token;
  }
  return undefined;
}

export function createAuthenticator(options: AuthenticatorOptions): Authenticate {
  const { keys, trustProxy, now } = options;
  const failures = createRateLimiter({ perMinute: options.failuresPerMinute ?? 10, maxAddresses: 50_000 });
  const blockedUntil = createLru<string, number>(50_000);
  const bootstrapHash = options.adminApiKey ? hashSecret(options.adminApiKey) : undefined;
  const bootstrap: ApiKeyPrincipal = { keyId: BOOTSTRAP_KEY_ID, name: 'ADMIN_API_KEY', role: 'admin', propertyIds: [] };

  function verify(token: string): ApiKeyPrincipal | undefined {
    if (bootstrapHash !== undefined && sameHash(hashSecret(token), bootstrapHash)) return bootstrap;
    const parsed = parseApiKey(token);
    if (!parsed) return undefined;
    const record = keys.get(parsed.keyId);
    if (!record || !sameHash(hashSecret(parsed.secret), record.secretHash) || record.status !== 'issued') return undefined;
    return { keyId: record.keyId, name: record.name, role: record.role, propertyIds: record.propertyIds };
  }

  function tooMany(retryAfterSeconds: number): ProblemError {
    return new ProblemError(429, `too many requests with a wrong API key from this address; retry in ${retryAfterSeconds} s`, {
      type: 'too-many-failed-authentications',
      headers: { 'Retry-After': String(retryAfterSeconds) },
    });
  }

  return (req, { allowQueryToken }) => {
    const address = clientAddress(req, trustProxy);
    const at = now();
    const until = blockedUntil.get(address);
    if (until !== undefined) {
      if (until > at) throw tooMany(Math.max(1, Math.ceil((until - at) / 1000)));
      blockedUntil.delete(address);
    }
    const token = presentedToken(req, allowQueryToken);
    if (token === undefined) throw unauthorized('an API key is required: send Authorization: Bearer wa_<id>_<secret>');
    const principal = verify(token);
    if (principal) return principal;
    const taken = failures.take(address, 1, at);
    if (!taken.ok) {
      blockedUntil.set(address, at + taken.retryAfterSeconds * 1000);
      throw tooMany(taken.retryAfterSeconds);
    }
    throw unauthorized('the API key is not valid: unknown, revoked or mistyped');
  };
}

/** Express middleware for a route outside the read API (the process's /metrics): an admin key, or a problem document. */
export function requireAdminKey(authenticate: Authenticate): RequestHandler {
  return (req, res, next) => {
    try {
      if (authenticate(req, { allowQueryToken: false }).role !== 'admin') throw forbidden('this endpoint needs an admin key');
      next();
    } catch (error) {
      const problem = toProblem(error);
      if (problem === undefined) next(error);
      else sendProblem(res, problem);
    }
  };
}
