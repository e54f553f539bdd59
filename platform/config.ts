// Configuration comes from environment variables, parsed once at start with zod.
// A bad value stops the start with one line naming the variable and the rule.
import { z } from 'zod';

const optionalUrl = (schemes: string[]) =>
  z
    .string()
    .trim()
    .optional()
    .transform((v) => (v === '' ? undefined : v))
    .refine((v) => v === undefined || schemes.some((s) => v.startsWith(`${s}://`)), {
      message: `must be a URL starting with ${schemes.map((s) => `${s}://`).join(' or ')}`,
    });

const booleanFlag = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'].includes(v), { message: 'must be one of 1, 0, true, false, yes, no, on, off' })
  .transform((v) => v === '1' || v === 'true' || v === 'yes' || v === 'on');

const nonNegativeInt = z.coerce.number({ message: 'must be a number' }).int('must be an integer').min(0, 'must be 0 or more');

export const configSchema = z.object({
  WEBALYTIC_DATA_DIR: z.string().trim().min(1, 'must not be empty').default('./data'),
  PORT: z.coerce.number({ message: 'must be a number' }).int('must be an integer').min(0, 'must be 0 to 65535').max(65535, 'must be 0 to 65535').default(8080),
  HOST: z.string().trim().min(1, 'must not be empty').default('0.0.0.0'),
  EVENTSTORE_URL: optionalUrl(['esdb', 'esdb+discover', 'kurrentdb', 'kurrentdb+discover']),
  MONGODB_URL: optionalUrl(['mongodb', 'mongodb+srv']),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { message: 'must be one of fatal, error, warn, info, debug, trace, silent' }).default('info'),
  /** Path of a MaxMind GeoLite2/GeoIP2 City database; unset: geo is '(not set)'. */
  GEOIP_DB: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v === '' ? undefined : v)),
  /** Take the client address from the first X-Forwarded-For entry (only behind a proxy that sets it). */
  TRUST_PROXY: booleanFlag.default(false),
  /** Hits per minute one client address may send to the collector; 0 turns the limit off. */
  COLLECT_RATE_LIMIT_PER_MINUTE: nonNegativeInt.default(1200),
  /** Hits the collector works on at once; beyond it, 503 with Retry-After. */
  COLLECT_MAX_IN_FLIGHT: z.coerce.number({ message: 'must be a number' }).int('must be an integer').min(1, 'must be at least 1').max(1_000_000, 'must be at most 1000000').default(5000),
  /** Whole-request timeout (headers and body), milliseconds. */
  REQUEST_TIMEOUT_MS: z.coerce.number({ message: 'must be a number' }).int('must be an integer').min(1000, 'must be 1000 to 600000').max(600_000, 'must be 1000 to 600000').default(10_000),
  /** Bearer key of the admin API (POST /api/v1/import); unset: that API answers 503. */
  ADMIN_API_KEY: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v === '' ? undefined : v))
    .refine((v) => v === undefined || v.length >= 24, { message: 'must be at least 24 characters' }),
  /** At SIGTERM, how long in-flight requests may take to finish before their connections are cut, milliseconds. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number({ message: 'must be a number' }).int('must be an integer').min(0, 'must be 0 to 600000').max(600_000, 'must be 0 to 600000').default(20_000),
  /**
   * Megabytes of the embedded read models file the report connection maps into memory
   * (read in place, not copied: about twice as fast on large scans); 0 turns it off. Mapped
   * pages count in the process's RSS but belong to the page cache, which can reclaim them.
   */
  READ_MODELS_MMAP_MB: nonNegativeInt.max(1_048_576, 'must be at most 1048576 (1 TiB)').default(1024),
  /**
   * Megabytes the ad hoc reports may keep of the embedded sessions as columns in memory
   * (estimated; least recently used days leave first); 0 answers them in SQL.
   */
  SESSION_COLUMNS_MB: nonNegativeInt.max(65_536, 'must be at most 65536 (64 GiB)').default(256),
  /**
   * Where the projections run when the same process also collects or answers queries:
   * `thread` (a worker thread with its own event loop and connections, so a batch commit
   * never holds up a hit or a report), `inline` (the main thread), or `auto` (a thread when
   * the machine has more than one core).
   */
  PROJECTIONS_THREAD: z.enum(['auto', 'thread', 'inline'], { message: 'must be one of auto, thread, inline' }).default('auto'),
  /** Old-generation heap limit of the projections thread, MB (its live data is about 130 MB; V8 collects late without a limit). */
  PROJECTIONS_HEAP_MB: z.coerce.number({ message: 'must be a number' }).int('must be an integer').min(64, 'must be 64 to 65536').max(65_536, 'must be 64 to 65536').default(256),
  /** How often the retention job deletes raw client events older than each property's retentionDays, minutes; 0 turns it off. */
  RETENTION_INTERVAL_MINUTES: nonNegativeInt.max(10_080, 'must be at most 10080 (a week)').default(60),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses the environment; throws a ConfigError whose message is one line per bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const relevant = Object.fromEntries(
    Object.keys(configSchema.shape).map((key) => [key, env[key] === '' && key !== 'EVENTSTORE_URL' && key !== 'MONGODB_URL' ? undefined : env[key]]),
  );
  const result = configSchema.safeParse(relevant);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? 'environment');
    return `invalid configuration: ${name}=${shownValue(name, env[name] ?? '')} ${issue.message}`;
  });
  throw new ConfigError(lines.join('\n'));
}

/** A URL without its credentials (user:password@). */
const maskUrl = <T extends string | undefined>(url: T): T => url?.replace(/\/\/([^@/]*)@/, '//***@') as T;

/** A bad value as the error shows it: never the admin key, never a URL's credentials (error output lands in logs). */
function shownValue(name: string, value: string): string {
  if (name === 'ADMIN_API_KEY') return `(${value.length} characters, not shown)`;
  if (name === 'EVENTSTORE_URL' || name === 'MONGODB_URL') return JSON.stringify(maskUrl(value));
  return JSON.stringify(value);
}

/** For the start-up log line: URLs lose their credentials. */
export function describeConfig(config: Config): Record<string, string | number | boolean | undefined> {
  const mask = maskUrl;
  return {
    ...config,
    EVENTSTORE_URL: mask(config.EVENTSTORE_URL),
    MONGODB_URL: mask(config.MONGODB_URL),
    ADMIN_API_KEY: config.ADMIN_API_KEY === undefined ? undefined : '***',
  };
}
