import { maskPhone as maskPhoneOf } from '@app/platform';
/** Ukrainian mobile number, as the contract spells it (`+380XXXXXXXXX`) or as TurboSMS does (`380XXXXXXXXX`). */
const PHONE = /^\+?(380\d{9})$/;

/**
 * `+380931234585` / `380931234585` → `+380931234585`; undefined otherwise. Trims first, because a `+` in a
 * query string arrives as a space.
 */
export function normalisePhone(raw: string): string | undefined {
  const match = PHONE.exec(raw.trim());
  return match ? `+${match[1]}` : undefined;
}

/** eHealth masking for logs: first 6 characters, five stars, last 2 (`+38093*****85`). */
export function maskPhone(phone: string): string {
  const normalised = normalisePhone(phone) ?? phone;
  return maskPhoneOf(normalised);
}
