import {
  formatSlipDate,
  fullName,
  normalizeDocumentNumber,
  printableValue,
  validityText,
} from './slip-format';

describe('slip formatting', () => {
  it('prints calendar dates as DD.MM.YYYY without shifting them', () => {
    expect(formatSlipDate('2016-05-12', 'birthDate')).toBe('12.05.2016');
  });

  it('prints instants as their calendar date in Kyiv', () => {
    expect(formatSlipDate('2025-02-28T22:30:00Z', 'issuedAt')).toBe('01.03.2025'); // 00:30 EET
    expect(formatSlipDate('2025-07-31T20:59:00Z', 'issuedAt')).toBe('31.07.2025'); // 23:59 EEST
    expect(formatSlipDate('2025-07-31T21:00:00Z', 'issuedAt')).toBe('01.08.2025');
  });

  it('names the field, not the value, when a date is invalid', () => {
    expect(() => formatSlipDate('31/12/2025', 'validUntil')).toThrow(
      'Slip field validUntil is not a valid date',
    );
  });

  it('orders names прізвище, ім’я, по батькові and skips what is missing', () => {
    expect(fullName({ firstName: 'Ґалина', lastName: 'Їжакевич-Єременко', secondName: 'Юріївна' })).toBe(
      'Їжакевич-Єременко Ґалина Юріївна',
    );
    expect(fullName({ firstName: ' Ілля ', lastName: 'Бойко', secondName: '' })).toBe('Бойко Ілля');
  });

  it('describes validity from either or both ends', () => {
    expect(validityText('2025-03-01', '2025-03-30')).toBe('з 01.03.2025 до 30.03.2025');
    expect(validityText(undefined, '2025-03-30')).toBe('до 30.03.2025');
    expect(validityText('2025-03-01')).toBe('з 01.03.2025');
    expect(validityText()).toBeUndefined();
  });

  it('keeps «№ 2», «м. Дніпро» and «500 мг» on one line', () => {
    expect(printableValue(' КНП № 2, м. Дніпро, 500 мг ')).toBe('КНП №\u00A02, м.\u00A0Дніпро, 500\u00A0мг');
    expect(printableValue('   ')).toBeUndefined();
    expect(printableValue(undefined)).toBeUndefined();
  });

  it('turns Cyrillic look-alikes in a number into the Latin letters a barcode can carry', () => {
    expect(normalizeDocumentNumber(' AX65-4654-TІВ1-ТВТ1 ')).toBe('AX65-4654-TIB1-TBT1');
    expect(normalizeDocumentNumber('0000-к8к5-5мте-352н')).toBe('0000-K8K5-5MTE-352H');
    expect(() => normalizeDocumentNumber('0000-Ж8К5')).toThrow('Slip number');
    expect(() => normalizeDocumentNumber('  ')).toThrow('Slip number');
  });
});
