// `webalytic read-api`: the read API (/api/v1) and the dashboard (/) alone. Stateless:
// run as many as needed behind a load balancer.
import { runUntilSignal } from '../../platform/run.ts';
import type { Command } from '../command.ts';
import { noArguments } from '../args.ts';
import { COMMON_VARIABLES, SERVICE_ENDPOINTS } from './start.ts';

export const readApiCommand: Command = {
  name: 'read-api',
  summary: 'run the read API and the dashboard (scale it out)',
  help: `Usage: webalytic read-api

Runs the read API at /api/v1 and the built dashboard (ui/dist) at / alone, on the read
models the projections service builds. Projection status comes from what the runners
save in the read store; replays started here run in this process.

${COMMON_VARIABLES}
  MONGODB_URL         mongodb://... to read MongoDB read models (default: embedded)
  ADMIN_API_KEY       bearer key accepted as an admin API key
  TRUST_PROXY         take the client address from X-Forwarded-For (behind a proxy)

${SERVICE_ENDPOINTS}`,
  async run(args, { config, logger }) {
    noArguments(args);
    return runUntilSignal(config, logger, { services: ['read-api'] });
  },
};
