import { normaliseUaPhone } from './phone';

describe('normaliseUaPhone', () => {
  it.each([
    '0931234567',
    '+380931234567',
    '+38 (093) 123-45-67',
    '380931234567',
    '+38 093 123 45 67',
    '+380 93 123 45 67',
    '093-123-45-67',
    '(093) 123 45 67',
    '8 093 123 45 67',
    '00380931234567',
    '93 123 45 67',
    '  0931234567  ',
  ])('%p is +380931234567', (input) => {
    expect(normaliseUaPhone(input)).toBe('+380931234567');
  });

  it.each([
    '',
    '093123456', // one digit short
    '09312345678', // one digit too many
    '+931234567', // another country's code
    '+1 202 555 0143',
    '+3809312345678',
    '1931234567',
    '0000-K8K5-5MTE-352H', // an e-Rx number
    '0931234567x',
    '093 123 45 67; DROP TABLE',
    '4821',
  ])('%p is not a Ukrainian phone', (input) => {
    expect(normaliseUaPhone(input)).toBeUndefined();
  });
});
