// Argument parsing shared by the subcommands: node:util's parseArgs, strict, with its
// complaints turned into UsageError (the CLI prints them with the command's help).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './command.ts';

export function parseCommandArgs<const O extends NonNullable<ParseArgsConfig['options']>, const P extends boolean>(args: string[], options: O, allowPositionals: P) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** For a command that takes none: anything given is a usage error. */
export function noArguments(args: string[]): void {
  parseCommandArgs(args, {}, false);
}

export function positiveInteger(option: string, value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new UsageError(`--${option} must be a positive integer`);
  return Number(value);
}
