import { openMingoReadStore } from '../../storage/readstore/mongodb.ts';
import { askEverything, dataset, projectInto } from './equivalence.ts';
let t = performance.now();
const lap = (what: string) => { const n = performance.now(); console.log(what, Math.round(n - t)); t = n; };
const d = await dataset(); lap('dataset ' + d.events.length);
const m = openMingoReadStore();
const qm = await projectInto(m, d.events, 97); lap('mingo project');
await askEverything(qm, d); lap('mingo ask');
