import { countSmsSegments, fitsOneSms } from './sms-segments';

describe('countSmsSegments', () => {
  describe('encoding detection', () => {
    it.each([
      ['plain ASCII', 'Your code: 1234', 'GSM7'],
      ['GSM-7 specials', '@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¡ÄÖÑÜ§¿äöñüà', 'GSM7'],
      ['extension characters', '{}[]~\\|^€', 'GSM7'],
      ['Latin letter outside GSM-7', 'café á', 'UCS2'],
      ['backtick is not GSM-7', 'a`b', 'UCS2'],
      ['Ukrainian', 'Привіт', 'UCS2'],
      ['one Cyrillic letter switches the whole text', 'Code 1234 і', 'UCS2'],
      ['Ukrainian apostrophe U+02BC', 'імʼя', 'UCS2'],
      ['emoji', 'ok 😀', 'UCS2'],
    ])('%s → %s', (_label, text, encoding) => {
      expect(countSmsSegments(text).encoding).toBe(encoding);
    });
  });

  describe('GSM-7', () => {
    it.each([
      // [label, text, length, segments, perSegment]
      ['empty', '', 0, 0, 160],
      ['short', 'Hello', 5, 1, 160],
      ['160 chars is one SMS', 'a'.repeat(160), 160, 1, 160],
      ['161 chars is two parts of 153', 'a'.repeat(161), 161, 2, 153],
      ['306 chars is still two parts', 'a'.repeat(306), 306, 2, 153],
      ['307 chars is three parts', 'a'.repeat(307), 307, 3, 153],
      ['each extension character costs two septets', '{}[]~\\|^€', 18, 1, 160],
      ['159 + € = 161 septets → two parts', 'a'.repeat(159) + '€', 161, 2, 153],
      ['158 + € = 160 septets → one SMS', 'a'.repeat(158) + '€', 160, 1, 160],
    ])('%s', (_label, text, length, segments, perSegment) => {
      expect(countSmsSegments(text)).toEqual({ encoding: 'GSM7', length, segments, perSegment });
    });

    it('never splits an escape pair: an € at a part boundary pushes it to the next part', () => {
      const text = 'a'.repeat(152) + '€' + 'a'.repeat(152); // 306 septets, but € cannot straddle parts
      expect(countSmsSegments(text)).toEqual({ encoding: 'GSM7', length: 306, segments: 3, perSegment: 153 });
    });
  });

  describe('UCS-2', () => {
    it.each([
      ['70 Ukrainian chars is one SMS', 'ї'.repeat(70), 70, 1, 70],
      ['71 Ukrainian chars is two parts of 67', 'ї'.repeat(71), 71, 2, 67],
      ['134 chars is two parts', 'ж'.repeat(134), 134, 2, 67],
      ['135 chars is three parts', 'ж'.repeat(135), 135, 3, 67],
      ['a character outside the BMP counts two code units', '😀', 2, 1, 70],
      ['69 + emoji = 71 units → two parts', 'ж'.repeat(69) + '😀', 71, 2, 67],
    ])('%s', (_label, text, length, segments, perSegment) => {
      expect(countSmsSegments(text)).toEqual({ encoding: 'UCS2', length, segments, perSegment });
    });

    it('counts a realistic 71-character Ukrainian text as 2 segments of 67', () => {
      // The full representative wording with a 7-letter name: why templates keep compact fallbacks.
      const text = 'Рецепт на імʼя Наталія К.: 0000-K8K5-5MTE-352H. Код підтвердження: 1234';
      expect(text).toHaveLength(71);
      expect(countSmsSegments(text)).toEqual({ encoding: 'UCS2', length: 71, segments: 2, perSegment: 67 });
    });

    it('never splits a surrogate pair across parts', () => {
      const text = 'ж'.repeat(66) + '😀' + 'ж'.repeat(66); // 134 units, the emoji straddles unit 67
      expect(countSmsSegments(text)).toEqual({ encoding: 'UCS2', length: 134, segments: 3, perSegment: 67 });
    });

    it.each([
      ['Ваш рецепт: 0000-K8K5-5MTE-352H. Код підтвердження: 1234', 56],
      ['Код авторизації дій в системі eHealth: 1234', 43],
      ['Ваше направлення під номером 01EM-TC40-CAXX-E2HE було відкликано', 64],
    ])('eHealth wording %p is %i characters, one segment', (text, length) => {
      expect(countSmsSegments(text)).toEqual({ encoding: 'UCS2', length, segments: 1, perSegment: 70 });
    });
  });

  it('fitsOneSms follows the segment count', () => {
    expect(fitsOneSms('ї'.repeat(70))).toBe(true);
    expect(fitsOneSms('ї'.repeat(71))).toBe(false);
    expect(fitsOneSms('a'.repeat(160))).toBe(true);
    expect(fitsOneSms('a'.repeat(159) + '€')).toBe(false);
  });
});
