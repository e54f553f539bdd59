// `npm test`: every uvu suite (`*.test.ts`) in one process, then the closing line
// "N passed, N failed". Exits when the suites are done, even if a test left a handle
// open (those are listed on stderr, so a leak is visible rather than a hung CI run).
import { parse } from 'uvu/parse';
import { run } from 'uvu/run';

const [dir = '.', pattern = '\\.test\\.ts$'] = process.argv.slice(2);
const ignore = ['node_modules', '^data', 'ui/dist', '\\.tmp'];

let output = '';
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
  if (typeof chunk === 'string') output = (output + chunk).slice(-2000);
  return write(chunk, ...rest);
}) as typeof process.stdout.write;

const context = await parse(dir, new RegExp(pattern), { ignore });
await run(context.suites, { bail: false });

const plain = output.replace(/\x1b\[[0-9;]*m/g, '');
const total = Number(/Total:\s+(\d+)/.exec(plain)?.[1] ?? 0);
const passed = Number(/Passed:\s+(\d+)/.exec(plain)?.[1] ?? 0);
process.stdout.write(`tests: ${passed} passed, ${total - passed} failed\n`);

const leftOpen = process.getActiveResourcesInfo().filter((kind) => kind !== 'TTYWrap');
if (leftOpen.length > 0) process.stderr.write(`note: tests left open: ${leftOpen.join(', ')}\n`);
process.exit(process.exitCode ?? (total === passed ? 0 : 1));
