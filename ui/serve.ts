// Serves the built dashboard (ui/dist) from the read API's server at `/`.
//
// - Hashed files under /assets/ are cached for a year (immutable); index.html is
//   revalidated on every load (no-cache), so a new build is picked up at once.
// - Any other GET for a page (no file extension, HTML accepted, not /api) answers
//   index.html: the dashboard routes in the URL hash, but a pasted deep link still works.
// - index.html carries a strict Content-Security-Policy: scripts from this origin only,
//   so even a rendering bug could not run an injected inline script.
// - Without a build, page requests get a 503 page that says how to build it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';

/** Where `vite build --config ui/vite.config.ts` writes the dashboard. */
export const UI_DIST_DIR = fileURLToPath(new URL('./dist/', import.meta.url));

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  // Svelte sets inline style attributes (chart bars, widths); no script can come this way.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const ASSET_CACHE = 'public, max-age=31536000, immutable';
const OTHER_CACHE = 'public, max-age=3600';

export interface UiMiddlewareOptions {
  /** The built dashboard; default ui/dist beside this file. */
  dir?: string;
}

function pageHeaders(res: Response): void {
  res.setHeader('Cache-Control', 'no-cache');
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
}

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Webalytic: dashboard not built</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:15vh auto;padding:0 1rem;color:#1b1f2a}code{background:#f1f3f6;padding:2px 6px;border-radius:4px}</style>
</head><body><h1>The dashboard has not been built</h1>
<p>Webalytic is running and its API answers under <code>/api/v1</code>, but the dashboard files are missing.</p>
<p>Build them with <code>npm run build:ui</code> and reload this page.</p></body></html>`;

/** A request for a page of the app rather than for a file or the API. */
function isPageRequest(req: Request): boolean {
  if (req.path === '/api' || req.path.startsWith('/api/')) return false;
  const last = req.path.slice(req.path.lastIndexOf('/') + 1);
  if (last.includes('.') && last !== 'index.html') return false;
  return req.accepts(['html', 'json']) === 'html';
}

export function uiMiddleware(options: UiMiddlewareOptions = {}): RequestHandler {
  const dir = options.dir ?? UI_DIST_DIR;
  const indexFile = join(dir, 'index.html');
  const files = express.static(dir, {
    index: false,
    redirect: false,
    fallthrough: true,
    dotfiles: 'ignore',
    setHeaders(res, path) {
      if (path === indexFile) pageHeaders(res);
      else {
        res.setHeader('Cache-Control', path.startsWith(join(dir, 'assets')) ? ASSET_CACHE : OTHER_CACHE);
        res.setHeader('X-Content-Type-Options', 'nosniff');
      }
    },
  });

  const sendIndex = (res: Response, next: NextFunction): void => {
    pageHeaders(res);
    res.sendFile(indexFile, { headers: { 'Content-Type': 'text/html; charset=utf-8' } }, (error?: Error) => {
      if (error && !res.headersSent) next(error);
    });
  };

  return (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (req.path === '/api' || req.path.startsWith('/api/')) return next();
    if (!existsSync(indexFile)) {
      if (!isPageRequest(req)) return next();
      res.status(503).setHeader('Cache-Control', 'no-store').type('html').send(NOT_BUILT_PAGE);
      return;
    }
    if (req.path === '/' || req.path === '/index.html') return sendIndex(res, next);
    files(req, res, (error?: unknown) => {
      if (error) return next(error);
      if (isPageRequest(req)) return sendIndex(res, next);
      next();
    });
  };
}
