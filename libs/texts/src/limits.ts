/** Channel length limits (research/domain.md §7 Diia, §8.1 Viber), in UTF-16 code units (the strict reading). */
export const TEXT_LIMITS = {
  VIBER: 1000, // longer texts are refused with SRVC_BAD_DATA
  DIIA_TITLE: 60,
  DIIA_SHORT_TEXT: 200,
  DIIA_FULL_TEXT: 2048,
} as const;

const ELLIPSIS = '…';
// Cut at a word boundary only when it costs little; otherwise cut mid-word rather than lose content.
const MAX_WORD_BACKTRACK = 20;

/**
 * Shortens a text to at most `max` UTF-16 code units, ending with "…". Never splits a surrogate pair,
 * prefers a word boundary. Texts are written number-and-code first, so a cut only loses trailing advice.
 */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max < 1) return '';

  let cut = max - ELLIPSIS.length;
  if (isLowSurrogate(text.charCodeAt(cut))) cut -= 1; // the pair straddles the cut: drop it whole
  const lastSpace = Math.max(text.lastIndexOf(' ', cut), text.lastIndexOf('\n', cut));
  if (lastSpace > 0 && cut - lastSpace <= MAX_WORD_BACKTRACK) cut = lastSpace;

  return text.slice(0, cut).trimEnd() + ELLIPSIS;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
