import { truncateText } from './limits';

describe('truncateText', () => {
  it('leaves a text within the limit untouched', () => {
    expect(truncateText('Ваш рецепт', 10)).toBe('Ваш рецепт');
  });

  it('cuts at a word boundary and marks the cut', () => {
    expect(truncateText('Назвіть номер направлення в закладі', 20)).toBe('Назвіть номер…');
  });

  it('cuts mid-word when the nearest boundary is too far back', () => {
    const text = 'Ж'.repeat(50);
    const cut = truncateText(text, 30);
    expect(cut).toBe('Ж'.repeat(29) + '…');
    expect(cut).toHaveLength(30);
  });

  it('never splits a surrogate pair', () => {
    const text = 'ж'.repeat(8) + '😀' + 'ж'.repeat(10); // the emoji occupies units 8–9
    const cut = truncateText(text, 10); // would keep 9 units: half of the emoji
    expect(cut).toBe('ж'.repeat(8) + '…');
    expect(cut).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });

  it.each([1, 2, 60, 200])('never exceeds the limit %i', (max) => {
    expect(truncateText('слово '.repeat(100), max).length).toBeLessThanOrEqual(max);
  });

  it('returns an empty string for a zero limit', () => {
    expect(truncateText('abc', 0)).toBe('');
  });
});
