import { fullYearsOn, hasEndedBy, isDayBefore, ukrainianCalendarDay } from './calendar';

describe('fullYearsOn', () => {
  it.each([
    ['2011-06-15', '2025-06-15', 14, 'on the birthday itself'],
    ['2011-06-16', '2025-06-15', 13, 'the day before the birthday'],
    ['2011-07-01', '2025-06-15', 13, 'a month before the birthday'],
    ['2011-05-31', '2025-06-15', 14, 'after the birthday'],
    ['2011-12-31', '2025-01-01', 13, 'across a year boundary'],
    ['2008-02-29', '2026-02-28', 17, 'a leap-day birthday on 28 February of a common year'],
    ['2008-02-29', '2026-03-01', 18, 'a leap-day birthday on 1 March of a common year'],
    ['2008-02-29', '2028-02-29', 20, 'a leap-day birthday on 29 February'],
  ])('born %s, on %s: %i (%s)', (birthDate, day, years) => {
    expect(fullYearsOn(birthDate, day)).toBe(years);
  });
});

describe('ukrainianCalendarDay', () => {
  it.each([
    ['2025-06-14T20:59:59Z', '2025-06-14', 'summer, one second before Kyiv midnight (UTC+3)'],
    ['2025-06-14T21:00:00Z', '2025-06-15', 'summer, Kyiv midnight'],
    ['2025-01-14T21:30:00Z', '2025-01-14', 'winter, UTC+2: still the 14th'],
    ['2025-01-14T22:00:00Z', '2025-01-15', 'winter, Kyiv midnight'],
  ])('%s is %s in Ukraine (%s)', (instant, day) => {
    expect(ukrainianCalendarDay(new Date(instant))).toBe(day);
  });
});

describe('isDayBefore', () => {
  it('treats the last valid day as still valid', () => {
    expect(isDayBefore('2025-06-15', '2025-06-15')).toBe(false);
    expect(isDayBefore('2025-06-14', '2025-06-15')).toBe(true);
    expect(isDayBefore('2025-06-16', '2025-06-15')).toBe(false);
  });
});

describe('hasEndedBy', () => {
  const now = new Date('2025-06-15T09:00:00Z');
  it.each([
    [undefined, false],
    ['2025-06-15T08:59:59Z', true],
    ['2025-06-15T09:00:00Z', true],
    ['2025-06-15T12:00:01+03:00', false],
    ['2025-06-15T11:59:59+03:00', true],
  ])('endedAt %s -> %s', (endedAt, ended) => {
    expect(hasEndedBy(endedAt, now)).toBe(ended);
  });
});
