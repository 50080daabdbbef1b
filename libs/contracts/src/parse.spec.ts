import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { NotificationRequested } from './notification-requested';
import { FIELD_PATH_PATTERN, NotificationStatus } from './notification-status';
import { InvalidMessageError, MAX_FAILING_FIELDS, validateMessage } from './parse';
import { PersonSnapshot } from './person-snapshot';

function event(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventId: randomUUID(),
    type: 'MEDICATION_REQUEST_CREATED',
    occurredAt: '2026-01-01T10:00:00Z',
    subjectPersonId: randomUUID(),
    payload: { number: '0000-K8K5-5MTE-352H', verificationCode: '4821' },
    ...overrides,
  };
}

function errorOf(run: () => unknown): InvalidMessageError {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidMessageError) return error;
    throw error;
  }
  throw new Error('expected an InvalidMessageError');
}

describe('validateMessage: failing property paths', () => {
  it('names the leaf paths that failed, never their values', () => {
    const error = errorOf(() =>
      validateMessage(
        NotificationRequested,
        event({
          subjectPersonId: undefined,
          informWith: { authMethodId: 'not-a-uuid' },
          payload: { verificationCode: 'code 12', validFrom: '23.11.2026' },
        }),
      ),
    );
    expect(error.fields).toEqual([
      'subjectPersonId',
      'informWith.authMethodId',
      'payload.verificationCode',
      'payload.validFrom',
    ]);
    expect(JSON.stringify(error.fields)).not.toContain('code 12');
    expect(error.reason).toMatch(/^INVALID_MESSAGE: /);
  });

  it('gives array items their index', () => {
    const error = errorOf(() =>
      validateMessage(PersonSnapshot, {
        id: randomUUID(),
        birthDate: '1985-04-12',
        firstName: 'Олена',
        lastName: 'Коваленко',
        verificationStatus: 'VERIFIED',
        phones: [
          { type: 'MOBILE', number: '+380931234585' },
          { type: 'MOBILE', number: '0931234585' },
        ],
        authenticationMethods: [],
        confidantPersons: [],
        updatedAt: '2026-01-01T10:00:00Z',
      }),
    );
    expect(error.fields).toEqual(['phones.1.number']);
  });

  it('reports a missing nested object by its own path', () => {
    expect(
      errorOf(() => validateMessage(NotificationRequested, event({ payload: undefined }))).fields,
    ).toEqual(['payload']);
  });

  it('has no paths when the value is not an object at all', () => {
    expect(errorOf(() => validateMessage(NotificationRequested, [1, 2])).fields).toEqual([]);
  });

  it('keeps at most MAX_FAILING_FIELDS paths, each one the contract pattern accepts', () => {
    const phones = Array.from({ length: 40 }, () => ({ type: 'MOBILE', number: 'x' }));
    const error = errorOf(() =>
      validateMessage(PersonSnapshot, {
        id: randomUUID(),
        birthDate: '1985-04-12',
        firstName: 'a',
        lastName: 'b',
        verificationStatus: 'VERIFIED',
        phones,
        authenticationMethods: [],
        confidantPersons: [],
        updatedAt: '2026-01-01T10:00:00Z',
      }),
    );
    expect(error.fields.length).toBeLessThanOrEqual(MAX_FAILING_FIELDS);
    for (const path of error.fields) expect(path).toMatch(FIELD_PATH_PATTERN);
  });

  it('lets a REJECTED status carry the paths, and refuses a value-like entry', () => {
    const status = {
      eventId: randomUUID(),
      at: '2026-01-01T10:00:00Z',
      status: 'REJECTED',
      reason: 'INVALID_EVENT',
      fields: ['payload.verificationCode', 'phones.1.number'],
    };
    expect(() => validateMessage(NotificationStatus, status)).not.toThrow();
    expect(
      errorOf(() => validateMessage(NotificationStatus, { ...status, fields: ['+380931234585'] })).fields,
    ).toEqual(['fields']);
  });
});
