// Entry point of the embedded store's writer thread (started by embedded-writer-client.ts):
// its own connection to the file runs the group-commit transactions, so inserts, COMMIT
// and fsync never block the event loop that serves HTTP. Requests are handled one at a
// time in arrival order, which keeps the store's single-writer ordering; a stream read
// sent after a write therefore sees it.
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase, prepareStatements, type SynchronousMode } from './embedded-sql.ts';
import { createBatchWriter } from './embedded-writer.ts';
import type { WriterReply, WriterRequest } from './embedded-writer-client.ts';

const port = parentPort;
if (port === null) throw new Error('embedded-writer-thread.ts runs only as a worker thread');
const { file, synchronous } = workerData as { file: string; synchronous: SynchronousMode };

const db = openDatabase(file, synchronous);
const sql = prepareStatements(db);
const write = createBatchWriter(db, sql);

port.on('message', (request: WriterRequest) => {
  if (request.type === 'close') {
    db.close();
    port.close();
    return;
  }
  let reply: WriterReply;
  try {
    if (request.type === 'readStream') {
      const { stream, from, limit, backwards } = request.page;
      reply = { type: 'rows', id: request.id, rows: (backwards ? sql.readBackwards : sql.readForwards).all(stream, from, limit) };
    } else {
      reply = { type: 'done', id: request.id, result: write(request.batch, request.created) };
    }
  } catch (error) {
    const { message, code } = error as { message?: unknown; code?: unknown };
    reply = { type: 'failed', id: request.id, message: String(message ?? error), ...(typeof code === 'string' ? { code } : {}) };
  }
  port.postMessage(reply);
});
port.postMessage({ type: 'ready' } satisfies WriterReply);
