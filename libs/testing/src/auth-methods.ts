import { randomUUID } from 'node:crypto';
import type { AuthenticationMethod } from '@app/contracts';

/** When the fixtures' methods were added, unless a caller needs an order between them. */
export const METHODS_SINCE = '2021-03-01T09:00:00.000Z';

export function otpMethod(phone: string, insertedAt = METHODS_SINCE): AuthenticationMethod {
  return {
    id: randomUUID(),
    type: 'OTP',
    phoneNumber: phone,
    isActive: true,
    startedAt: insertedAt,
    insertedAt,
  };
}

export function offlineMethod(insertedAt = METHODS_SINCE): AuthenticationMethod {
  return { id: randomUUID(), type: 'OFFLINE', isActive: true, startedAt: insertedAt, insertedAt };
}

/** The subject's THIRD_PERSON method pointing at a confidant (the `value` is the confidant's person id). */
export function thirdPersonMethod(confidantId: string, insertedAt = METHODS_SINCE): AuthenticationMethod {
  return {
    id: randomUUID(),
    type: 'THIRD_PERSON',
    value: confidantId,
    alias: 'мама',
    isActive: true,
    startedAt: insertedAt,
    insertedAt,
  };
}
