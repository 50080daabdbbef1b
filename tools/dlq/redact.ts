import { maskPhone, maskPhonesInText } from '@app/platform';

/** Keys whose values are never printed, wherever they appear (contract §8: codes, sealed or not). */
const SECRET_KEYS = /^(verificationCode|sealedCode|code|otp|token|secret|authorization)$/i;
/** A run of 9 or more digits (a phone in any spelling, a tax id): masked like a phone. */
const LONG_DIGITS = /\+?\d{9,}/g;
/**
 * In text that is not JSON, a standalone run of 4 to 8 digits could be a code: masked whole (longer runs are
 * masked like phones; digits inside times, ids and decimals are left).
 */
const STANDALONE_DIGITS = /(?<![\w.:+-])\d{4,8}(?![\w.:-])/g;
const SECRET_IN_TEXT =
  /("?(?:verificationCode|sealedCode|code|otp|token|secret|authorization)"?\s*[:=]\s*)("(?:[^"\\]|\\.)*"|[^,}\s]*)/gi;

function maskString(value: string): string {
  return maskPhonesInText(value).replace(LONG_DIGITS, (digits) => maskPhone(digits));
}

function redactJson(value: unknown): unknown {
  if (typeof value === 'string') return maskString(value);
  if (Array.isArray(value)) return value.map(redactJson);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([key, inner]) => [
        key,
        SECRET_KEYS.test(key) ? '[redacted]' : redactJson(inner),
      ]),
    );
  return value;
}

/**
 * What may be printed of a dead letter's value: JSON with every code redacted and every phone masked
 * (`+38093*****85`); anything else as text with code-like keys and digit runs masked. Never the original.
 */
export function redactValue(value: Buffer | null, maxLength = Infinity): string {
  if (value === null || value.length === 0) return '(empty)';
  const text = value.toString('utf8');
  let printed: string;
  try {
    printed = JSON.stringify(redactJson(JSON.parse(text)));
  } catch {
    printed = maskString(text.replace(SECRET_IN_TEXT, '$1"[redacted]"').replace(STANDALONE_DIGITS, '****'))
      // Control characters (a hostile message) would garble the terminal.
      .replace(/\p{Cc}/gu, '\uFFFD');
  }
  return printed.length > maxLength ? `${printed.slice(0, maxLength - 1)}…` : printed;
}

/** The same for the pretty-printed `show`. */
export function redactValuePretty(value: Buffer | null): string {
  if (value === null || value.length === 0) return '(empty)';
  try {
    return JSON.stringify(redactJson(JSON.parse(value.toString('utf8'))), null, 2);
  } catch {
    return redactValue(value);
  }
}

/** Header values are ours (reasons, offsets, times) or the producer's: masked the same way. */
export function redactHeader(name: string, value: string): string {
  return SECRET_KEYS.test(name) ? '[redacted]' : redactValue(Buffer.from(value), 500);
}
