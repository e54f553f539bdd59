// `webalytic projections status|replay|run`: how far each read model is, blue/green
// rebuilds with a progress bar (both work beside a running server on the same data dir),
// and `run`, the projections service of a split deployment (platform/run.ts).
import cliProgress from 'cli-progress';
import type { Logger } from '../../platform/logger.ts';
import { runUntilSignal } from '../../platform/run.ts';
import { projections as catalog } from '../../projections/catalog.ts';
import { projectionsOverview, type ProjectionOverview } from '../../projections/overview.ts';
import type { Projection } from '../../projections/projection.ts';
import { replayProjection, type ReplayProgress, type ReplayResult } from '../../projections/replay.ts';
import { openEventStore } from '../../storage/eventstore/open.ts';
import { openReadStore } from '../../storage/readstore/open.ts';
import { UsageError, type Command, type CommandContext } from '../command.ts';
import { parseCommandArgs, positiveInteger } from '../args.ts';

const help = `Usage: webalytic projections <action> [options]

Actions:
  run                             the projections service: runs every projection (and the
                                  retention job) until SIGTERM/SIGINT, serving /healthz,
                                  /readyz and /metrics on PORT; a second instance waits on
                                  the leases as a hot standby
  status [--json]                 each projection: code version, stored versions, the active one,
                                  state, position, events behind the head, append-to-commit lag
  replay NAME... | --all          rebuild the projection's version from the start of the log into
                                  new tables while the active version keeps serving; reads switch
                                  when it has caught up, then the old version is dropped

Replay options:
  --fresh                         start over instead of resuming an interrupted replay
  --keep-previous                 keep the previous version's tables after the switch
  --batch-size N                  events per transaction (default 1000)

A replay builds the version of the code you run it with: run it with the new release before
restarting the server on it, and the restart finds the new version active and up to date (the
old server's runner steps down at the switch). Ctrl-C interrupts a replay cleanly; the serving
version is untouched and the next replay resumes. 'webalytic start' rebuilds a changed version
by itself too.

Examples:
  webalytic projections status
  webalytic projections replay --all`;

const OPTIONS = {
  json: { type: 'boolean' },
  all: { type: 'boolean' },
  fresh: { type: 'boolean' },
  'keep-previous': { type: 'boolean' },
  'batch-size': { type: 'string' },
} as const;

const parse = (args: string[]) => parseCommandArgs(args, OPTIONS, true);

export interface ProjectionsCommandOptions {
  /** The projections the CLI knows; default: projections/catalog.ts. */
  projections?: Projection[];
  /** Where the progress bar is drawn; default stderr. Not a terminal: a line every 2 s. */
  progressStream?: NodeJS.WritableStream;
}

export function createProjectionsCommand(options: ProjectionsCommandOptions = {}): Command {
  const known = (): Projection[] => options.projections ?? catalog;

  async function run(args: string[], context: CommandContext): Promise<number> {
    const { values, positionals } = parse(args);
    const [action, ...names] = positionals;
    if (!action) throw new UsageError('an action is required (status, replay or run)');
    if (action === 'run') {
      if (names.length > 0) throw new UsageError(`unexpected argument '${names[0]}'`);
      return runUntilSignal(context.config, context.logger, { services: ['projections'], ...(options.projections ? { projections: options.projections } : {}) });
    }
    if (action === 'status') {
      if (names.length > 0) throw new UsageError(`unexpected argument '${names[0]}'`);
      return withStores(context, async (stores) => {
        const overview = await projectionsOverview({ projections: known(), ...stores });
        if (values.json) context.out(JSON.stringify(overview, null, 2));
        else for (const line of statusTable(overview)) context.out(line);
        return 0;
      });
    }
    if (action === 'replay') {
      const chosen = choose(names, values.all === true);
      const batchSize = values['batch-size'] === undefined ? undefined : positiveInteger('batch-size', values['batch-size']);
      return withStores(context, async (stores) => {
        let code = 0;
        for (const projection of chosen) {
          const result = await replayWithBar(projection, stores, context, {
            fresh: values.fresh === true,
            dropPrevious: values['keep-previous'] !== true,
            ...(batchSize === undefined ? {} : { batchSize }),
          });
          context.out(describeResult(result));
          if (result.outcome === 'interrupted') return 130;
          if (result.outcome === 'failed') code = 1;
        }
        return code;
      });
    }
    throw new UsageError(`unknown action '${action}'`);
  }

  function choose(names: string[], all: boolean): Projection[] {
    const list = known();
    if (all) {
      if (names.length > 0) throw new UsageError('give projection names or --all, not both');
      return list;
    }
    if (names.length === 0) throw new UsageError('name a projection to replay, or --all');
    return names.map((name) => {
      const projection = list.find((p) => p.name === name);
      if (!projection) throw new UsageError(`unknown projection '${name}' (known: ${list.map((p) => p.name).join(', ') || 'none'})`);
      return projection;
    });
  }

  async function replayWithBar(
    projection: Projection,
    stores: Stores,
    context: CommandContext,
    replayOptions: { fresh: boolean; dropPrevious: boolean; batchSize?: number },
  ): Promise<ReplayResult> {
    const bar = new cliProgress.SingleBar(
      {
        format: `${projection.name} v${projection.version} |{bar}| {percentage}% | {value}/{total} {unit} | {rate} events/s | ETA {etaText}{note}`,
        stream: options.progressStream ?? process.stderr,
        noTTYOutput: true,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    const render = (p: ReplayProgress): void => {
      const payload = {
        unit: p.unit,
        rate: Math.round(p.eventsPerSecond).toLocaleString('en-US'),
        etaText: p.etaSeconds === undefined ? '-' : formatSeconds(p.etaSeconds),
        note: p.leaseHolder ? ` | waiting for ${p.leaseHolder}` : '',
      };
      if (!started) {
        started = true;
        bar.start(p.total, p.done, payload);
      } else {
        bar.setTotal(p.total);
        bar.update(p.done, payload);
      }
    };
    const controller = new AbortController();
    const interrupt = (): void => controller.abort();
    process.once('SIGINT', interrupt);
    try {
      return await replayProjection({
        projection,
        ...stores,
        logger: quiet(context.logger),
        ...replayOptions,
        onProgress: render,
        signal: controller.signal,
      });
    } finally {
      process.off('SIGINT', interrupt);
      if (started) bar.stop();
    }
  }

  return { name: 'projections', summary: 'the projections service (run), read model status, blue/green replay', help, run };
}

export const projectionsCommand: Command = createProjectionsCommand();

interface Stores {
  eventStore: Awaited<ReturnType<typeof openEventStore>>;
  readStore: Awaited<ReturnType<typeof openReadStore>>;
}

async function withStores(context: CommandContext, work: (stores: Stores) => Promise<number>): Promise<number> {
  const logger = quiet(context.logger);
  const eventStore = await openEventStore(context.config, logger);
  try {
    const readStore = await openReadStore(context.config, logger);
    try {
      return await work({ eventStore, readStore });
    } finally {
      await readStore.close();
    }
  } finally {
    await eventStore.close();
  }
}

/** The runner's info lines would tear the progress bar apart: keep warnings and errors unless debugging. */
const quiet = (logger: Logger): Logger => (logger.isLevelEnabled('info') && !logger.isLevelEnabled('debug') ? logger.child({}, { level: 'warn' }) : logger);

function formatSeconds(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function describeResult(result: ReplayResult): string {
  const head = `${result.name} v${result.version}`;
  const pace = `${result.eventsApplied.toLocaleString('en-US')} events in ${result.seconds.toFixed(1)} s (${Math.round(result.eventsPerSecond).toLocaleString('en-US')} events/s)`;
  switch (result.outcome) {
    case 'up-to-date':
      return `${head}: already the active version, nothing to replay`;
    case 'switched': {
      const previous = result.previousVersion === undefined ? '' : `; was v${result.previousVersion}${result.droppedPrevious ? ', dropped' : ', kept'}`;
      return `${head}: replayed ${pace}; reads switched to v${result.version}${previous}`;
    }
    case 'interrupted':
      return `${head}: interrupted after ${pace}; reads still served by ${result.previousVersion === undefined ? 'no version' : `v${result.previousVersion}`}; run the replay again to resume`;
    case 'failed': {
      const error = result.status?.error;
      return `${head}: FAILED${error?.position ? ` at position ${shortPosition(error.position)}` : ''}: ${error?.message ?? 'unknown error'}; reads still served by ${result.previousVersion === undefined ? 'no version' : `v${result.previousVersion}`}`;
    }
  }
}

/** Embedded positions are zero-padded sequence numbers: show the number. */
const shortPosition = (position: string | undefined): string => (position === undefined ? '-' : /^\d{20}$/.test(position) ? String(Number(position)) : position);

function statusTable(overview: ProjectionOverview[]): string[] {
  if (overview.length === 0) return ['No projections.'];
  const header = ['PROJECTION', 'CODE', 'VERSION', 'ACTIVE', 'STATE', 'POSITION', 'BEHIND', 'LAG P50/P95 MS', 'NOTE'];
  const rows: string[][] = [];
  for (const projection of overview) {
    const code = projection.codeVersion === undefined ? '-' : String(projection.codeVersion);
    if (projection.versions.length === 0) {
      rows.push([projection.name, code, '-', '-', 'never run', '-', '-', '-', '']);
      continue;
    }
    for (const version of projection.versions) {
      const note = version.error
        ? `error${version.error.position ? ` at ${shortPosition(version.error.position)}` : ''}: ${version.error.message}`
        : [version.role === 'rebuild' && version.running ? 'rebuilding' : '', version.reason ?? '', version.owner ? `by ${version.owner}` : ''].filter(Boolean).join('; ');
      rows.push([
        projection.name,
        code,
        String(version.version),
        version.active ? 'yes' : 'no',
        version.state,
        shortPosition(version.position),
        version.eventsBehind === undefined ? '-' : `${version.eventsBehind}${version.eventsBehindCapped ? '+' : ''}`,
        version.latencyMs ? `${Math.round(version.latencyMs.p50)}/${Math.round(version.latencyMs.p95)}` : '-',
        note,
      ]);
    }
  }
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  const format = (row: string[]) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [format(header), ...rows.map(format)];
}
