// The projections Webalytic runs: `webalytic start` runs each of them, and the CLI
// (`webalytic projections status|replay`) knows them by name from this list.
import type { Projection } from './projection.ts';
import { analyticsProjection } from './analytics/index.ts';

export const projections: Projection[] = [analyticsProjection];
