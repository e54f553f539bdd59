// A stand-in for projections-thread-entry.ts (test code only): it starts, says so in a
// log line, answers status requests as one live projection, and dies (exit code 3) when
// asked to wait for a position, as a thread out of memory would.
import { parentPort } from 'node:worker_threads';
import type { ThreadReply, ThreadRequest } from '../projections-thread.ts';

const port = parentPort!;
const post = (reply: ThreadReply): void => port.postMessage(reply);
const at = Date.now();
port.on('message', (request: ThreadRequest) => {
  if (request.type === 'stop') return void post({ type: 'stopped' });
  if (request.type === 'wait') process.exit(3);
  const status = { name: 'stand-in', version: 1, role: 'live', state: 'live', owner: 'fixture', eventsApplied: 0, batches: 0, startedAt: at, updatedAt: at };
  post({ type: 'reply', id: request.id, ok: true, value: [status] });
});
post({ type: 'log', line: JSON.stringify({ level: 30, time: at, msg: 'stand-in thread started', pid: process.pid }) });
post({ type: 'started' });
