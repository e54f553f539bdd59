// The calendar dimensions of a session: its day and start hour in the property's time
// zone, and the week, month and weekday of that day. The strings are those SQLite's
// strftime gives for the same day (adhoc-embedded.ts computes them in SQL too).

/** Dimensions from the calendar: the session's day and start hour (property time zone). */
export const TIME_DIMENSIONS = ['date', 'hour', 'dayOfWeek', 'week', 'month'] as const;
export type TimeDimension = (typeof TIME_DIMENSIONS)[number];
export const isTimeDimension = (name: string): name is TimeDimension => (TIME_DIMENSIONS as readonly string[]).includes(name);
/** The calendar dimensions of the session's day (all but 'hour'). */
export type DayDimension = Exclude<TimeDimension, 'hour'>;
export const isDayDimension = (name: string): name is DayDimension => name !== 'hour' && isTimeDimension(name);

const dayTime = (day: string): Date => new Date(`${day}T00:00:00Z`);

/**
 * A function of a day, remembered: the projection asks for the same few days' weeks and
 * weekdays for every session it touches. Bounded: cleared past 4,096 days.
 */
function rememberedByDay(compute: (day: string) => string): (day: string) => string {
  const known = new Map<string, string>();
  return (day) => {
    let value = known.get(day);
    if (value === undefined) {
      if (known.size >= 4096) known.clear();
      known.set(day, (value = compute(day)));
    }
    return value;
  };
}

/** '0' (Sunday) .. '6' (Saturday), as GA's ga:dayOfWeek. */
export const dayOfWeekOf = rememberedByDay((day) => String(dayTime(day).getUTCDay()));

/** The ISO 8601 week of a day, 'YYYY-Www' (weeks start on Monday; week 1 holds the year's first Thursday). */
export const isoWeekOf = rememberedByDay((day) => {
  const date = dayTime(day);
  const weekday = (date.getUTCDay() + 6) % 7; // Monday 0
  const thursday = new Date(date.getTime() + (3 - weekday) * 86_400_000);
  const year = thursday.getUTCFullYear();
  const week = 1 + Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * 86_400_000));
  return `${year}-W${String(week).padStart(2, '0')}`;
});

/** A time dimension's value from the session's day (and start hour for 'hour'). */
export function timeValueOf(dimension: TimeDimension, day: string, hour: string): string {
  switch (dimension) {
    case 'date':
      return day;
    case 'hour':
      return hour;
    case 'dayOfWeek':
      return dayOfWeekOf(day);
    case 'week':
      return isoWeekOf(day);
    case 'month':
      return day.slice(0, 7);
  }
}
