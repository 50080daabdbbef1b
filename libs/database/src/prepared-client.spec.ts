import { MAX_PREPARED_STATEMENTS, preparedName } from './prepared-client';

describe('preparedName', () => {
  it('gives one text one name for the life of the process, and different texts different names', () => {
    const first = preparedName('SELECT $1 /* a */');
    expect(first).toMatch(/^p\d+$/);
    expect(preparedName('SELECT $1 /* a */')).toBe(first);
    expect(preparedName('SELECT $1 /* b */')).not.toBe(first);
  });

  it('stops naming new texts at the bound (they run unnamed), and keeps the names it gave', () => {
    const kept = preparedName('SELECT $1 /* kept */');
    for (let index = 0; index < MAX_PREPARED_STATEMENTS; index++) preparedName(`SELECT $1 /* ${index} */`);
    expect(preparedName('SELECT $1 /* one too many */')).toBeUndefined();
    expect(preparedName('SELECT $1 /* kept */')).toBe(kept);
  });
});
