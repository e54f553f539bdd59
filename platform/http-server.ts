// The process's one HTTP server and its graceful shutdown.
//
// Requests go to the services' plain handlers first (the collector's hot path never goes
// through Express), then to the Express app. The server counts requests in flight, so a
// shutdown can wait for exactly those:
//
//   drain(): the listening socket closes at once (new connections are refused, so a proxy
//   retries them on another instance); idle keep-alive connections are closed; a request
//   that arrives on a connection already open is still served, answered with
//   `Connection: close`, because refusing it would lose a hit the client will not resend;
//   every request in flight runs to its answer (a collector answers 2xx only once its
//   events are durable). After `timeoutMs` whatever is left is cut off: those clients get
//   a reset connection, never a false acknowledgement.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express, Request, Response } from 'express';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';

export type PlainHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

export interface HttpServerOptions {
  config: Pick<Config, 'PORT' | 'HOST' | 'REQUEST_TIMEOUT_MS'>;
  logger: Logger;
  handlers: readonly PlainHandler[];
  app: Express;
}

export interface DrainResult {
  /** Every request in flight finished before the deadline. */
  completed: boolean;
  /** Requests cut off at the deadline. */
  abandoned: number;
}

export interface RunningHttpServer {
  readonly server: Server;
  readonly url: string;
  /** Requests being served now. */
  inFlight(): number;
  draining(): boolean;
  drain(timeoutMs: number): Promise<DrainResult>;
}

export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const { config, logger, handlers, app } = options;
  const open = new Set<ServerResponse>();
  let draining = false;
  let idle: (() => void) | undefined;

  const notFound = (res: ServerResponse) => () => {
    if (!res.headersSent) res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
  };

  const server = createServer(
    {
      // Slow-loris: headers and the whole request must arrive within the timeout,
      // checked every second rather than Node's default 30 s.
      requestTimeout: config.REQUEST_TIMEOUT_MS,
      headersTimeout: config.REQUEST_TIMEOUT_MS,
      connectionsCheckingInterval: 1000,
    },
    (req, res) => {
      open.add(res);
      res.once('close', () => {
        open.delete(res);
        if (open.size === 0) idle?.();
      });
      if (draining) res.setHeader('connection', 'close');
      for (const handle of handlers) if (handle(req, res)) return;
      app(req as Request, res as Response, notFound(res));
    },
  );
  await listen(server, config.PORT, config.HOST);
  const { port } = server.address() as AddressInfo;
  const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST;

  return {
    server,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    inFlight: () => open.size,
    draining: () => draining,
    async drain(timeoutMs) {
      if (!draining) {
        draining = true;
        server.close();
        server.closeIdleConnections();
        // Answers still to come end their connection, so clients reconnect elsewhere.
        for (const res of open) if (!res.headersSent) res.setHeader('connection', 'close');
      }
      if (open.size > 0) {
        logger.info({ inFlight: open.size, timeoutMs }, 'waiting for requests in flight');
        const finished = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), timeoutMs);
          idle = () => {
            clearTimeout(timer);
            resolve(true);
          };
        });
        idle = undefined;
        if (!finished) {
          const abandoned = open.size;
          logger.warn({ abandoned }, 'shutdown deadline reached; cutting the requests still in flight');
          server.closeAllConnections();
          return { completed: false, abandoned };
        }
      }
      // Keep-alive connections that served their last answer during the drain.
      server.closeAllConnections();
      return { completed: true, abandoned: 0 };
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
