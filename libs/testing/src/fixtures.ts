import { randomUUID } from 'node:crypto';
import type { NotificationRequested, PersonSnapshot } from '@app/contracts';
import { otpMethod } from './auth-methods';

let phoneCounter = Math.floor(Math.random() * 9_000_000);

/** A unique Ukrainian mobile number per call, so parallel scenarios never share simulator behaviour. */
export function uniquePhone(): string {
  phoneCounter = (phoneCounter + 7919) % 10_000_000;
  return `+38093${String(phoneCounter).padStart(7, '0')}`;
}

export function uniqueTaxId(): string {
  return String(1_000_000_000 + Math.floor(Math.random() * 8_999_999_999));
}

export function adultWithOtp(overrides: Partial<PersonSnapshot> & { phone?: string } = {}): PersonSnapshot {
  const { phone = uniquePhone(), ...rest } = overrides;
  const now = new Date().toISOString();
  return {
    id: randomUUID(),
    birthDate: '1985-04-12',
    firstName: 'Олена',
    lastName: 'Коваленко',
    verificationStatus: 'VERIFIED',
    phones: [{ type: 'MOBILE', number: phone }],
    authenticationMethods: [otpMethod(phone, '2020-01-01T00:00:00Z')],
    confidantPersons: [],
    updatedAt: now,
    ...rest,
  };
}

export function prescriptionEvent(
  subjectPersonId: string,
  overrides: Partial<NotificationRequested> = {},
): NotificationRequested {
  return {
    eventId: randomUUID(),
    type: 'MEDICATION_REQUEST_CREATED',
    occurredAt: new Date().toISOString(),
    subjectPersonId,
    expiresAt: new Date(Date.now() + 10 * 60_000).toISOString(),
    payload: {
      number: '0000-K8K5-5MTE-352H',
      verificationCode: '4821',
      validFrom: '2026-11-23',
      validUntil: '2026-12-23',
    },
    ...overrides,
  };
}
