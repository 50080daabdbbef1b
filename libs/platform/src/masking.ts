/** eHealth's own masking: first 6 characters, five stars, last 2 (`+38093*****85`). */
export function maskPhone(phone: string): string {
  // Too short to hide anything meaningful: mask it whole.
  return phone.length <= 8 ? '*****' : `${phone.slice(0, 6)}*****${phone.slice(-2)}`;
}

// Ukrainian mobile numbers in any common spelling: +380XXXXXXXXX or 380XXXXXXXXX.
const PHONE_IN_TEXT = /\+?380\d{9}/g;

/** Masks every phone-looking number in free text: the last guard before a string reaches a log line. */
export function maskPhonesInText(text: string): string {
  return text.replace(PHONE_IN_TEXT, (match) => maskPhone(match.startsWith('+') ? match : `+${match}`));
}
