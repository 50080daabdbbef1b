import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject, randomBytes } from 'node:crypto';

/**
 * Seals verification codes at rest (Postgres rows, internal topics) with AES-256-GCM. The sealed form is
 * `v1.<iv>.<tag>.<ciphertext>` in base64url, so a key rotation can add `v2` beside it.
 */
export class CodeCipher {
  /** A KeyObject made once: given a Buffer, every cipher would prepare a new key (a profile hot spot). */
  private readonly key: KeyObject;

  constructor(base64Key: string) {
    const bytes = Buffer.from(base64Key, 'base64');
    if (bytes.length !== 32) throw new Error('CODE_ENCRYPTION_KEY must be 32 bytes in base64');
    this.key = createSecretKey(bytes);
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', iv, cipher.getAuthTag(), body]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  }

  open(sealed: string): string {
    const [version, iv, tag, body] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || body === undefined) throw new SealedCodeError();
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      throw new SealedCodeError();
    }
  }
}

export class SealedCodeError extends Error {
  readonly code = 'SEALED_CODE_UNREADABLE';
  constructor() {
    super('sealed code cannot be opened with the configured key');
    this.name = 'SealedCodeError';
  }
}
