// `webalytic start`: every service in one process (collector, projections, read API and
// dashboard) on the configured stores (the embedded SQLite default when EVENTSTORE_URL /
// MONGODB_URL are unset).
import { runUntilSignal } from '../../platform/run.ts';
import { noArguments } from '../args.ts';
import type { Command } from '../command.ts';

/** The variables every service reads, for the help texts. */
export const COMMON_VARIABLES = `  WEBALYTIC_DATA_DIR  data directory for the embedded stores and the cookieless salt (default ./data)
  PORT                HTTP port (default 8080)
  HOST                interface to listen on (default 0.0.0.0)
  EVENTSTORE_URL      esdb://host:2113?tls=false to use EventStoreDB (default: embedded)
  LOG_LEVEL           fatal|error|warn|info|debug|trace|silent (default info)
  SHUTDOWN_TIMEOUT_MS how long requests in flight may finish at SIGTERM (default 20000)`;

export const SERVICE_ENDPOINTS = `Every service answers GET /healthz (alive), GET /readyz (dependencies reachable, 503
while shutting down) and GET /metrics (Prometheus, with an admin API key). On SIGTERM or SIGINT it stops
accepting connections, finishes the requests in flight, then stops; a second signal
exits at once. .env.example lists every variable.`;

export const startCommand: Command = {
  name: 'start',
  summary: 'run every part of Webalytic in one process (embedded default)',
  help: `Usage: webalytic start

Runs the collector, the projections, the read API and the dashboard in one process on
one port, on the stores the environment selects:

${COMMON_VARIABLES}
  MONGODB_URL         mongodb://... to use MongoDB for read models (default: embedded)

To run them as separate, scalable processes, see 'webalytic collector',
'webalytic projections run' and 'webalytic read-api' (docs/deploy.md).

${SERVICE_ENDPOINTS}`,
  async run(args, { config, logger }) {
    noArguments(args);
    return runUntilSignal(config, logger, { services: ['collector', 'projections', 'read-api'] });
  },
};
