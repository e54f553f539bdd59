// One pino logger is made at start and passed down; library code never writes to the console.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, base: { app: 'webalytic' }, redact: { paths: ['*.apiKey', '*.password', 'apiKey', 'authorization', 'headers.authorization'], censor: '***' } }, destination);
}

/** A logger that drops everything, for tests and benchmarks. */
export const silentLogger = (): Logger => pino({ level: 'silent' });
