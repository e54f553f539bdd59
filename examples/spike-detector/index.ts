// Spike detector: flags a visitor sending more hits per minute than a threshold, live,
// from Webalytic's event stream. One JSON line per spike on stdout.
//
//   tsx examples/spike-detector/index.ts --url http://127.0.0.1:8080 --key KEY --threshold 60
//
// Options: --property UA-1-1[,UA-2-1] (required with a read key), --window SECONDS
// (default 60), --from POSITION (default: from now). The key may also come from
// WEBALYTIC_API_KEY.
import { parseArgs } from 'node:util';
import { SubscriptionRefused } from './subscribe.ts';
import { watchForSpikes } from './spike-watch.ts';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:8080' },
    key: { type: 'string' },
    threshold: { type: 'string', default: '60' },
    window: { type: 'string', default: '60' },
    property: { type: 'string' },
    from: { type: 'string' },
  },
});

const key = values.key ?? process.env['WEBALYTIC_API_KEY'];
const threshold = Number(values.threshold);
const windowSeconds = Number(values.window);
if (!key) fail('--key (or WEBALYTIC_API_KEY) is required');
if (!Number.isInteger(threshold) || threshold < 1) fail('--threshold must be a whole number of hits, at least 1');
if (!Number.isFinite(windowSeconds) || windowSeconds <= 0) fail('--window must be a number of seconds above 0');

const stop = new AbortController();
process.once('SIGINT', () => stop.abort());
process.once('SIGTERM', () => stop.abort());

watchForSpikes({
  url: values.url,
  key,
  threshold,
  windowMs: windowSeconds * 1000,
  signal: stop.signal,
  ...(values.property ? { properties: values.property.split(',') } : {}),
  ...(values.from ? { lastEventId: values.from } : {}),
  onConnected: () => process.stderr.write(`connected to ${values.url}\n`),
  onDisconnected: (error) => process.stderr.write(`disconnected (${error instanceof Error ? error.message : String(error)}); reconnecting\n`),
  onSpike: (spike) =>
    process.stdout.write(
      `${JSON.stringify({ spike: spike.client, property: spike.property, hits: spike.hits, from: new Date(spike.from).toISOString(), to: new Date(spike.to).toISOString(), position: spike.position })}\n`,
    ),
}).catch((error: unknown) => {
  fail(error instanceof SubscriptionRefused ? error.message : String(error));
});

function fail(message: string): never {
  process.stderr.write(`spike-detector: ${message}\n`);
  process.exit(1);
}
