// One NDJSON import line → a Measurement Protocol payload plus its timestamp.
//
// A line is a JSON object of MP parameters keyed by their protocol names (`v`, `tid`,
// `cid`, `t`, `dl`, `uip`, `ua`, ...) plus `timestamp`. The parameters are re-encoded
// as a `k=v&k=v` payload and handed to the same parsePayload the live collector uses,
// so an imported hit obeys exactly the live rules. The client address and the user
// agent are MP's own `uip` and `ua` (there is no separate `ip` field: `ip` is MP's
// Item Price).
import { z } from 'zod';

export interface LineError {
  /** The MP parameter at fault, `timestamp`, or `(line)` for the line as a whole. */
  parameter: string;
  description: string;
}

export type ParsedLine = { ok: true; payload: string; timestamp: number } | { ok: false; errors: LineError[] };

/** A timestamp earlier than this is almost surely epoch seconds sent as milliseconds. */
export const EARLIEST_TIMESTAMP = Date.UTC(2005, 0, 1);
/** Clock skew tolerated for timestamps in the future. */
export const FUTURE_TOLERANCE_MS = 5 * 60 * 1000;

const WHOLE_LINE = '(line)';

const ISO_WITH_OFFSET = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)$/i;

/** ISO 8601 date-time with an explicit offset (`Z`, `+02:00`, `+0200`, `+02`) → epoch ms; undefined when malformed. */
export function parseIsoWithOffset(text: string): number | undefined {
  const match = ISO_WITH_OFFSET.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s = '0', fraction = '0', offset = 'Z'] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > daysInMonth) return undefined;
  let offsetMinutes = 0;
  if (offset.toUpperCase() !== 'Z') {
    const digits = offset.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (offset[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const millis = Math.floor(Number(`0.${fraction}`) * 1000);
  return Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000;
}

const TIMESTAMP_RULE = 'must be an ISO 8601 date-time with an offset (e.g. 2024-06-03T10:00:00Z or 2024-06-03T12:00:00+02:00) or epoch milliseconds';

const timestampSchema = (now: number) =>
  z
    .union([z.number(), z.string()], { error: (issue) => (issue.input === undefined ? 'timestamp: is required' : `timestamp: ${TIMESTAMP_RULE}`) })
    .transform((value, context) => {
      const millis = typeof value === 'number' ? (Number.isInteger(value) ? value : Number.NaN) : parseIsoWithOffset(value.trim());
      if (millis === undefined || !Number.isFinite(millis)) {
        context.addIssue({ code: 'custom', message: `timestamp: ${TIMESTAMP_RULE}` });
        return z.NEVER;
      }
      if (millis < EARLIEST_TIMESTAMP) {
        context.addIssue({ code: 'custom', message: `timestamp: must be on or after 2005-01-01 (epoch seconds instead of milliseconds?)` });
        return z.NEVER;
      }
      if (millis > now + FUTURE_TOLERANCE_MS) {
        context.addIssue({ code: 'custom', message: `timestamp: must not be in the future (more than ${FUTURE_TOLERANCE_MS / 60_000} minutes after the import's clock)` });
        return z.NEVER;
      }
      return millis;
    });

const parameterValue = z.union([z.string(), z.number().refine(Number.isFinite), z.boolean(), z.null()], {
  error: 'must be a string, a number, a boolean or null (a Measurement Protocol value)',
});

/** Which of a line's fields failed, named the way the report names them. */
const issueParameter = (path: readonly PropertyKey[]): string => (path.length === 0 ? WHOLE_LINE : String(path[0]));

const issueDescription = (parameter: string, message: string): string => (message.startsWith(`${parameter}:`) ? message : `${parameter}: ${message}`);

export type LineParser = (text: string) => ParsedLine;

/** A parser of non-blank lines; `now` (the import's start) bounds timestamps in the future. */
export function createLineParser(now: number): LineParser {
  const schema = z.object({ timestamp: timestampSchema(now) }).catchall(parameterValue);
  return (text) => parseLine(schema, text);
}

function parseLine(schema: z.ZodType<{ timestamp: number } & Record<string, string | number | boolean | null>>, text: string): ParsedLine {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, errors: [{ parameter: WHOLE_LINE, description: `the line is not valid JSON: ${(error as Error).message}` }] };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { ok: false, errors: [{ parameter: WHOLE_LINE, description: 'the line must be a JSON object of Measurement Protocol parameters plus "timestamp"' }] };
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    return {
      ok: false,
      errors: result.error.issues.map((issue) => {
        const parameter = issueParameter(issue.path);
        return { parameter, description: issueDescription(parameter, issue.message) };
      }),
    };
  }
  const { timestamp, ...params } = result.data;
  let payload = '';
  for (const [key, value] of Object.entries(params)) {
    if (value === null) continue; // null: not sent
    const encoded = typeof value === 'boolean' ? (value ? '1' : '0') : String(value);
    payload += `${payload === '' ? '' : '&'}${encodeURIComponent(key)}=${encodeURIComponent(encoded)}`;
  }
  return { ok: true, payload, timestamp };
}
