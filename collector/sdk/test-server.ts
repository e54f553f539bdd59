// The site of the SDK browser tests: one real HTTP server on 127.0.0.1 that serves the
// test pages (any host name), files to download and a copy of /wa.js, as a site owner's
// own web server would. It records no hits: those go to the real collector
// (test-collector.ts). A /collect request reaching this server is a hit sent to the
// wrong origin; it is answered 404 and counted, so a test can assert there was none.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PageServer {
  /** Port shared by every host name the browser maps to 127.0.0.1. */
  port: number;
  /** `http://<host>:<port><path>`. */
  url(path: string, host?: string): string;
  /** Serves `html` at `path` (any host). */
  page(path: string, html: string): void;
  /** /collect requests that reached this server instead of the collector. */
  strayHits(): number;
  close(): Promise<void>;
}

export async function startPageServer(options: { sdk: () => Promise<string> }): Promise<PageServer> {
  const pages = new Map<string, string>();
  let stray = 0;

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/collect') {
      stray++;
      res.writeHead(404).end();
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
    strayHits: () => stray,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
