// `npm run contract`: writes the event contract's JSON Schema to docs/events.schema.json.
// A script, not domain logic: the file I/O stays here, out of contract.ts.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { serializeEventContract } from '../domain/contract.ts';

const file = fileURLToPath(new URL('../docs/events.schema.json', import.meta.url));
writeFileSync(file, serializeEventContract());
process.stdout.write(`wrote ${file}\n`);
