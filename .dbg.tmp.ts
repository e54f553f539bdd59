import { createBatchAccumulator } from './projections/analytics/batch.ts';
import { createEventLog, visit, page, fixtureSettings as settings } from './projections/analytics/test-support.ts';
import { applyClientEvent, flushSession } from './projections/analytics/model.ts';
import { recordedDataOf } from './projections/analytics/process-batch.ts';
import { defaultPropertyInfo } from './projections/analytics/property-info.ts';
import { createDeviceParser } from './projections/analytics/user-agent.ts';
const log = createEventLog().hits(settings, [visit(settings, 'c1', '2024-05-06T10:00:00Z', { ...page('/a'), cm1: 2 }), visit(settings, 'c1', '2024-05-06T10:01:00Z', { ...page('/b'), cm1: 3 })]);
const out = createBatchAccumulator(); const info = defaultPropertyInfo(settings.id); const ctx = { property: () => info, device: createDeviceParser() };
let w; for (const e of log.events) { w = applyClientEvent(w, recordedDataOf(e.type, e.data), ctx, out); flushSession(w, out); }
for (const r of out.dailyRows()) if (r.dimension === 'exitPage') console.log(r.value, r.custom, r.metrics.slice(0, 6));
