import { randomUUID } from 'node:crypto';
import { ConfigError, LOCAL_SECRETS } from '@app/platform';
import { loadResolverConfig } from '../resolver.config';
import type { PersonRecord } from '../resolution';
import { decisionSearchKeys, PhoneKeyHasher, SearchKind } from './search-keys';

const hasher = new PhoneKeyHasher('a-test-search-key-of-some-length');

describe('PhoneKeyHasher', () => {
  it('gives every common spelling of one number the same key', () => {
    const keys = [
      '0931234567',
      '+380931234567',
      '+38 (093) 123-45-67',
      '380931234567',
      '+38 093 123 45 67',
    ].map((phone) => hasher.keyOf(phone));
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('keeps different numbers apart', () => {
    expect(hasher.keyOf('0931234567')).not.toBe(hasher.keyOf('0931234568'));
  });

  it('is keyed: another key gives another hash, and the key holds no trace of the phone', () => {
    const other = new PhoneKeyHasher('another-search-key-entirely');
    expect(other.keyOf('0931234567')).not.toBe(hasher.keyOf('0931234567'));
    expect(hasher.keyOf('0931234567')).not.toContain('1234567');
  });

  it('gives no key for text that is not a Ukrainian phone', () => {
    expect(hasher.keyOf('0000-K8K5-5MTE-352H')).toBeUndefined();
    expect(hasher.keyOf('')).toBeUndefined();
  });

  it('refuses a trivially short key', () => {
    expect(() => new PhoneKeyHasher('short')).toThrow(/SUPPORT_SEARCH_KEY/);
  });
});

describe('SUPPORT_SEARCH_KEY at boot', () => {
  const production = {
    NODE_ENV: 'production',
    CODE_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
    SUPPORT_TOKEN: 'a-real-support-token-for-prod',
  };

  it('refuses to start in production with the local default key, or without one', () => {
    for (const key of [LOCAL_SECRETS.SUPPORT_SEARCH_KEY, undefined]) {
      let error: unknown;
      try {
        loadResolverConfig({ ...production, SUPPORT_SEARCH_KEY: key });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toContain('SUPPORT_SEARCH_KEY (required in production)');
      expect((error as Error).message).not.toContain(LOCAL_SECRETS.SUPPORT_SEARCH_KEY);
    }
  });

  it('starts in production with a real key, and locally with the default', () => {
    expect(
      loadResolverConfig({ ...production, SUPPORT_SEARCH_KEY: 'a-real-search-key-0123456789' })
        .SUPPORT_SEARCH_KEY,
    ).toBe('a-real-search-key-0123456789');
    expect(loadResolverConfig({}).SUPPORT_SEARCH_KEY).toBe(LOCAL_SECRETS.SUPPORT_SEARCH_KEY);
  });
});

describe('decisionSearchKeys', () => {
  const person = (id: string, phones: string[]): PersonRecord => ({
    id,
    birthDate: '2018-01-01',
    firstName: 'Тарас',
    lastName: 'Коваленко',
    verificationStatus: 'VERIFIED',
    authenticationMethods: phones.map((phone) => ({
      id: randomUUID(),
      type: 'OTP' as const,
      phoneNumber: phone,
      isActive: true,
      startedAt: '2020-01-01T00:00:00Z',
      insertedAt: '2020-01-01T00:00:00Z',
    })),
    confidantPersons: [],
  });

  it("keys a child's prescription by the mother's phone, the child's own phone and the mother's id", () => {
    const child = person(randomUUID(), ['+380671112233']);
    const motherId = randomUUID();
    const row = { id: randomUUID(), event_id: randomUUID(), request: { subjectPersonId: child.id } };
    const recipient = { personId: motherId, role: 'REPRESENTATIVE' as const, maskedPhone: '+38093*****67' };
    const keys = decisionSearchKeys(
      {
        rows: [row],
        persons: new Map([[child.id, child]]),
        statuses: [{ eventId: row.event_id, at: '', status: 'RESOLVED', recipient }],
        commands: [{ value: { eventId: row.event_id, recipient: { ...recipient, phone: '+380931234567' } } }],
      },
      hasher,
    );
    expect(keys).toEqual(
      expect.arrayContaining([
        { kind: SearchKind.PHONE, key: hasher.keyOf('0931234567'), notificationId: row.id },
        { kind: SearchKind.PHONE, key: hasher.keyOf('0671112233'), notificationId: row.id },
        { kind: SearchKind.PERSON, key: motherId, notificationId: row.id },
      ]),
    );
    expect(keys).toHaveLength(3);
    expect(JSON.stringify(keys)).not.toMatch(/931234567|671112233/);
  });

  it('keys an unresolved adult by their own phone only, and writes nothing for the subject id (the trigger does)', () => {
    const adult = person(randomUUID(), ['+380501234567']);
    const row = { id: randomUUID(), event_id: randomUUID(), request: { subjectPersonId: adult.id } };
    const keys = decisionSearchKeys(
      {
        rows: [row],
        persons: new Map([[adult.id, adult]]),
        statuses: [{ eventId: row.event_id, at: '', status: 'FAILED', reason: 'NO_AUTH_METHOD' }],
        commands: [],
      },
      hasher,
    );
    expect(keys).toEqual([
      { kind: SearchKind.PHONE, key: hasher.keyOf('+380501234567'), notificationId: row.id },
    ]);
  });
});
