// `webalytic collector`: the collector service alone (/collect, /batch, /debug/*,
// /wa.js, POST /api/v1/import). Stateless: run as many as needed behind a load balancer.
import { runUntilSignal } from '../../platform/run.ts';
import type { Command } from '../command.ts';
import { noArguments } from '../args.ts';
import { COMMON_VARIABLES, SERVICE_ENDPOINTS } from './start.ts';

export const collectorCommand: Command = {
  name: 'collector',
  summary: 'run the collector service (hits in; scale it out)',
  help: `Usage: webalytic collector

Runs the collector alone: /collect, /r/collect, /j/collect, /batch, /debug/collect,
/debug/batch, /wa.js and POST /api/v1/import. It writes to the event store only (never
the read store), so it keeps collecting while the read side is down. Run several behind
a load balancer; share WEBALYTIC_DATA_DIR between them so cookieless visitor ids agree.

${COMMON_VARIABLES}

Collector settings:
  GEOIP_DB                       MaxMind City database for geo (default: none)
  TRUST_PROXY                    take the client address from X-Forwarded-For (behind a proxy)
  COLLECT_RATE_LIMIT_PER_MINUTE  hits per minute per client address (default 1200; 0: off)
  COLLECT_MAX_IN_FLIGHT          hits handled at once before 503 (default 5000)
  REQUEST_TIMEOUT_MS             whole-request timeout (default 10000)
  ADMIN_API_KEY                  bearer key of the import API

${SERVICE_ENDPOINTS}`,
  async run(args, { config, logger }) {
    noArguments(args);
    return runUntilSignal(config, logger, { services: ['collector'] });
  },
};
