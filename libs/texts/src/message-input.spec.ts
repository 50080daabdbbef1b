import { formatDate, formatPatientShortName, TemplateInputError } from './message-input';

describe('formatPatientShortName', () => {
  it.each([
    [{ firstName: 'Олена', lastName: 'Ковальчук' }, 'Олена К.'],
    [{ firstName: 'Ігор', lastName: 'ґудзь' }, 'Ігор Ґ.'], // the initial is capitalised
    [{ firstName: 'Їжачок', lastName: 'Єременко' }, 'Їжачок Є.'],
    [{ firstName: '  Анна\tМарія ', lastName: '  Шевченко' }, 'Анна Марія Ш.'],
    [{ firstName: 'Олена', lastName: '' }, 'Олена'],
    [{ firstName: ' ', lastName: 'Ковальчук' }, ''],
    [{ firstName: 'Oleh', lastName: 'petrenko' }, 'Oleh P.'],
  ])('%j → %p', (subject, expected) => {
    expect(formatPatientShortName(subject)).toBe(expected);
  });

  it('caps an absurdly long first name at 30 letters', () => {
    expect(formatPatientShortName({ firstName: 'Я'.repeat(50), lastName: 'Ковальчук' })).toBe(
      `${'Я'.repeat(30)} К.`,
    );
  });
});

describe('formatDate', () => {
  it.each([
    ['2025-12-31', '31.12.2025'],
    ['2024-02-29', '29.02.2024'],
    ['2026-01-05', '05.01.2026'],
  ])('%s → %s', (iso, expected) => {
    expect(formatDate(iso)).toBe(expected);
  });

  it.each(['2025-02-29', '2025-13-01', '2025-00-10', '2025-1-1', '2025-12-31T00:00:00Z', ''])(
    'rejects %p',
    (iso) => {
      expect(() => formatDate(iso)).toThrow(TemplateInputError);
    },
  );
});
