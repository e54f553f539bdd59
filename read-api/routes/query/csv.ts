// The stats answer as CSV (RFC 4180): a header row with the dimension and metric names
// (with a comparison: `<metric> (compare)` and `<metric> (change)` after each metric's
// column group), one line per row, CRLF line ends. Text cells that a spreadsheet would
// run as a formula (starting with =, +, -, @, tab or carriage return) get a leading
// apostrophe; numbers are written as they are.
import type { QueryAnswer } from './execute.ts';

export const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8';

const FORMULA_START = /^[=+\-@\t\r]/;

/** One text cell: guarded against formulas, quoted when needed. */
export function csvText(value: string): string {
  const guarded = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(guarded) ? `"${guarded.replaceAll('"', '""')}"` : guarded;
}

const csvNumber = (value: number | null): string => (value === null ? '' : Number.isFinite(value) ? String(value) : '');

export function answerToCsv(answer: QueryAnswer): string {
  const comparing = answer.compare_range !== null;
  const header = [...answer.dimensions, ...answer.metrics.flatMap((m) => (comparing ? [m, `${m} (compare)`, `${m} (change)`] : [m]))];
  const lines = [header.map(csvText).join(',')];
  for (const row of answer.rows) {
    const cells = row.dimensions.map(csvText);
    row.metrics.forEach((value, i) => {
      cells.push(csvNumber(value));
      if (comparing) cells.push(csvNumber(row.compare?.[i] ?? null), csvNumber(row.change?.[i] ?? null));
    });
    lines.push(cells.join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** A file name for the download: only safe characters. */
export const csvFileName = (answer: QueryAnswer): string =>
  `webalytic-${answer.property}-${answer.date_range.from}-${answer.date_range.to}.csv`.replace(/[^A-Za-z0-9._-]/g, '_');
