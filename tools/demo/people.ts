import { randomInt, randomUUID } from 'node:crypto';
import type { PersonSnapshot } from '@app/contracts';
import { offlineMethod, otpMethod, thirdPersonMethod } from '@app/testing';

/** Mobile operator codes (Kyivstar, Vodafone, lifecell), so the demo's numbers look like real ones. */
const OPERATOR_CODES = ['050', '063', '066', '067', '068', '073', '093', '095', '097', '099'];

/** A fresh random Ukrainian mobile, so simulator behaviours of earlier runs never apply. */
export function randomPhone(): string {
  return `+38${OPERATOR_CODES[randomInt(OPERATOR_CODES.length)]}${String(randomInt(10_000_000)).padStart(7, '0')}`;
}

export function randomTaxId(): string {
  return String(randomInt(1_000_000_000, 9_999_999_999));
}

/** The snapshot we publish, plus the phone we gave them (kept apart so it is never published twice). */
export interface DemoPerson {
  snapshot: PersonSnapshot;
  phone?: string;
}

interface Name {
  firstName: string;
  secondName: string;
  lastName: string;
}

function person(name: Name, birthDate: string, fields: Partial<PersonSnapshot>): PersonSnapshot {
  return {
    id: randomUUID(),
    birthDate,
    ...name,
    verificationStatus: 'VERIFIED',
    phones: [],
    authenticationMethods: [],
    confidantPersons: [],
    updatedAt: new Date().toISOString(),
    ...fields,
  };
}

/** An adult who signs in with an SMS code; with a tax id unless `taxId: false`. */
export function adult(name: Name, birthDate: string, options: { taxId: boolean }): DemoPerson {
  const phone = randomPhone();
  const taxFields = options.taxId ? { taxId: randomTaxId() } : { noTaxId: true };
  return {
    snapshot: person(name, birthDate, {
      ...taxFields,
      phones: [{ type: 'MOBILE', number: phone }],
      authenticationMethods: [otpMethod(phone)],
    }),
    phone,
  };
}

/**
 * A child under 14 with their own phone and OTP (added first, so it would win if it counted) and a
 * THIRD_PERSON method through the mother, whose relationship is VERIFIED by a birth certificate.
 */
export function childOf(mother: PersonSnapshot, name: Name, birthDate: string): DemoPerson {
  const phone = randomPhone();
  return {
    snapshot: person(name, birthDate, {
      noTaxId: true,
      phones: [{ type: 'MOBILE', number: phone }],
      authenticationMethods: [
        otpMethod(phone, '2023-09-01T08:00:00.000Z'),
        thirdPersonMethod(mother.id, '2023-09-02T08:00:00.000Z'),
      ],
      confidantPersons: [
        {
          personId: mother.id,
          relationType: 'PRIMARY',
          verificationStatus: 'VERIFIED',
          documentsRelationship: [
            { type: 'BIRTH_CERTIFICATE', number: 'І-ТП 482913', issuedAt: '2016-03-29' },
          ],
        },
      ],
    }),
    phone,
  };
}

/** Registered "by documents": no phone, authenticated OFFLINE at the doctor's (slip patients). */
export function offlinePatient(name: Name, birthDate: string): DemoPerson {
  return {
    snapshot: person(name, birthDate, { taxId: randomTaxId(), authenticationMethods: [offlineMethod()] }),
  };
}

/** An unidentified patient (e.g. brought in unconscious): never notified, even with a phone on file. */
export function preperson(): DemoPerson {
  const phone = randomPhone();
  return {
    snapshot: person({ firstName: 'Невідомий', secondName: 'Невідомий', lastName: 'Пацієнт' }, '1970-01-01', {
      verificationStatus: 'NOT_VERIFIED',
      isPreperson: true,
      phones: [{ type: 'MOBILE', number: phone }],
      authenticationMethods: [otpMethod(phone)],
    }),
    phone,
  };
}
