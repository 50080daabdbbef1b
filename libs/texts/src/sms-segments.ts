/**
 * SMS length and segment counting (GSM 03.38), used to keep ESOZ texts to one billed segment.
 *
 * A text that fits the GSM-7 alphabet travels at 7 bits a character: 160 in one SMS, 153 per part of a
 * concatenated SMS (the rest is the UDH header). One character outside it switches the whole text to
 * UCS-2: 70 in one SMS, 67 per part. Ukrainian Cyrillic is never GSM-7, so every Ukrainian text is UCS-2.
 */

export type SmsEncoding = 'GSM7' | 'UCS2';

export interface SmsSegmentInfo {
  encoding: SmsEncoding;
  /** Septets for GSM-7 (extension characters count 2), UTF-16 code units for UCS-2. */
  length: number;
  /** Billed parts; 0 for an empty text. */
  segments: number;
  /** Capacity of one part at this encoding and segment count: 160/153 or 70/67. */
  perSegment: number;
}

export const SMS_LIMITS = {
  GSM7: { single: 160, multipart: 153 },
  UCS2: { single: 70, multipart: 67 },
} as const;

// GSM 03.38 basic character set (the ESC at 0x1B is not a character of its own).
const GSM7_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
    '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);

// Extension table: each is sent as ESC + char, so it costs two septets.
const GSM7_EXTENSION = new Set('\f^{}\\[~]|€');

/** Per-character cost in GSM-7 septets, or null when the character is outside GSM-7. */
function gsm7Cost(char: string): number | null {
  if (GSM7_BASIC.has(char)) return 1;
  if (GSM7_EXTENSION.has(char)) return 2;
  return null;
}

/** Indivisible units and their cost: an escape pair or a surrogate pair must not be split across parts. */
function unitCosts(text: string): { encoding: SmsEncoding; costs: number[] } {
  const chars = Array.from(text); // iterates by code point, so surrogate pairs stay together
  const gsmCosts = chars.map(gsm7Cost);
  if (gsmCosts.every((cost) => cost !== null)) return { encoding: 'GSM7', costs: gsmCosts as number[] };
  return { encoding: 'UCS2', costs: chars.map((char) => char.length) };
}

/** Greedy packing, as real encoders do: a unit that does not fit the current part starts the next one. */
function packIntoParts(costs: number[], perPart: number): number {
  let parts = 1;
  let used = 0;
  for (const cost of costs) {
    if (used + cost > perPart) {
      parts += 1;
      used = 0;
    }
    used += cost;
  }
  return parts;
}

export function countSmsSegments(text: string): SmsSegmentInfo {
  const { encoding, costs } = unitCosts(text);
  const limits = SMS_LIMITS[encoding];
  const length = costs.reduce((sum, cost) => sum + cost, 0);

  if (length === 0) return { encoding, length, segments: 0, perSegment: limits.single };
  if (length <= limits.single) return { encoding, length, segments: 1, perSegment: limits.single };
  return { encoding, length, segments: packIntoParts(costs, limits.multipart), perSegment: limits.multipart };
}

/** True when the text is billed as exactly one SMS. */
export function fitsOneSms(text: string): boolean {
  return countSmsSegments(text).segments <= 1;
}
