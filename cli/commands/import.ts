// `webalytic import FILE [--dry-run]`: NDJSON hits with timestamps into the event store,
// through the same validation, enrichment and client aggregate as live hits.
import { createReadStream, statSync } from 'node:fs';
import cliProgress from 'cli-progress';
import { ImportFailedError, type ImportReport } from '../../collector/import/importer.ts';
import { linesOfStream } from '../../collector/import/lines.ts';
import { openImportPipeline } from '../../collector/import/open.ts';
import { openEventStore } from '../../storage/eventstore/open.ts';
import { UsageError, type Command, type CommandContext } from '../command.ts';
import { parseCommandArgs, positiveInteger } from '../args.ts';

const help = `Usage: webalytic import FILE [options]

Imports Measurement Protocol hits with explicit timestamps from an NDJSON file (or '-'
for standard input) into the configured event store. Each line is one JSON object: the
hit's Measurement Protocol parameters keyed by their names, plus "timestamp":

  {"timestamp":"2024-06-03T10:15:00+02:00","v":"1","tid":"UA-12345-1","cid":"555.1717400000","t":"pageview","dl":"https://example.com/pricing","uip":"81.2.69.160","ua":"Mozilla/5.0 ..."}

  timestamp     ISO 8601 with an offset (Z or +02:00) or epoch milliseconds: the time
                the hit was received (with qt, the hit time is timestamp - qt)
  uip, ua       the visitor's address and user agent (geo comes from uip)
  values        strings, numbers, booleans (true -> 1, false -> 0) or null (not sent)

Every line goes through the live collector's rules; invalid lines are reported with
their line numbers and skipped. Hits are recorded in timestamp order per visitor,
sorted in memory up to --buffer hits (a larger file should be roughly time-ordered:
hits later than the sort window are counted as "late"). Hit ids are deterministic, so
re-running an import records nothing twice (reported as duplicates).

Options:
  --dry-run        validate only, record nothing
  --buffer N       hits held and sorted in memory (default 200000, about 1 KB each)
  --json           print the whole report as JSON (default: a summary and the errors)
  --errors N       per-line errors listed (default 1000)

Exit codes: 0 done, 3 done but some lines were invalid, 1 the store failed (re-run to resume).

Examples:
  webalytic import hits.ndjson --dry-run
  webalytic simulate --property UA-12345-1 --visitors 100 --days 7 --out hits.ndjson && webalytic import hits.ndjson`;

const OPTIONS = {
  'dry-run': { type: 'boolean' },
  buffer: { type: 'string' },
  json: { type: 'boolean' },
  errors: { type: 'string' },
} as const;

const parse = (args: string[]) => parseCommandArgs(args, OPTIONS, true);


/** The report for people: totals, then the errors line by line. */
export function describeImport(report: ImportReport): string[] {
  const t = report.totals;
  const seconds = report.elapsedMs / 1000;
  const lines = [
    `${report.dryRun ? 'Dry run: ' : ''}${t.lines} lines: ${t.valid} valid, ${t.invalid} invalid` +
      (report.dryRun ? '' : `; ${t.recorded} recorded, ${t.discarded} discarded, ${t.duplicates} duplicates`) +
      (t.late > 0 ? `; ${t.late} late (older than the sort window)` : ''),
    `${seconds.toFixed(1)} s, ${seconds > 0 ? Math.round(t.lines / seconds) : t.lines} lines/s`,
  ];
  for (const error of report.errors) {
    for (const problem of error.errors) lines.push(`line ${error.line}: ${problem.parameter}: ${problem.description}`);
  }
  if (report.errorsOmitted > 0) lines.push(`... and ${report.errorsOmitted} more invalid lines`);
  return lines;
}

async function run(args: string[], { config, logger, out }: CommandContext): Promise<number> {
  const { values, positionals } = parse(args);
  const [file, ...extra] = positionals;
  if (file === undefined) throw new UsageError('the NDJSON file is required');
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
  const maxBufferedHits = values.buffer === undefined ? 200_000 : positiveInteger('buffer', values.buffer);
  const maxReportedErrors = values.errors === undefined ? 1000 : positiveInteger('errors', values.errors);
  const fromStdin = file === '-';
  let size = 0;
  if (!fromStdin) {
    try {
      size = statSync(file).size;
    } catch (error) {
      throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
    }
  }

  const store = await openEventStore(config, logger);
  const pipeline = await openImportPipeline({ store, logger, geo: config }).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  // A progress bar on stderr (stdout keeps the report) for files worth waiting for.
  let bytesRead = 0;
  const bar = !fromStdin && size > 1024 * 1024 && process.stderr.isTTY ? new cliProgress.SingleBar({ format: 'import [{bar}] {percentage}% | {lines} lines | ETA {eta}s', stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic) : undefined;
  bar?.start(size, 0, { lines: 0 });
  try {
    const source: AsyncIterable<Buffer | string> = fromStdin ? process.stdin : createReadStream(file);
    async function* counted(): AsyncGenerator<Buffer | string> {
      for await (const chunk of source) {
        bytesRead += chunk.length;
        yield chunk;
      }
    }
    const report = await pipeline.importer.run(linesOfStream(counted()), {
      dryRun: values['dry-run'] ?? false,
      maxBufferedHits,
      maxReportedErrors,
      onProgress: ({ linesRead }) => bar?.update(bytesRead, { lines: linesRead }),
    });
    bar?.update(size, { lines: report.totals.lines });
    bar?.stop();
    if (values.json) out(JSON.stringify(report, null, 2));
    else for (const line of describeImport(report)) out(line);
    return report.totals.invalid > 0 ? 3 : 0;
  } catch (error) {
    bar?.stop();
    if (error instanceof ImportFailedError) {
      process.stderr.write(`${error.message}\n`);
      if (values.json) out(JSON.stringify(error.report, null, 2));
      else for (const line of describeImport(error.report)) out(line);
      return 1;
    }
    throw error;
  } finally {
    await pipeline.close();
    await store.close();
  }
}

export const importCommand: Command = { name: 'import', summary: 'import NDJSON hits with timestamps (idempotent)', help, run };
