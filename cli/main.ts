// The `webalytic` command line: parses the subcommand, loads the configuration
// once, makes the one logger, and runs the command. Exit codes: 0 ok, 1 failure,
// 2 bad usage or bad configuration.
import { ConfigError, loadConfig } from '../platform/config.ts';
import { createLogger } from '../platform/logger.ts';
import { UsageError, type Command } from './command.ts';
import { collectorCommand } from './commands/collector.ts';
import { importCommand } from './commands/import.ts';
import { keysCommand } from './commands/keys.ts';
import { simulateCommand } from './commands/simulate.ts';
import { projectionsCommand } from './commands/projections.ts';
import { propertyCommand } from './commands/property.ts';
import { readApiCommand } from './commands/read-api.ts';
import { startCommand } from './commands/start.ts';

/** Every subcommand, in the order of the help text. */
export const commands: Command[] = [startCommand, collectorCommand, readApiCommand, propertyCommand, projectionsCommand, keysCommand, importCommand, simulateCommand];

const mainHelp = () => `Usage: webalytic <command> [options]

Self-hosted web analytics with Google Analytics processing rules.

Commands:
${commands.map((c) => `  ${c.name.padEnd(14)}${c.summary}`).join('\n')}

Run 'webalytic <command> --help' for a command's options.`;

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [name, ...args] = argv;
  const write = (line: string) => process.stdout.write(`${line}\n`);
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    write(mainHelp());
    return name === undefined ? 2 : 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`webalytic: unknown command '${name}'\n\n${mainHelp()}\n`);
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    write(command.help);
    return 0;
  }
  let config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const logger = createLogger(config.LOG_LEVEL);
  try {
    return await command.run(args, { config, logger, out: write });
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`webalytic ${command.name}: ${error.message}\n\n${command.help}\n`);
      return 2;
    }
    logger.fatal({ err: error }, `${command.name} failed`);
    return 1;
  }
}
