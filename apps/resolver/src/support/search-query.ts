import { normaliseUaPhone } from '@app/platform';
import { SearchKind } from './search-keys';

export const DEFAULT_SEARCH_LIMIT = 50;
export const MAX_SEARCH_LIMIT = 200;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** e-Rx `0000-XXXX-XXXX-XXXX`, referral `XXXX-XXXX-XXXX-XXXX`, typed with spaces, dashes, Cyrillic look-alikes. */
const NUMBER = /^[0-9A-Za-zА-Яа-яІіЇїЄєҐґ\s-]{4,64}$/;

export interface ParsedSearch {
  kind: SearchKind;
  /** The phone in its normalised spelling (to be hashed), the number as typed, or the person id. */
  value: string;
  from?: Date;
  to?: Date;
  limit: number;
}

/** A refused query. Messages name parameters and rules, never the values (a value may be a phone). */
export class SearchQueryError extends Error {}

/** `?phone=` | `?number=` | `?personId=`, optional `from`, `to` (ISO times) and `limit` (architecture.md §11.2). */
export function parseSearchQuery(query: Record<string, unknown>): ParsedSearch {
  const given = (['phone', 'number', 'personId'] as const).filter((name) => query[name] !== undefined);
  if (given.length !== 1) throw new SearchQueryError('give exactly one of phone, number, personId');
  const name = given[0];
  const raw = single(query, name);
  let parsed: Pick<ParsedSearch, 'kind' | 'value'>;
  if (name === 'phone') {
    const phone = normaliseUaPhone(raw);
    if (!phone) throw new SearchQueryError('phone must be a Ukrainian phone number');
    parsed = { kind: SearchKind.PHONE, value: phone };
  } else if (name === 'number') {
    if (!NUMBER.test(raw) || !/[0-9A-Za-zА-Яа-я]/.test(raw))
      throw new SearchQueryError('number must be an e-prescription or referral number');
    parsed = { kind: SearchKind.NUMBER, value: raw };
  } else {
    if (!UUID.test(raw)) throw new SearchQueryError('personId must be a uuid');
    parsed = { kind: SearchKind.PERSON, value: raw.toLowerCase() };
  }
  const from = optionalTime(query, 'from');
  const to = optionalTime(query, 'to');
  const limitText = query.limit === undefined ? undefined : single(query, 'limit');
  const limit = limitText === undefined ? DEFAULT_SEARCH_LIMIT : Number(limitText);
  if (!/^\d{1,4}$/.test(limitText ?? '50') || limit < 1 || limit > MAX_SEARCH_LIMIT)
    throw new SearchQueryError(`limit must be an integer from 1 to ${MAX_SEARCH_LIMIT}`);
  return { ...parsed, ...(from ? { from } : {}), ...(to ? { to } : {}), limit };
}

function single(query: Record<string, unknown>, name: string): string {
  const value = query[name];
  if (typeof value !== 'string') throw new SearchQueryError(`${name} must be given once`);
  return value;
}

function optionalTime(query: Record<string, unknown>, name: string): Date | undefined {
  if (query[name] === undefined) return undefined;
  const text = single(query, name);
  const time = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text) ? new Date(text) : undefined;
  if (!time || Number.isNaN(time.getTime())) throw new SearchQueryError(`${name} must be an ISO time`);
  return time;
}
