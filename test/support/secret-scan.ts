/**
 * Finds verification codes and full phone numbers in text. Codes and phones are matched only where no digit
 * touches them, so a code never "occurs" inside a longer number (a timestamp, an offset, a byte count); a
 * code that leaks into a text, a JSON value or a URL is always bounded by non-digits.
 */
export interface Finding {
  source: string;
  what: string;
  context: string;
}

export interface Secrets {
  /** Verification codes of the run: each must occur nowhere. */
  codes: string[];
  /** Full phones of the run (`+380XXXXXXXXX`): found in any spelling. */
  phones: string[];
  /** Tokens and keys the apps were configured with. */
  tokens: string[];
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Any Ukrainian mobile number written in full (+380XXXXXXXXX or 380XXXXXXXXX). */
const ANY_FULL_PHONE = /(?<!\d)\+?380\d{9}(?!\d)/g;

/** One of our phones in any spelling: +380…, 380…, 0…, with spaces, dashes, dots or brackets between digits. */
function phoneSpellings(phone: string): RegExp {
  const national = phone.replace(/^\+?38/, ''); // 0XXXXXXXXX
  const separated = [...national].map(escape).join('[\\s\\-().]{0,2}');
  return new RegExp(`(?<!\\d)(?:\\+?\\s?3[\\s\\-().]{0,2}8[\\s\\-().]{0,2})?${separated}(?!\\d)`, 'g');
}

export class SecretScanner {
  private readonly patterns: { what: string; pattern: RegExp }[];

  constructor(secrets: Secrets) {
    this.patterns = [
      ...secrets.codes.map((code) => ({
        what: `code ${code}`,
        pattern: new RegExp(`(?<!\\d)${code}(?!\\d)`, 'g'),
      })),
      ...secrets.phones.map((phone) => ({ what: `phone ${phone}`, pattern: phoneSpellings(phone) })),
      { what: 'a full phone', pattern: ANY_FULL_PHONE },
      ...secrets.tokens.map((token) => ({
        what: `secret ${token.slice(0, 4)}…`,
        pattern: new RegExp(escape(token), 'g'),
      })),
    ];
  }

  scan(source: string, text: string): Finding[] {
    const findings: Finding[] = [];
    for (const { what, pattern } of this.patterns) {
      for (const match of text.matchAll(pattern)) {
        const at = match.index ?? 0;
        findings.push({ source, what, context: text.slice(Math.max(0, at - 80), at + match[0].length + 40) });
        if (findings.length > 50) return findings;
      }
    }
    return findings;
  }
}
