// Reading the dashboard in a browser test: report tables and KPI tiles by their data
// attributes (the raw values the API answered, beside the formatted text people see).
import type { Page } from 'playwright-core';
import type { QueryResponse } from '../src/lib/types.ts';

export type Cell = string | number | null;

/** Resolves when the widget under `scope` has its answer (rows, empty or error) and nothing in it is loading. */
export async function settledWidget(page: Page, scope: string): Promise<void> {
  await page.waitForFunction((selector) => {
    const root = document.querySelector(selector);
    if (!root || root.querySelector('[aria-busy="true"]')) return false;
    return root.querySelector('tbody tr, [data-state="empty"], [role="alert"]') !== null;
  }, scope);
}

/** A table's rows: the dimension columns' raw values, then the metric columns' numbers (null when empty). */
export function tableRows(page: Page, scope: string, dimensions: readonly string[], metrics: readonly string[]): Promise<Cell[][]> {
  return page.$$eval(
    `${scope} tbody tr`,
    (trs, [dims, mets]) =>
      trs.map((tr) => [
        ...dims.map((d) => tr.querySelector(`td[data-col="${d}"]`)?.getAttribute('data-value') ?? '(missing)'),
        ...mets.map((m) => {
          const raw = tr.querySelector(`td[data-col="${m}"]`)?.getAttribute('data-value');
          return raw === undefined || raw === null ? '(missing)' : raw === '' ? null : Number(raw);
        }),
      ]),
    [dimensions, metrics] as const,
  );
}

/** The same rows from an API answer. */
export const apiRows = (response: QueryResponse): Cell[][] => response.rows.map((row) => [...row.dimensions, ...row.metrics.map((m) => m ?? null)]);

/** The KPI tiles under `scope`: metric → raw value. */
export async function tileValues(page: Page, scope = 'main'): Promise<Record<string, number | null>> {
  await page.waitForSelector(`${scope} [data-metric] .value[data-value]`);
  await page.waitForFunction((selector) => !document.querySelector(`${selector} section [aria-busy="true"]`), scope);
  return page.$$eval(`${scope} button[data-metric]`, (buttons) =>
    Object.fromEntries(
      buttons.map((b) => {
        const raw = b.querySelector('.value')?.getAttribute('data-value') ?? '';
        return [b.getAttribute('data-metric') ?? '', raw === '' ? null : Number(raw)];
      }),
    ),
  );
}

/** RFC 4180 CSV (quoted fields, doubled quotes, CRLF) into rows of strings. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}
