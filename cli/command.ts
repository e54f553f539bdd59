// The shape of one `webalytic` subcommand: a name, its help text, and a run function.
import type { Logger } from '../platform/logger.ts';
import type { Config } from '../platform/config.ts';

export interface CommandContext {
  config: Config;
  logger: Logger;
  /** Where human-readable output goes (stdout in the CLI, a buffer in tests). */
  out: (line: string) => void;
}

export interface Command {
  name: string;
  summary: string;
  /** Full help: usage line, options, examples. */
  help: string;
  /** Resolves with the process exit code; long-running commands resolve when they stop. */
  run(args: string[], context: CommandContext): Promise<number>;
}

/** Thrown for bad arguments: the CLI prints the message and the command's help, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
