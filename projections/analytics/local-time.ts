// Local hours of instants in a property's time zone ('YYYY-MM-DDTHH'), for the hourly
// rollups. Intl does the time-zone maths (DST included); building formatters and
// formatting are costly (microseconds), so one formatter is kept per zone and answers
// are memoised per zone by UTC quarter hour: every UTC offset in use is a whole number
// of quarter hours, so all instants of one UTC quarter hour share a local hour.

const formatters = new Map<string, Intl.DateTimeFormat>();
const answers = new Map<string, Map<number, string>>();
const QUARTER_HOUR = 900_000;
/** Memoised quarter hours per zone (about a year); the memo restarts when full. */
const MEMO_LIMIT = 40_000;

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      hourCycle: 'h23',
      calendar: 'gregory',
      numberingSystem: 'latn',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** `YYYY-MM-DDTHH` of `time` (epoch ms) in `timeZone` (IANA). */
export function localHour(time: number, timeZone: string): string {
  const quarter = Math.floor(time / QUARTER_HOUR);
  let memo = answers.get(timeZone);
  if (memo === undefined) answers.set(timeZone, (memo = new Map()));
  const known = memo.get(quarter);
  if (known !== undefined) return known;
  let year = '';
  let month = '';
  let day = '';
  let hour = '';
  for (const part of formatterFor(timeZone).formatToParts(time)) {
    if (part.type === 'year') year = part.value;
    else if (part.type === 'month') month = part.value;
    else if (part.type === 'day') day = part.value;
    else if (part.type === 'hour') hour = part.value;
  }
  const answer = `${year.padStart(4, '0')}-${month}-${day}T${hour}`;
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(quarter, answer);
  return answer;
}

/** `YYYY-MM-DD` of `time` in `timeZone`. */
export const localDayOf = (time: number, timeZone: string): string => localHour(time, timeZone).slice(0, 10);

/** Is the zone one Intl knows? (Unknown zones fall back to UTC rather than stopping the projection.) */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The calendar days from `from` to `to` inclusive ('YYYY-MM-DD'); empty when from > to. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  const end = Date.parse(`${to}T00:00:00Z`);
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= end; t += 86_400_000) days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

/** A 'YYYY-MM-DD' day shifted by whole days. */
export const shiftDay = (day: string, days: number): string => new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
