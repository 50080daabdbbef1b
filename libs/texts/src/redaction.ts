/**
 * Guards for logs, metrics and error texts (architecture.md §8): the full phone number and the
 * verification code never leave the send call in clear.
 */

const SECRET_MASK = '****';

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Replaces every occurrence of any given secret with `****`, in one pass so that a mask is never
 * itself matched again. Longer secrets win where they overlap, so a secret that contains another
 * is hidden whole. Empty secrets are ignored (they would match everywhere).
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  const patterns = secrets
    .filter((secret) => typeof secret === 'string' && secret.length > 0)
    .sort((a, b) => b.length - a.length)
    .map(escapeRegExp);
  if (patterns.length === 0) return text;
  return text.replace(new RegExp(patterns.join('|'), 'g'), SECRET_MASK);
}
