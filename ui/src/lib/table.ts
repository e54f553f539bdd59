// The columns and rows DataTable draws, and client-side sorting and paging for tables
// whose rows are all in memory (realtime, sessions timeline).
import type { MetricKind } from './metrics.ts';

export type CellValue = string | number | boolean | null | undefined;

export interface Column {
  key: string;
  label: string;
  kind: 'text' | 'datetime' | MetricKind;
  /** Clicking the value adds an `is` filter on this dimension to every report. */
  filter?: string;
  /** For text cells of a dimension: flags, names (display.ts). */
  dimension?: string;
  /** Short columns that may wrap: hidden below this viewport width (px). */
  hideBelow?: number;
}

export interface Row {
  id: string;
  cells: Record<string, CellValue>;
  /** Change against the comparison period, by column key (fractions). */
  change?: Record<string, number | null | undefined>;
}

export type SortDir = 'asc' | 'desc';
export interface Sort {
  key: string;
  dir: SortDir;
}

export function compareCells(a: CellValue, b: CellValue): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (a === null || a === undefined) return b === null || b === undefined ? 0 : -1;
  if (b === null || b === undefined) return 1;
  return String(a).localeCompare(String(b), undefined, { numeric: true, sensitivity: 'base' });
}

export function sortRows(rows: readonly Row[], sort: Sort | undefined): Row[] {
  if (!sort) return [...rows];
  const sign = sort.dir === 'asc' ? 1 : -1;
  return [...rows].sort((a, b) => sign * compareCells(a.cells[sort.key], b.cells[sort.key]));
}

/** Numbers sort high-to-low first, text A-to-Z first (what people expect on a first click). */
export function nextSort(current: Sort | undefined, key: string, kind: Column['kind']): Sort {
  if (current?.key === key) return { key, dir: current.dir === 'asc' ? 'desc' : 'asc' };
  return { key, dir: kind === 'text' ? 'asc' : 'desc' };
}
