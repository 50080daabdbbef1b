import type { SlipPerson } from './slip.types';

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

// Calendar dates on the slip are Ukrainian dates: an instant like 2025-02-28T22:30Z is 01.03 in Kyiv.
const KYIV_DATE = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/Kyiv',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** `YYYY-MM-DD` or an ISO time → `DD.MM.YYYY`. Throws on anything else rather than print garbage. */
export function formatSlipDate(value: string, field: string): string {
  const dateOnly = DATE_ONLY.exec(value);
  if (dateOnly) return `${dateOnly[3]}.${dateOnly[2]}.${dateOnly[1]}`;
  const instant = parseInstant(value, field);
  const part = (type: Intl.DateTimeFormatPartTypes) =>
    KYIV_DATE.formatToParts(instant).find((p) => p.type === type)?.value;
  return `${part('day')}.${part('month')}.${part('year')}`;
}

export function parseInstant(value: string, field: string): Date {
  const instant = new Date(value);
  if (Number.isNaN(instant.getTime())) throw new Error(`Slip field ${field} is not a valid date`);
  return instant;
}

/** Ukrainian order: прізвище, ім'я, по батькові. */
export function fullName(person: SlipPerson): string {
  return [person.lastName, person.firstName, person.secondName]
    .map((part) => part?.trim())
    .filter(Boolean)
    .join(' ');
}

/** «з 01.03.2025 до 30.03.2025», or one side only; undefined when neither is known. */
export function validityText(validFrom?: string, validUntil?: string): string | undefined {
  const parts = [
    validFrom && `з ${formatSlipDate(validFrom, 'validFrom')}`,
    validUntil && `до ${formatSlipDate(validUntil, 'validUntil')}`,
  ].filter(Boolean);
  return parts.length ? parts.join(' ') : undefined;
}

const NBSP = '\u00A0';

/**
 * Trims, and binds with no-break spaces what must not be split across lines on a printout:
 * «№ 2», short abbreviations with the next word («м. Кам’янське», «вул. Шевченка»), numbers and units
 * («500 мг»).
 */
export function printableValue(value: string | undefined): string | undefined {
  return (
    value
      ?.trim()
      .replace(/№\s*/g, `№${NBSP}`)
      .replace(/(^|\s)(\p{L}{1,3}\.) +/gu, `$1$2${NBSP}`)
      .replace(/(\d) +(?=\p{L})/gu, `$1${NBSP}`) || undefined
  );
}

// Document numbers use only Latin letters that have Cyrillic twins (research/domain.md §4), and an
// upstream system may hand us the Cyrillic twin (the API docs' own example `AX65-4654-TІВ1-ТВТ1` does).
// Code 128 and the pharmacy's search need the Latin ones.
const LATIN_FOR_CYRILLIC: Record<string, string> = {
  А: 'A',
  В: 'B',
  Е: 'E',
  І: 'I',
  К: 'K',
  М: 'M',
  Н: 'H',
  О: 'O',
  Р: 'P',
  С: 'C',
  Т: 'T',
  Х: 'X',
};

/** Upper-case Latin form of a prescription / referral number; throws if it is not printable ASCII. */
export function normalizeDocumentNumber(number: string): string {
  const latin = number
    .trim()
    .toUpperCase()
    .replace(/[АВЕІКМНОРСТХ]/g, (letter) => LATIN_FOR_CYRILLIC[letter]);
  if (!/^[\x21-\x7E]+$/.test(latin)) {
    throw new Error('Slip number is empty or has characters other than Latin letters, digits and dashes');
  }
  return latin;
}
