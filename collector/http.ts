// The collector's hot path as a plain Node.js request handler: /collect (GET, POST),
// /batch, /debug/collect, /debug/batch and /wa.js. No router and no body parser: the
// body is read by hand with hard byte limits, every hit goes parse → enrich → record,
// and the answer is sent once the events are durable.
//
// Answers (ga-processing.md §1.2: a Measurement Protocol client must not retry):
// - /collect: 2xx whatever the payload (GIF for GET, 204 for POST); garbage, unknown
//   tids and oversized bodies are dropped silently (logged at debug).
// - 429 + Retry-After when the client address is over its rate limit, 503 +
//   Retry-After when the collector already works on COLLECT_MAX_IN_FLIGHT hits or the
//   store failed: both say "nothing was recorded" honestly instead of a 2xx.
// - 408 when the body does not arrive within the timeout.
// - /debug/*: GA-shaped JSON, nothing recorded.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import type { Logger } from '../platform/logger.ts';
import { connectionAddress, type Enricher, type RequestFacts } from './enrich.ts';
import {
  buildDebugResponse,
  MAX_BATCH_BYTES,
  MAX_GET_URL_BYTES,
  MAX_PAYLOAD_BYTES,
  parsePayload,
  splitBatch,
  type MessageCode,
  type ParsedPayload,
  type ParserMessage,
} from './measurement-protocol/index.ts';
import type { PropertyDirectory } from '../administration/property-directory.ts';
import { createRateLimiter } from '../platform/rate-limit.ts';
import { HitRejectedError, type HitRecorder } from './record-hit.ts';

export interface CollectorOptions {
  properties: Pick<PropertyDirectory, 'get'>;
  recorder: HitRecorder;
  enrich: Enricher;
  logger: Logger;
  trustProxy: boolean;
  /** Hits per minute per client address; 0: no limit. */
  rateLimitPerMinute: number;
  /** Hits handled at once; beyond: 503. */
  maxInFlight: number;
  /** How long a request body may take to arrive. */
  bodyTimeoutMs: number;
  /** The clock; tests pass their own. */
  now?: () => number;
  /** The minified browser SDK served at /wa.js; omitted: /wa.js is not the collector's. */
  sdk?: () => Promise<string>;
}

export interface CollectorStats {
  requests: number;
  /** Payloads received on the recording endpoints. */
  hits: number;
  recorded: number;
  duplicates: number;
  /** Invalid, unknown property, bad qt, oversized, refused by the domain. */
  dropped: number;
  rateLimited: number;
  overloaded: number;
  failed: number;
  inFlight: number;
}

export interface CollectorHandler {
  /** Serves the request and returns true, or returns false at once when the path is not the collector's. */
  (req: IncomingMessage, res: ServerResponse): boolean;
  stats(): CollectorStats;
}

type Route = 'collect' | 'batch' | 'debug-collect' | 'debug-batch' | 'sdk';

const ROUTES = new Map<string, Route>([
  ['/collect', 'collect'],
  // analytics.js also posts to these two; an existing snippet keeps working.
  ['/r/collect', 'collect'],
  ['/j/collect', 'collect'],
  ['/batch', 'batch'],
  ['/debug/collect', 'debug-collect'],
  ['/debug/batch', 'debug-batch'],
  ['/wa.js', 'sdk'],
]);

/** A 1x1 transparent GIF, the answer to a GET beacon. */
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const NO_CACHE = { 'cache-control': 'no-cache, no-store, must-revalidate, private', pragma: 'no-cache', expires: '0' };
/** A client still sending after this many bytes beyond the limit is cut off. */
const MAX_DISCARDED_BYTES = 1024 * 1024;

type Body = { kind: 'ok'; text: string } | { kind: 'oversized'; bytes: number } | { kind: 'timeout' } | { kind: 'aborted' };

export function createCollectorHandler(options: CollectorOptions): CollectorHandler {
  const { properties, recorder, enrich, logger, trustProxy, maxInFlight, bodyTimeoutMs } = options;
  const now = options.now ?? Date.now;
  const limiter = createRateLimiter({ perMinute: options.rateLimitPerMinute });
  const counters: Omit<CollectorStats, 'inFlight'> = { requests: 0, hits: 0, recorded: 0, duplicates: 0, dropped: 0, rateLimited: 0, overloaded: 0, failed: 0 };
  let inFlight = 0;
  let sdkAsset: Promise<{ code: Buffer; gzip: Buffer; etag: string }> | undefined;

  const handler = ((req: IncomingMessage, res: ServerResponse): boolean => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const route = ROUTES.get(q === -1 ? url : url.slice(0, q));
    if (route === undefined || (route === 'sdk' && options.sdk === undefined)) return false;
    counters.requests += 1;
    serve(route, req, res, url, q === -1 ? '' : url.slice(q + 1)).catch((error: unknown) => {
      logger.error({ err: error, path: url.slice(0, q === -1 ? undefined : q) }, 'collector request failed');
      if (!res.headersSent) answerAccepted(req, res, route);
      else res.end();
    });
    return true;
  }) as CollectorHandler;
  handler.stats = () => ({ ...counters, inFlight });
  return handler;

  async function serve(route: Route, req: IncomingMessage, res: ServerResponse, url: string, query: string): Promise<void> {
    if (route === 'sdk') return serveSdk(req, res);
    cors(req, res);
    const method = req.method ?? 'GET';
    if (method === 'OPTIONS') {
      res.writeHead(204, {
        'access-control-allow-methods': 'GET, POST, OPTIONS',
        'access-control-allow-headers': req.headers['access-control-request-headers'] ?? 'content-type',
        'access-control-max-age': '86400',
      });
      res.end();
      return;
    }
    const isBatch = route === 'batch' || route === 'debug-batch';
    if (method !== 'POST' && (method !== 'GET' || route === 'batch')) {
      res.writeHead(405, { allow: isBatch ? 'POST, OPTIONS' : 'GET, POST, OPTIONS' }).end();
      return;
    }
    const debug = route === 'debug-collect' || route === 'debug-batch';
    const receivedAt = now();
    const facts: RequestFacts = {
      remoteAddress: req.socket.remoteAddress,
      forwardedFor: header(req, 'x-forwarded-for'),
      userAgent: header(req, 'user-agent'),
      receivedAt,
    };
    if (inFlight >= maxInFlight) {
      counters.overloaded += 1;
      res.writeHead(503, { 'retry-after': '1', ...NO_CACHE }).end();
      return;
    }
    const address = connectionAddress(facts, trustProxy) ?? 'unknown';
    const firstToken = limiter.take(address, 1, receivedAt);
    if (!firstToken.ok) {
      counters.rateLimited += 1;
      res.writeHead(429, { 'retry-after': String(firstToken.retryAfterSeconds), ...NO_CACHE }).end();
      return;
    }

    inFlight += 1;
    let reserved = 1;
    try {
      // ---- the payloads -------------------------------------------------------
      const path = q0(url);
      let payloads: string[] = [];
      let requestProblem: ParserMessage | undefined;
      if (method === 'GET') {
        if (Buffer.byteLength(url) > MAX_GET_URL_BYTES) requestProblem = tooLarge(`The URL is larger than ${MAX_GET_URL_BYTES} bytes and was not processed.`, 'PAYLOAD_TOO_LARGE');
        else payloads = [query];
      } else {
        const limit = isBatch ? MAX_BATCH_BYTES : MAX_PAYLOAD_BYTES;
        const body = await readBody(req, res, limit);
        if (body.kind === 'timeout') {
          res.writeHead(408, { connection: 'close' }).end();
          return;
        }
        if (body.kind === 'aborted') return;
        if (body.kind === 'oversized') {
          requestProblem = isBatch
            ? tooLarge(`The request body is larger than ${limit} bytes; the request was not processed.`, 'BATCH_TOO_LARGE')
            : tooLarge(`The payload is larger than ${limit} bytes and was not processed.`, 'PAYLOAD_TOO_LARGE');
        } else if (isBatch) {
          const split = splitBatch(body.text);
          if (split.error) requestProblem = split.error;
          else payloads = split.payloads;
        } else {
          payloads = [body.text === '' ? query : body.text];
        }
      }

      if (requestProblem !== undefined) {
        counters.hits += 1;
        counters.dropped += 1;
        logger.debug({ path, problem: requestProblem.description }, 'request dropped');
        if (debug) sendDebug(res, [{ hit: path, parsed: { valid: false, params: {}, messages: [requestProblem] } }]);
        else answerAccepted(req, res, route);
        return;
      }

      // ---- admission of the whole request: in-flight bound and rate limit -------
      const extra = payloads.length - 1;
      if (extra > 0) {
        if (inFlight + extra > maxInFlight) {
          counters.overloaded += 1;
          res.writeHead(503, { 'retry-after': '1', ...NO_CACHE }).end();
          return;
        }
        const more = limiter.take(address, extra, receivedAt);
        if (!more.ok) {
          counters.rateLimited += 1;
          res.writeHead(429, { 'retry-after': String(more.retryAfterSeconds), ...NO_CACHE }).end();
          return;
        }
        inFlight += extra;
        reserved += extra;
      }
      counters.hits += payloads.length;

      // ---- parse, enrich, record ------------------------------------------------
      const results: { hit: string; parsed: ParsedPayload; extraMessages?: ParserMessage[] }[] = [];
      const pending: Promise<unknown>[] = [];
      payloads.forEach((payload, index) => {
        const parsed = parsePayload(payload);
        const hitText = `${path}?${payload}`;
        const extraMessages: ParserMessage[] = [];
        if (parsed.valid) {
          const tid = String(parsed.params.tid ?? '');
          const property = properties.get(tid);
          if (property === undefined || !property.active) {
            extraMessages.push(
              error('tid', 'VALUE_INVALID', property === undefined
                ? `No property has the tracking id '${tid}' on this server; hits for it are dropped. Create the property first.`
                : `The property '${tid}' is deactivated; hits for it are dropped until it is reactivated.`),
            );
          } else {
            const enriched = enrich(parsed.params, facts, property, index);
            if (!enriched.ok) {
              extraMessages.push(error(enriched.problem.parameter, enriched.problem.code, enriched.problem.description));
            } else {
              if (!debug) {
                pending.push(
                  recorder.record(enriched.hit, property).then((recorded) => {
                    if (recorded.duplicate) counters.duplicates += 1;
                    else counters.recorded += 1;
                  }),
                );
              }
            }
          }
        }
        if (!parsed.valid || extraMessages.length > 0) {
          counters.dropped += 1;
          if (!debug && logger.isLevelEnabled('debug')) logger.debug({ path, messages: [...parsed.messages, ...extraMessages].map((m) => m.description) }, 'hit dropped');
        }
        if (debug) {
          results.push(extraMessages.length > 0 ? { hit: hitText, parsed, extraMessages } : { hit: hitText, parsed });
        }
      });

      if (debug) {
        sendDebug(res, results);
        return;
      }
      const settled = await Promise.allSettled(pending);
      let failed = false;
      for (const outcome of settled) {
        if (outcome.status === 'fulfilled') continue;
        if (outcome.reason instanceof HitRejectedError) {
          counters.dropped += 1;
          logger.warn({ err: outcome.reason, path }, 'hit refused');
        } else {
          failed = true;
          counters.failed += 1;
          logger.error({ err: outcome.reason, path }, 'hit could not be recorded');
        }
      }
      if (failed) {
        // Nothing lost silently: the sender may retry; hits already stored are
        // recognised by their ids and not stored twice.
        res.writeHead(503, { 'retry-after': '1', ...NO_CACHE }).end();
        return;
      }
      answerAccepted(req, res, route);
    } finally {
      inFlight -= reserved;
    }
  }

  function answerAccepted(req: IncomingMessage, res: ServerResponse, route: Route): void {
    if (route === 'collect' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'image/gif', 'content-length': PIXEL.length, ...NO_CACHE }).end(PIXEL);
    } else if (route === 'debug-collect' || route === 'debug-batch') {
      sendDebug(res, []);
    } else {
      res.writeHead(204, NO_CACHE).end();
    }
  }

  /**
   * Reads at most `limit` bytes. Beyond it the rest is discarded as it arrives (memory
   * stays bounded) and the connection is cut after MAX_DISCARDED_BYTES more.
   */
  function readBody(req: IncomingMessage, res: ServerResponse, limit: number): Promise<Body> {
    const declared = Number(req.headers['content-length']);
    return new Promise<Body>((resolve) => {
      let settled = false;
      const chunks: Buffer[] = [];
      let bytes = 0;
      const finish = (body: Body): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(body);
      };
      const discard = (): void => {
        req.removeListener('data', onData);
        let discarded = 0;
        req.on('data', (chunk: Buffer) => {
          discarded += chunk.length;
          if (discarded > MAX_DISCARDED_BYTES) req.socket.destroy();
        });
        req.resume();
      };
      const onData = (chunk: Buffer): void => {
        bytes += chunk.length;
        if (bytes > limit) {
          discard();
          finish({ kind: 'oversized', bytes });
          return;
        }
        chunks.push(chunk);
      };
      const timer = setTimeout(() => {
        finish({ kind: 'timeout' });
        res.once('finish', () => req.socket.destroy());
      }, bodyTimeoutMs);
      if (Number.isFinite(declared) && declared > limit) {
        discard();
        finish({ kind: 'oversized', bytes: declared });
        return;
      }
      req.on('data', onData);
      req.once('end', () => finish({ kind: 'ok', text: decodeUtf8(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, bytes)) }));
      req.once('error', () => finish({ kind: 'aborted' }));
      req.once('close', () => {
        if (!req.complete) finish({ kind: 'aborted' }); // the client went away mid-body
      });
    });
  }

  function sendDebug(res: ServerResponse, results: { hit: string; parsed: ParsedPayload; extraMessages?: ParserMessage[] }[]): void {
    const body = JSON.stringify(buildDebugResponse(results));
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', ...NO_CACHE }).end(body);
  }

  async function serveSdk(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    sdkAsset ??= options.sdk!().then((code) => {
      const buffer = Buffer.from(code);
      return { code: buffer, gzip: gzipSync(buffer, { level: 9 }), etag: `"${createHash('sha256').update(buffer).digest('base64url').slice(0, 22)}"` };
    });
    let asset;
    try {
      asset = await sdkAsset;
    } catch (error) {
      sdkAsset = undefined;
      logger.error({ err: error }, 'the browser SDK could not be built');
      res.writeHead(503, { 'retry-after': '5' }).end();
      return;
    }
    const headers = {
      'content-type': 'application/javascript; charset=utf-8',
      'cache-control': 'public, max-age=3600',
      etag: asset.etag,
      vary: 'accept-encoding',
      'access-control-allow-origin': '*',
    };
    if (req.headers['if-none-match'] === asset.etag) {
      res.writeHead(304, headers).end();
      return;
    }
    const gzip = /\bgzip\b/.test(header(req, 'accept-encoding') ?? '');
    const body = gzip ? asset.gzip : asset.code;
    res.writeHead(200, { ...headers, ...(gzip ? { 'content-encoding': 'gzip' } : {}), 'content-length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
  }
}

/** Beacons from any site: echo the origin (so credentialed sendBeacon/fetch pass), else '*'. */
function cors(req: IncomingMessage, res: ServerResponse): void {
  const origin = req.headers.origin;
  if (origin) {
    res.setHeader('access-control-allow-origin', origin);
    res.setHeader('access-control-allow-credentials', 'true');
    res.setHeader('vary', 'origin');
  } else {
    res.setHeader('access-control-allow-origin', '*');
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

const q0 = (url: string): string => {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
};

const error = (parameter: string, messageCode: MessageCode, description: string): ParserMessage => ({ messageType: 'ERROR', description, parameter, messageCode });

const tooLarge = (description: string, messageCode: MessageCode): ParserMessage => ({ messageType: 'ERROR', description, messageCode });

const utf8 = new TextDecoder('utf-8', { fatal: false });
/** Invalid UTF-8 becomes U+FFFD, as GA does (§1.3). */
const decodeUtf8 = (buffer: Buffer): string => utf8.decode(buffer);
