// Entry point of a catch-up reader thread (started by embedded-reader.ts): reads pages of
// the log after a position from its own read-only connection, parses the events, passes
// each through the subscriber's `extract` (what it needs of an event) and sends the
// page as JSON text. Parsing the stored ~2 KB events is the larger part of a replay's
// reading; here it runs beside the projecting thread, which only parses the compact text.
// Pages are produced on credit (one per `more`), so a slow subscriber bounds the memory.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { eventOfRow, prepareStatements, readLogPage } from './embedded-sql.ts';
import type { ReaderReply, ReaderRequest, ReaderThreadData } from './embedded-reader.ts';
import type { RecordedEvent } from './port.ts';

const port = parentPort;
if (port === null) throw new Error('embedded-reader-thread.ts runs only as a worker thread');
const { file, filter, after: start, pageSize, extractModule, credit } = workerData as ReaderThreadData;

type Extract = (event: RecordedEvent) => RecordedEvent;

async function loadExtract(): Promise<Extract | undefined> {
  if (extractModule === undefined) return undefined;
  const loaded = (await import(extractModule)) as { extract?: unknown };
  if (typeof loaded.extract !== 'function') throw new Error(`${extractModule} does not export an extract function`);
  return loaded.extract as Extract;
}

const extract = await loadExtract();
// Read only: the thread never writes, and the store's own connection keeps the file in WAL mode.
const db = new Database(file, { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = 5000');
db.pragma('cache_size = -16384');
const sql = prepareStatements(db);
let after = start;
let done = false;

/** An event the extract cannot handle goes whole: the subscriber then fails on it, with its position. */
function compact(event: RecordedEvent): RecordedEvent {
  if (extract === undefined) return event;
  try {
    return extract(event);
  } catch {
    return event;
  }
}

function sendPage(): void {
  if (done) return;
  const page = readLogPage(sql, after, filter, pageSize);
  after = page.scannedTo;
  const events = new Array<RecordedEvent>(page.rows.length);
  for (let i = 0; i < page.rows.length; i++) events[i] = compact(eventOfRow(page.rows[i]!));
  if (page.atHead) done = true;
  port!.postMessage({ type: 'page', events: JSON.stringify(events), scannedTo: page.scannedTo, atHead: page.atHead } satisfies ReaderReply);
}

function fail(error: unknown): void {
  done = true;
  const { message } = error as { message?: unknown };
  port!.postMessage({ type: 'failed', message: String(message ?? error) } satisfies ReaderReply);
}

port.on('message', (request: ReaderRequest) => {
  if (request.type === 'close') {
    done = true;
    db.close();
    port.close();
    return;
  }
  try {
    sendPage();
  } catch (error) {
    fail(error);
  }
});
try {
  for (let i = 0; i < credit && !done; i++) sendPage();
} catch (error) {
  fail(error);
}
