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

export const configSchema = z.object({
  WEBALYTIC_DATA_DIR: z.string().trim().min(1, 'must not be empty').default('./data'),
  PORT: z.coerce.number({ message: 'must be a number' }).int('must be an integer').min(0, 'must be 0 to 65535').max(65535, 'must be 0 to 65535').default(8080),
  HOST: z.string().trim().min(1, 'must not be empty').default('0.0.0.0'),
  EVENTSTORE_URL: optionalUrl(['esdb', 'esdb+discover', 'kurrentdb', 'kurrentdb+discover']),
  MONGODB_URL: optionalUrl(['mongodb', 'mongodb+srv']),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { message: 'must be one of fatal, error, warn, info, debug, trace, silent' }).default('info'),
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
    return `invalid configuration: ${name}=${JSON.stringify(env[name] ?? '')} ${issue.message}`;
  });
  throw new ConfigError(lines.join('\n'));
}

/** For the start-up log line: URLs lose their credentials. */
export function describeConfig(config: Config): Record<string, string | number | undefined> {
  const mask = (url: string | undefined) => url?.replace(/\/\/([^@/]*)@/, '//***@');
  return { ...config, EVENTSTORE_URL: mask(config.EVENTSTORE_URL), MONGODB_URL: mask(config.MONGODB_URL) };
}
