// Starting the embedded store's worker threads from the TypeScript sources or the build.
import { Worker, type ResourceLimits } from 'node:worker_threads';

/** The thread entry beside `base` (an import.meta.url), with the extension the caller runs from. */
export const threadEntry = (name: string, base: string): URL => new URL(`./${name}${base.endsWith('.ts') ? '.ts' : '.js'}`, base);

export function spawnThread(entry: URL, workerData: unknown, resourceLimits?: ResourceLimits): Worker {
  if (entry.pathname.endsWith('.ts')) {
    // Running from the TypeScript sources: loader hooks registered at run time (as
    // bin/webalytic.js does) are not inherited by threads in Node 20, so the thread
    // registers tsx itself before loading its entry point.
    const tsx = import.meta.resolve('tsx/esm/api');
    const bootstrap = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry.href)}); });`;
    return new Worker(bootstrap, { eval: true, workerData, ...(resourceLimits === undefined ? {} : { resourceLimits }) });
  }
  return new Worker(entry, { workerData, ...(resourceLimits === undefined ? {} : { resourceLimits }) });
}
