// The receiving end of the SDK browser tests: one real HTTP server on
// 127.0.0.1 that serves the test pages and /wa.js, and records every hit sent
// to /collect. Kept apart from the tests so that the hit recording can later be
// swapped for the real collector and its event store.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A hit's Measurement Protocol parameters, as received. */
export type Hit = Readonly<Record<string, string>>;

/** How a hit arrived: checks the transport, not the payload. */
export interface HitRequest {
  method: string;
  host: string;
  path: string;
  contentType: string;
  hit: Hit;
}

export interface TestServer {
  /** Port shared by every host name the browser maps to 127.0.0.1. */
  port: number;
  /** `http://<host>:<port><path>`. */
  url(path: string, host?: string): string;
  /** Serves `html` at `path` (any host). */
  page(path: string, html: string): void;
  /** Resolves with the first `n` hits of `tid` once they have arrived; rejects after `timeoutMs`. */
  waitForHits(tid: string, n: number, timeoutMs?: number): Promise<Hit[]>;
  /** The hits of `tid` received so far. */
  hits(tid: string): Hit[];
  /** Every /collect request received so far, with its transport details. */
  requests(tid: string): HitRequest[];
  close(): Promise<void>;
}

interface Waiter {
  tid: string;
  n: number;
  resolve: (hits: Hit[]) => void;
}

export async function startTestServer(options: { sdk: () => Promise<string> }): Promise<TestServer> {
  const pages = new Map<string, string>();
  const received: HitRequest[] = [];
  let waiters: Waiter[] = [];

  const hitsOf = (tid: string): Hit[] => received.filter((r) => r.hit.tid === tid).map((r) => r.hit);

  const record = (request: HitRequest): void => {
    received.push(request);
    const ready = waiters.filter((w) => hitsOf(w.tid).length >= w.n);
    waiters = waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve(hitsOf(w.tid).slice(0, w.n));
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/collect') {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const payload = req.method === 'POST' ? Buffer.concat(chunks).toString('utf8') : url.search.slice(1);
        record({
          method: req.method ?? '',
          host: req.headers.host ?? '',
          path: url.pathname,
          contentType: req.headers['content-type'] ?? '',
          hit: Object.fromEntries(new URLSearchParams(payload)),
        });
        res.writeHead(204).end();
      });
      return;
    }
    if (url.pathname === '/wa.js') {
      options.sdk().then(
        (code) => res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(code),
        (error: unknown) => res.writeHead(500).end(String(error)),
      );
      return;
    }
    if (url.pathname.startsWith('/files/')) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-disposition': 'attachment' }).end('file');
      return;
    }
    const html = pages.get(url.pathname);
    if (html === undefined) res.writeHead(404).end();
    else res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    port,
    url: (path, host = '127.0.0.1') => `http://${host}:${port}${path}`,
    page: (path, html) => void pages.set(path, html),
    waitForHits(tid, n, timeoutMs = 10_000) {
      const have = hitsOf(tid);
      if (have.length >= n) return Promise.resolve(have.slice(0, n));
      return new Promise((resolve, reject) => {
        // A deadline, not a wait: a missing hit fails with what did arrive.
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== waiter);
          reject(new Error(`waited for ${n} hits of ${tid}, got ${JSON.stringify(hitsOf(tid))}`));
        }, timeoutMs);
        const waiter: Waiter = { tid, n, resolve: (hits) => (clearTimeout(timer), resolve(hits)) };
        waiters.push(waiter);
      });
    },
    hits: hitsOf,
    requests: (tid) => received.filter((r) => r.hit.tid === tid),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
