// The analytics contract on the embedded read store (SQLite, a temp file per case).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedReadStore } from '../../storage/readstore/embedded.ts';
import { defineAnalyticsContract } from './contract.ts';

const root = mkdtempSync(join(tmpdir(), 'webalytic-analytics-'));
process.once('exit', () => rmSync(root, { recursive: true, force: true }));

defineAnalyticsContract('embedded', async () => {
  const store = openEmbeddedReadStore(join(mkdtempSync(join(root, 'case-')), 'readmodels.sqlite'));
  const dump = async (): Promise<string> => {
    const tables = store.db.prepare<[], { name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table'`).all();
    return JSON.stringify(tables.map(({ name }) => store.db.prepare(`SELECT * FROM "${name.replaceAll('"', '""')}"`).all()));
  };
  return { store, close: () => store.close(), dump };
});
