// The code is strict TypeScript, but tsx only strips types: without this suite a type
// error would reach main unnoticed. Both projects: the server (tsconfig.json) and the
// dashboard's TypeScript (ui/tsconfig.json; its .svelte files are compiled by the build).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const TSC = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));
const run = promisify(execFile);

for (const project of ['tsconfig.json', 'ui/tsconfig.json']) {
  test(`tsc -p ${project} finds no type error`, async () => {
    try {
      await run(process.execPath, [TSC, '-p', project, '--noEmit'], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
    } catch (error) {
      const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
      assert.unreachable(`tsc -p ${project} failed:\n${stdout}${stderr}`.slice(0, 4000));
    }
  });
}

test.run();
