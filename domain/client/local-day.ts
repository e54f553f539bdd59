// The calendar day of an instant in a property's time zone: the unit of the
// midnight session split and of the daily hit cap. Intl does the time-zone maths
// (DST included); formatters are costly to build, so one is kept per zone.

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', calendar: 'gregory', numberingSystem: 'latn' });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

// Every UTC offset in use since 1972 is a whole number of quarter hours, so a
// local day always starts on a quarter-hour boundary of UTC: all instants of one
// UTC quarter hour share a local day. Hits of a client mostly come in the same
// quarter hour, so the last answer per zone is remembered.
const QUARTER_HOUR = 900_000;
const SINCE_1972 = 63_072_000_000;
const lastAnswer = new Map<string, { quarter: number; day: string }>();

/** `YYYY-MM-DD` of `time` (epoch ms) in `timeZone` (IANA). */
export function localDay(time: number, timeZone: string): string {
  const quarter = Math.floor(time / QUARTER_HOUR);
  const last = lastAnswer.get(timeZone);
  if (last !== undefined && last.quarter === quarter) return last.day;
  const day = computeLocalDay(time, timeZone);
  if (time >= SINCE_1972) lastAnswer.set(timeZone, { quarter, day });
  return day;
}

function computeLocalDay(time: number, timeZone: string): string {
  let year = '';
  let month = '';
  let day = '';
  for (const part of formatterFor(timeZone).formatToParts(time)) {
    if (part.type === 'year') year = part.value;
    else if (part.type === 'month') month = part.value;
    else if (part.type === 'day') day = part.value;
  }
  return `${year.padStart(4, '0')}-${month}-${day}`;
}
