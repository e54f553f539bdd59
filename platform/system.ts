// Wires the parts of Webalytic together for `webalytic start`: opens the stores,
// starts the HTTP server, and stops everything in reverse order.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import { openEventStore } from '../storage/eventstore/open.ts';
import type { EventStore } from '../storage/eventstore/port.ts';

export interface RunningSystem {
  url: string;
  eventStore: EventStore;
  stop(): Promise<void>;
}

export async function startSystem(config: Config, logger: Logger): Promise<RunningSystem> {
  const eventStore = await openEventStore(config, logger);
  const server = createServer((req, res) => {
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (req.url === '/readyz') {
      eventStore.headPosition().then(
        (head) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ready', eventStore: eventStore.kind, head: head ?? null })),
        (error: unknown) => {
          logger.warn({ err: error }, 'readiness check failed');
          res.writeHead(503, { 'content-type': 'application/json' }).end('{"status":"unavailable"}');
        },
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
  });
  await listen(server, config.PORT, config.HOST);
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${port}`,
    eventStore,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await eventStore.close();
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
