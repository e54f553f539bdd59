// Bulk import of NDJSON hits with explicit timestamps, through the same path as live
// hits: parsePayload (the same validation), the collector's enricher (receipt time =
// the line's timestamp; geo, IP anonymisation, bot flag and the deterministic id as for
// live hits) and the client aggregate via the hit recorder.
//
// Order: hits are recorded in timestamp order, so each client stream receives its hits
// in time order whatever the order of the file. Memory is bounded by `maxBufferedHits`:
// up to that many validated hits are held and sorted; when the buffer is full, the
// older half is recorded and the newer half kept (a sliding sort window). A file whose
// disorder spans more than half the buffer still imports, but hits older than what was
// already recorded are counted as `late` (the client aggregate counts a late hit at its
// client's last processed time, as it does for live hits sent out of order).
//
// Idempotency: the id of a hit without `z` comes from its client, its parameters and
// its time to the second (enrich.ts), so re-running an import stores nothing twice and
// reports those hits as duplicates. Two identical lines in the same second of the same
// client are one hit (send `z` to tell them apart, as analytics.js does).
import type { ReceivedHit } from '../../domain/hit.ts';
import type { PropertySettings } from '../../domain/property/settings.ts';
import type { Logger } from '../../platform/logger.ts';
import type { Enricher, RequestFacts } from '../enrich.ts';
import { parsePayload } from '../measurement-protocol/index.ts';
import type { PropertyDirectory } from '../../administration/property-directory.ts';
import { HitRejectedError, type HitRecorder } from '../record-hit.ts';
import { createLineParser, type LineError } from './line.ts';
import { MAX_LINE_CHARS, type RawLine } from './lines.ts';

export interface ImportTotals {
  /** Non-blank lines read. */
  lines: number;
  /** Lines that passed validation and enrichment (and, unless a dry run, the domain). lines = valid + invalid. */
  valid: number;
  /** Lines not recorded: bad JSON, bad timestamp, invalid hit, unknown property, refused by the domain. */
  invalid: number;
  /** Hits stored as a recorded hit event (pageview, event, ...). */
  recorded: number;
  /** Hits stored as HitDiscarded (bot filtering, session or daily limits). */
  discarded: number;
  /** Hits already in the store (a re-run import, or the same hit twice): nothing written. */
  duplicates: number;
  /** Hits that arrived after the sort window had moved past their time (see above). */
  late: number;
}

export interface ImportLineError {
  line: number;
  errors: LineError[];
}

export interface ImportReport {
  dryRun: boolean;
  totals: ImportTotals;
  /** Per-line errors in line order, at most `maxReportedErrors` of them. */
  errors: ImportLineError[];
  /** Invalid lines not listed in `errors` (beyond the cap). */
  errorsOmitted: number;
  elapsedMs: number;
}

export interface ImportProgress {
  linesRead: number;
  /** Hits whose recording finished (or, in a dry run, that were validated). */
  processed: number;
}

export interface ImporterDeps {
  properties: Pick<PropertyDirectory, 'get'>;
  enrich: Enricher;
  /** Absent: only dry runs are possible. */
  recorder?: HitRecorder;
  logger: Logger;
  now?: () => number;
}

export interface ImportOptions {
  /** Validate and enrich only; nothing is written. */
  dryRun?: boolean;
  /** Validated hits held for sorting; default 200,000 (a few hundred MB at most). */
  maxBufferedHits?: number;
  /** Recordings in flight at once (the store group-commits them). Default 2048. */
  concurrency?: number;
  /** Per-line errors listed in the report. Default 1,000. */
  maxReportedErrors?: number;
  onProgress?: (progress: ImportProgress) => void;
}

export const DEFAULT_MAX_BUFFERED_HITS = 200_000;

/** The store failed (not the data): hits recorded so far stay, a re-run resumes idempotently. */
export class ImportFailedError extends Error {
  override readonly name = 'ImportFailedError';
  constructor(
    message: string,
    readonly report: ImportReport,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

interface PreparedHit {
  line: number;
  hit: ReceivedHit;
  property: PropertySettings;
}

const byTime = (a: PreparedHit, b: PreparedHit): number => a.hit.time - b.hit.time || a.line - b.line;

const isCookielessWithoutId = (params: Readonly<Record<string, string | number | boolean>>): boolean =>
  params.cid === undefined && params.uid === undefined && (params._cl === true || params._cl === 1 || params._cl === '1');

export interface Importer {
  run(lines: AsyncIterable<RawLine> | Iterable<RawLine>, options?: ImportOptions): Promise<ImportReport>;
}

export function createImporter(deps: ImporterDeps): Importer {
  const { properties, enrich, recorder, logger } = deps;
  const clock = deps.now ?? Date.now;

  async function run(lines: AsyncIterable<RawLine> | Iterable<RawLine>, options: ImportOptions = {}): Promise<ImportReport> {
    const started = clock();
    const dryRun = options.dryRun ?? false;
    if (!dryRun && recorder === undefined) throw new Error('createImporter: a recorder is required unless dryRun is set');
    const maxBuffered = Math.max(2, options.maxBufferedHits ?? DEFAULT_MAX_BUFFERED_HITS);
    const concurrency = Math.max(1, options.concurrency ?? 2048);
    const maxErrors = options.maxReportedErrors ?? 1000;
    const parseLine = createLineParser(started);
    const totals: ImportTotals = { lines: 0, valid: 0, invalid: 0, recorded: 0, discarded: 0, duplicates: 0, late: 0 };
    const errors: ImportLineError[] = [];
    let errorsOmitted = 0;
    let processed = 0;
    let buffer: PreparedHit[] = [];
    /** Time of the newest hit handed to the recorder. */
    let watermark = Number.NEGATIVE_INFINITY;
    let failure: unknown;

    const progress = (): void => options.onProgress?.({ linesRead: totals.lines, processed });
    const reject = (line: number, lineErrors: LineError[]): void => {
      totals.invalid += 1;
      if (errors.length < maxErrors) errors.push({ line, errors: lineErrors });
      else errorsOmitted += 1;
    };

    function prepare(raw: RawLine): PreparedHit | undefined {
      if ('tooLong' in raw) {
        reject(raw.number, [{ parameter: '(line)', description: `the line is longer than ${MAX_LINE_CHARS} characters and was not read` }]);
        return undefined;
      }
      const line = parseLine(raw.text);
      if (!line.ok) {
        reject(raw.number, line.errors);
        return undefined;
      }
      const parsed = parsePayload(line.payload);
      if (!parsed.valid) {
        reject(
          raw.number,
          parsed.messages.filter((m) => m.messageType === 'ERROR').map((m) => ({ parameter: m.parameter ?? '(line)', description: m.description })),
        );
        return undefined;
      }
      if (isCookielessWithoutId(parsed.params)) {
        // The cookieless visitor id comes from a daily salt that is deleted after its day.
        reject(raw.number, [{ parameter: 'cid', description: 'cid: required in an import (cookieless hits get their visitor id from a salt that is not kept for past days)' }]);
        return undefined;
      }
      const tid = String(parsed.params.tid ?? '');
      const property = properties.get(tid);
      if (property === undefined || !property.active) {
        reject(raw.number, [
          {
            parameter: 'tid',
            description: property === undefined ? `tid: no property has the tracking id '${tid}' on this server; create it first` : `tid: the property '${tid}' is deactivated`,
          },
        ]);
        return undefined;
      }
      const facts: RequestFacts = { remoteAddress: undefined, forwardedFor: undefined, userAgent: undefined, receivedAt: line.timestamp };
      const enriched = enrich(parsed.params, facts, property, 0);
      if (!enriched.ok) {
        reject(raw.number, [{ parameter: enriched.problem.parameter, description: enriched.problem.description }]);
        return undefined;
      }
      totals.valid += 1;
      return { line: raw.number, hit: enriched.hit, property };
    }

    // Recordings in flight across flushes: the next window's hits are handed to the
    // recorder while the previous window's are still being committed (the recorder keeps
    // each client's hits in call order).
    let inFlight = 0;
    let freed: (() => void) | undefined;
    const settle = (): void => {
      inFlight -= 1;
      processed += 1;
      const wake = freed;
      freed = undefined;
      wake?.();
    };
    const slotBelow = async (limit: number): Promise<void> => {
      while (inFlight > limit) await new Promise<void>((resolve) => (freed = resolve));
    };

    async function record(hits: PreparedHit[]): Promise<void> {
      if (dryRun || recorder === undefined) {
        processed += hits.length;
        progress();
        return;
      }
      for (const prepared of hits) {
        if (failure !== undefined) break;
        if (inFlight >= concurrency) await slotBelow(concurrency - 1);
        inFlight += 1;
        if (prepared.hit.time > watermark) watermark = prepared.hit.time;
        recorder.record(prepared.hit, prepared.property).then(
          (result) => {
            if (result.duplicate) totals.duplicates += 1;
            else if (result.eventType === 'HitDiscarded.v1') totals.discarded += 1;
            else totals.recorded += 1;
            settle();
          },
          (error: unknown) => {
            if (error instanceof HitRejectedError) {
              totals.valid -= 1; // valid for the parser, refused by the domain: lines = valid + invalid
              reject(prepared.line, [{ parameter: '(hit)', description: error.message }]);
            } else {
              failure ??= error;
            }
            settle();
          },
        );
        if (processed % 1000 === 0) progress();
      }
    }

    const report = (): ImportReport => ({
      dryRun,
      totals: { ...totals },
      errors: [...errors].sort((a, b) => a.line - b.line),
      errorsOmitted,
      elapsedMs: clock() - started,
    });

    for await (const raw of lines) {
      totals.lines += 1;
      const prepared = prepare(raw);
      if (totals.lines % 1000 === 0) progress();
      if (prepared === undefined) continue;
      if (prepared.hit.time < watermark) totals.late += 1;
      buffer.push(prepared);
      if (buffer.length >= maxBuffered) {
        buffer.sort(byTime);
        const older = buffer.slice(0, buffer.length >> 1);
        buffer = buffer.slice(buffer.length >> 1);
        await record(older);
        if (failure !== undefined) break;
      }
    }
    if (failure === undefined) {
      buffer.sort(byTime);
      await record(buffer);
    }
    buffer = [];
    await slotBelow(0);
    progress();
    if (failure !== undefined) {
      logger.error({ err: failure }, 'import stopped: the event store failed');
      throw new ImportFailedError(`the import stopped because the event store failed: ${(failure as Error).message ?? String(failure)}; hits recorded so far are kept and a re-run skips them`, report(), {
        cause: failure,
      });
    }
    const result = report();
    logger.info({ totals: result.totals, dryRun, elapsedMs: result.elapsedMs }, 'import finished');
    return result;
  }

  return { run };
}
