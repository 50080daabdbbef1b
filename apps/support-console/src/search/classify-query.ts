import { maskPhone, normaliseUaPhone } from '@app/platform';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What support typed into the one search box. */
export type ConsoleQuery =
  | { kind: 'PHONE'; phone: string }
  | { kind: 'NUMBER'; number: string }
  | { kind: 'ID'; id: string }
  | { kind: 'EMPTY' }
  | { kind: 'UNRECOGNISED' };

/**
 * A phone in any common Ukrainian spelling, an e-prescription / referral number (`0000-XXXX-XXXX-XXXX`,
 * dashes and case optional), or an id (event or person: both are looked up).
 */
export function classifyQuery(input: string): ConsoleQuery {
  const text = input.trim().slice(0, 100);
  if (text === '') return { kind: 'EMPTY' };
  if (UUID.test(text)) return { kind: 'ID', id: text.toLowerCase() };
  const phone = normaliseUaPhone(text);
  if (phone) return { kind: 'PHONE', phone };
  const compact = text.replace(/[\s-]/g, '');
  // Digits only and short enough to be a mistyped phone: not a number (it would be shown and audited in clear).
  const number = /^[0-9A-Za-zА-Яа-яІі]{8,32}$/.test(compact) && /\d/.test(compact);
  if (number && (/\D/.test(compact) || compact.length >= 14))
    return { kind: 'NUMBER', number: text.toUpperCase() };
  return { kind: 'UNRECOGNISED' };
}

/** How a query is shown on the page and kept in the audit log: a phone masked, never in full. */
export function describeQuery(query: ConsoleQuery): { kind: string; shown?: string } {
  switch (query.kind) {
    case 'PHONE':
      return { kind: 'PHONE', shown: maskPhone(query.phone) };
    case 'NUMBER':
      return { kind: 'NUMBER', shown: query.number };
    case 'ID':
      return { kind: 'ID', shown: query.id };
    default:
      // Unrecognised text may be a mistyped phone: it is not repeated.
      return { kind: query.kind };
  }
}
