// Runs services until SIGTERM or SIGINT, then shuts them down gracefully: what every
// long-running `webalytic` command does (start, collector, projections run, read-api).
// A second signal during the shutdown stops waiting (exit code 1).
import type { Config } from './config.ts';
import { firstStartHints } from './first-start.ts';
import type { Logger } from './logger.ts';
import { startServices, type ServicesOptions } from './system.ts';

export const SHUTDOWN_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

export async function runUntilSignal(config: Config, logger: Logger, options: ServicesOptions): Promise<number> {
  // Listening from the start, so a signal right after the 'running' line (while the hints
  // are read) shuts the services down gracefully. One that comes while they start finds
  // nothing to drain: the process dies of it, as if no one listened.
  let starting = true;
  const first = nextSignal().then((signal) => {
    if (starting) process.kill(process.pid, signal);
    return signal;
  });
  const running = await startServices(config, logger, options);
  starting = false;
  if (running.readApi !== undefined) {
    for (const hint of await firstStartHints(running.eventStore, { url: running.url, adminKeyConfigured: config.ADMIN_API_KEY !== undefined })) logger.info(`next step: ${hint}`);
  }
  const signal = await first;
  logger.info({ signal, timeoutMs: config.SHUTDOWN_TIMEOUT_MS }, 'shutting down: no new connections, finishing the requests in flight');
  const forced = nextSignal().then((again) => again);
  const outcome = await Promise.race([running.stop(), forced]);
  if (typeof outcome === 'string') {
    logger.warn({ signal: outcome }, 'second signal: exiting without waiting for the shutdown to finish');
    return 1;
  }
  if (!outcome.completed) logger.warn({ abandoned: outcome.abandoned }, 'some requests were cut off at the shutdown deadline');
  return 0;
}

/** Resolves with the next shutdown signal; while waiting, the signals do not kill the process. */
function nextSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const handler = (signal: NodeJS.Signals): void => {
      for (const s of SHUTDOWN_SIGNALS) process.off(s, handler);
      resolve(signal);
    };
    for (const s of SHUTDOWN_SIGNALS) process.on(s, handler);
  });
}
