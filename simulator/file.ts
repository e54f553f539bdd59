// `--out FILE`: the simulated hits as NDJSON, the format `webalytic import` reads.
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { SimulatedHit } from './generate.ts';
import { hitToJson } from './history.ts';
import { createTally, type SimulationSummary } from './summary.ts';

export async function writeNdjson(hits: Iterable<SimulatedHit>, path: string): Promise<SimulationSummary> {
  const started = performance.now();
  const tally = createTally();
  const out = createWriteStream(path, { encoding: 'utf8' });
  const failed = once(out, 'error').then(([error]) => {
    throw error;
  });
  failed.catch(() => undefined);
  let chunk = '';
  const flush = async (): Promise<void> => {
    if (!out.write(chunk)) await Promise.race([once(out, 'drain'), failed]);
    chunk = '';
  };
  for (const hit of hits) {
    tally.add(hit);
    chunk += `${hitToJson(hit)}\n`;
    if (chunk.length > 256 * 1024) await flush();
  }
  if (chunk !== '') await flush();
  out.end();
  await Promise.race([once(out, 'finish'), failed]);
  return tally.finish('file', performance.now() - started);
}
