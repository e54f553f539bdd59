// `webalytic start`: the whole system in one process on the configured stores
// (the embedded SQLite default when EVENTSTORE_URL / MONGODB_URL are unset).
import { parseArgs } from 'node:util';
import { describeConfig } from '../../platform/config.ts';
import { startSystem } from '../../platform/system.ts';
import { UsageError, type Command } from '../command.ts';

export const startCommand: Command = {
  name: 'start',
  summary: 'run every part of Webalytic in one process (embedded default)',
  help: `Usage: webalytic start

Starts the event store and the HTTP server (collector, read API and dashboard as
they exist) in one process, on the stores the environment selects:
  WEBALYTIC_DATA_DIR  data directory for the embedded stores (default ./data)
  PORT                HTTP port (default 8080)
  HOST                interface to listen on (default 0.0.0.0)
  EVENTSTORE_URL      esdb://host:2113?tls=false to use EventStoreDB (default: embedded)
  MONGODB_URL         mongodb://... to use MongoDB for read models (default: embedded)
  LOG_LEVEL           fatal|error|warn|info|debug|trace|silent (default info)
Stops cleanly on SIGINT or SIGTERM.`,
  async run(args, { config, logger }) {
    try {
      parseArgs({ args, options: {}, strict: true, allowPositionals: false });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    logger.info({ config: describeConfig(config) }, 'starting webalytic');
    const system = await startSystem(config, logger);
    logger.info({ url: system.url }, 'webalytic is running');
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        logger.info({ signal }, 'stopping');
        resolve();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await system.stop();
    logger.info('stopped');
    return 0;
  },
};
