import { parseSearchQuery, SearchQueryError } from './search-query';

describe('parseSearchQuery', () => {
  it('normalises a phone in any common spelling', () => {
    for (const phone of ['0931234567', '+380931234567', '+38 (093) 123-45-67'])
      expect(parseSearchQuery({ phone })).toEqual({ kind: 'PHONE', value: '+380931234567', limit: 50 });
  });

  it('takes a number, a person id, a time window and a limit', () => {
    expect(parseSearchQuery({ number: '0000-K8K5-5MTE-352H', limit: '10' })).toEqual({
      kind: 'NUMBER',
      value: '0000-K8K5-5MTE-352H',
      limit: 10,
    });
    const parsed = parseSearchQuery({
      personId: '6F1B6D2C-1111-4A6B-9C55-0123456789AB',
      from: '2026-01-01T00:00:00Z',
      to: '2026-01-02',
    });
    expect(parsed).toMatchObject({ kind: 'PERSON', value: '6f1b6d2c-1111-4a6b-9c55-0123456789ab' });
    expect(parsed.from?.toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });

  it.each([
    [{}, 'exactly one'],
    [{ phone: '0931234567', number: '0000-K8K5-5MTE-352H' }, 'exactly one'],
    [{ phone: '12345' }, 'Ukrainian phone'],
    [{ phone: ['0931234567', '0931234568'] }, 'once'],
    [{ number: '----' }, 'number'],
    [{ number: "1'; DROP TABLE notification; --" }, 'number'],
    [{ personId: 'not-a-uuid' }, 'uuid'],
    [{ personId: '6f1b6d2c-1111-4a6b-9c55-0123456789ab', limit: '0' }, 'limit'],
    [{ personId: '6f1b6d2c-1111-4a6b-9c55-0123456789ab', limit: '201' }, 'limit'],
    [{ personId: '6f1b6d2c-1111-4a6b-9c55-0123456789ab', limit: '1e2' }, 'limit'],
    [{ personId: '6f1b6d2c-1111-4a6b-9c55-0123456789ab', from: 'yesterday' }, 'ISO'],
  ])('refuses %p (%s), without repeating the value', (query, message) => {
    let error: unknown;
    try {
      parseSearchQuery(query);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SearchQueryError);
    expect((error as Error).message).toContain(message);
    for (const value of Object.values(query).flat())
      if (value.length > 3) expect((error as Error).message).not.toContain(value);
  });
});
