/**
 * Calendar arithmetic for birth dates and relationship end dates.
 *
 * ESOZ dates ('YYYY-MM-DD') are Ukrainian calendar days, so "today" is taken in Kyiv time: just after
 * midnight in Kyiv it is still yesterday in UTC, and a child whose birthday it is must already count as older.
 */

const ESOZ_TIME_ZONE = 'Europe/Kyiv';

const ukrainianDayFormatter = new Intl.DateTimeFormat('en-US', {
  timeZone: ESOZ_TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** The last minute asked for and its day: Kyiv is a whole number of hours off UTC, so a day never changes within a UTC minute. */
let lastMinute = NaN;
let lastDay = '';

/** The calendar day in Ukraine at `instant`, as 'YYYY-MM-DD' (ICU's formatToParts runs once a minute, not per event). */
export function ukrainianCalendarDay(instant: Date): string {
  const minute = Math.floor(instant.getTime() / 60_000);
  if (minute !== lastMinute) {
    lastDay = formatUkrainianDay(instant);
    lastMinute = minute;
  }
  return lastDay;
}

function formatUkrainianDay(instant: Date): string {
  const parts = ukrainianDayFormatter.formatToParts(instant);
  const part = (type: Intl.DateTimeFormatPartTypes): string =>
    parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}

/**
 * Full years lived on `day`. Someone becomes a year older on their birthday itself; a 29 February
 * birthday falls on 1 March in common years.
 */
export function fullYearsOn(birthDate: string, day: string): number {
  const [birthYear, birthMonth, birthDay] = splitDate(birthDate);
  const [year, month, dayOfMonth] = splitDate(day);
  const birthdayNotYetReached = month < birthMonth || (month === birthMonth && dayOfMonth < birthDay);
  return year - birthYear - (birthdayNotYetReached ? 1 : 0);
}

/** A 'YYYY-MM-DD' end date is inclusive: the relationship still holds on that day. */
export function isDayBefore(lastValidDay: string, today: string): boolean {
  return lastValidDay < today;
}

/** An end timestamp at or before `now` has taken effect. */
export function hasEndedBy(endedAt: string | undefined, now: Date): boolean {
  return endedAt !== undefined && Date.parse(endedAt) <= now.getTime();
}

function splitDate(date: string): [number, number, number] {
  const [year, month, day] = date.split('-').map(Number);
  return [year, month, day];
}
