import { maskPhone, maskPhonesInText } from './masking';

describe('maskPhone', () => {
  it.each([
    ['+380931234585', '+38093*****85'],
    ['+380671112233', '+38067*****33'],
    ['380931234585', '380931*****85'],
  ])('%s → %s', (phone, masked) => {
    expect(maskPhone(phone)).toBe(masked);
  });

  it('hides the middle digits completely', () => {
    const masked = maskPhone('+380931234585');
    expect(masked).not.toContain('12345');
    expect(masked).toHaveLength(13);
  });

  it.each(['', '+380', '12345678'])('masks a too-short value %p whole', (phone) => {
    expect(maskPhone(phone)).toBe('*****');
  });
});

describe('maskPhonesInText', () => {
  it('masks every Ukrainian mobile number in free text, with or without the plus', () => {
    expect(maskPhonesInText('to +380931234585 and 380671112233, not 12345')).toBe(
      'to +38093*****85 and +38067*****33, not 12345',
    );
  });
});
