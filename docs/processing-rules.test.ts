// Keeps docs/processing-rules.md true: every test it names as pinning a choice exists.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const doc = readFileSync(new URL('./processing-rules.md', import.meta.url), 'utf8');
const repoFile = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

/** `path/x.test.ts: \`name …\`` pairs; a name may be cut short with an ellipsis. */
function pinnedTests(): { file: string; name: string }[] {
  const pairs: { file: string; name: string }[] = [];
  for (const line of doc.split('\n')) {
    let file: string | undefined;
    for (const match of line.matchAll(/([\w/-]+\.test\.ts)|``(.+?)``|`([^`]+)`/g)) {
      if (match[1]) file = match[1];
      else if (file) {
        const name = (match[2] ?? match[3] ?? '').trim();
        if (name.length > 12) pairs.push({ file, name });
      }
    }
  }
  return pairs;
}

test('every test named in docs/processing-rules.md exists in the file it names', () => {
  const pairs = pinnedTests();
  assert.ok(pairs.length >= 30, `found only ${pairs.length} pinned tests`);
  const missing = pairs.filter(({ file, name }) => {
    const source = repoFile(file).replace(/\\([`'])/g, '$1');
    // Table-driven tests are titled by their input (`dl=<url>`): the row holds the bare URL.
    const head = name.replace(/\\\|/g, '|').replace(/^d[lr]=/, '').split('…')[0]!.trim();
    return !source.includes(head);
  });
  assert.equal(missing, [], `tests named in the doc but not found:\n${missing.map((m) => `${m.file}: ${m.name}`).join('\n')}`);
});

test.run();
