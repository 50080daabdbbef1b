/**
 * Ukrainian phone numbers as people type them: `0931234567`, `+380931234567`, `380931234567`,
 * `+38 (093) 123-45-67`, `8 093 123 45 67`, `00380931234567`, `93 123 45 67`. Returns the one spelling the
 * contract uses (`+380XXXXXXXXX`), or undefined when the text is not a Ukrainian number.
 */
export function normaliseUaPhone(input: string): string | undefined {
  const text = input.trim();
  if (!/^\+?[\d\s().-]{9,24}$/.test(text)) return undefined;
  let digits = text.replace(/\D/g, '');
  if (text.startsWith('+'))
    return digits.length === 12 && digits.startsWith('380') ? `+${digits}` : undefined;
  if (digits.startsWith('00')) digits = digits.slice(2);
  if (digits.length === 12 && digits.startsWith('380')) return `+${digits}`;
  if (digits.length === 11 && digits.startsWith('80')) return `+3${digits}`;
  if (digits.length === 10 && digits.startsWith('0')) return `+38${digits}`;
  if (digits.length === 9 && !digits.startsWith('0')) return `+380${digits}`;
  return undefined;
}
