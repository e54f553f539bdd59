// `POST /api/v1/import`: NDJSON hits with timestamps, admin API key required.
//
// - ADMIN_API_KEY unset: 503 (the endpoint is off); missing or wrong key: 401.
// - The body is read whole, at most `maxBodyBytes` (default 50 MB) and `maxLines`
//   (default 100,000 non-blank lines); beyond either: 413 before anything is recorded.
//   The whole request is sorted in memory, so its lines may come in any order.
// - One import at a time (memory stays bounded): a second one meanwhile gets 429.
// - `?dryRun=1` validates without recording.
// - 200 with the report (per-line errors and totals) once every hit is durable; 503
//   with the partial report when the store failed (re-running is safe: idempotent).
// A plain (req, res) handler: mount it on Express (`app.post('/api/v1/import', handler)`)
// without a body parser, or call it from a bare Node server.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../platform/logger.ts';
import { checkAdminKey } from './auth.ts';
import { ImportFailedError, type Importer } from './importer.ts';
import { linesOfText } from './lines.ts';

export const IMPORT_PATH = '/api/v1/import';
export const DEFAULT_MAX_IMPORT_BYTES = 50 * 1024 * 1024;
export const DEFAULT_MAX_IMPORT_LINES = 100_000;

export interface ImportRouteDeps {
  importer: Importer;
  logger: Logger;
  /** The configured ADMIN_API_KEY; undefined turns the endpoint off (503). */
  adminApiKey: string | undefined;
  maxBodyBytes?: number;
  maxLines?: number;
  /** How long the body may take to arrive. Default 120 s. */
  bodyTimeoutMs?: number;
}

/** Bytes read and thrown away after an oversized body before the connection is cut. */
const MAX_DISCARDED_BYTES = 64 * 1024 * 1024;

type Body = { kind: 'ok'; text: string } | { kind: 'oversized' } | { kind: 'timeout' } | { kind: 'aborted' };

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function discard(req: IncomingMessage): void {
  let discarded = 0;
  req.removeAllListeners('data');
  req.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > MAX_DISCARDED_BYTES) req.socket.destroy();
  });
  req.resume();
}

function readBody(req: IncomingMessage, limit: number, timeoutMs: number): Promise<Body> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let settled = false;
    const finish = (body: Body): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(body);
    };
    const timer = setTimeout(() => finish({ kind: 'timeout' }), timeoutMs);
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      bytes += chunk.length;
      if (bytes > limit) {
        discard(req);
        finish({ kind: 'oversized' });
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => finish({ kind: 'ok', text: Buffer.concat(chunks, bytes).toString('utf8') }));
    req.once('aborted', () => finish({ kind: 'aborted' }));
    req.once('error', () => finish({ kind: 'aborted' }));
  });
}

function countLines(text: string, stopAbove: number): number {
  let count = 0;
  for (const _ of linesOfText(text)) {
    if (++count > stopAbove) break;
  }
  return count;
}

const isDryRun = (url: string | undefined): boolean => {
  const q = (url ?? '').indexOf('?');
  if (q === -1) return false;
  const params = new URLSearchParams((url ?? '').slice(q + 1));
  const value = params.get('dryRun') ?? params.get('dry_run');
  return value !== null && value !== '0' && value !== 'false';
};

export function createImportRoute(deps: ImportRouteDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { importer, logger, adminApiKey } = deps;
  const maxBodyBytes = deps.maxBodyBytes ?? DEFAULT_MAX_IMPORT_BYTES;
  const maxLines = deps.maxLines ?? DEFAULT_MAX_IMPORT_LINES;
  const bodyTimeoutMs = deps.bodyTimeoutMs ?? 120_000;
  let busy = false;

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') {
      discard(req);
      sendJson(res, 405, { error: 'use POST with an NDJSON body' }, { allow: 'POST' });
      return;
    }
    const auth = checkAdminKey(req, adminApiKey);
    if (!auth.ok) {
      discard(req);
      sendJson(res, auth.status, { error: auth.error }, auth.status === 401 ? { 'www-authenticate': 'Bearer realm="webalytic-admin"' } : {});
      return;
    }
    const tooLarge = { error: `the import body may hold at most ${maxBodyBytes} bytes and ${maxLines} lines; split the file (or use 'webalytic import FILE', which streams)` };
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBodyBytes) {
      discard(req);
      sendJson(res, 413, tooLarge, { connection: 'close' });
      return;
    }
    if (busy) {
      discard(req);
      sendJson(res, 429, { error: 'another import is running; retry when it has finished' }, { 'retry-after': '5' });
      return;
    }
    busy = true;
    try {
      const body = await readBody(req, maxBodyBytes, bodyTimeoutMs);
      if (body.kind === 'aborted') return;
      if (body.kind === 'timeout') {
        sendJson(res, 408, { error: `the body did not arrive within ${bodyTimeoutMs} ms` }, { connection: 'close' });
        req.socket.destroy();
        return;
      }
      if (body.kind === 'oversized' || countLines(body.text, maxLines) > maxLines) {
        sendJson(res, 413, tooLarge, { connection: 'close' });
        return;
      }
      try {
        // The whole request is sorted at once: its hits may come in any order.
        const report = await importer.run(linesOfText(body.text), { dryRun: isDryRun(req.url), maxBufferedHits: maxLines + 1 });
        sendJson(res, 200, report);
      } catch (error) {
        if (error instanceof ImportFailedError) {
          sendJson(res, 503, { error: error.message, report: error.report }, { 'retry-after': '5' });
          return;
        }
        throw error;
      }
    } finally {
      busy = false;
    }
  }

  return (req, res) => {
    serve(req, res).catch((error: unknown) => {
      logger.error({ err: error }, 'import request failed');
      sendJson(res, 500, { error: 'the import failed unexpectedly; see the server log' });
    });
  };
}
