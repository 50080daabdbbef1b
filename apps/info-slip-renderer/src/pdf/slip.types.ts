/**
 * What an information slip ("інформаційна довідка") prints: the same data as the e-prescription or
 * e-referral plus the confirmation code, for patients authenticated "by documents" (no phone).
 * See shared/docs/research/domain.md §4–§5. Every detail field is optional: the slip prints what it has.
 */
export type SlipKind = 'MEDICATION_REQUEST' | 'SERVICE_REQUEST';

export interface SlipPerson {
  firstName: string;
  lastName: string;
  /** По батькові (patronymic). */
  secondName?: string;
}

export interface SlipPatient extends SlipPerson {
  /** YYYY-MM-DD. */
  birthDate?: string;
}

export interface PrescriptionDetails {
  medication?: string;
  dosage?: string;
  quantity?: string;
  prescriber?: string;
  facility?: string;
}

export interface ReferralDetails {
  service?: string;
  referringDoctor?: string;
  facility?: string;
}

interface SlipBase {
  /** Prescription `0000-XXXX-XXXX-XXXX` or referral `XXXX-XXXX-XXXX-XXXX`. */
  number: string;
  /** Secret 4-digit redemption code ("код підтвердження"); printed, never logged. */
  verificationCode?: string;
  patient: SlipPatient;
  /** Present when the slip goes to a parent / legal representative: then both people are named. */
  representative?: SlipPerson;
  /** YYYY-MM-DD (or an ISO time, shown as its date in Kyiv). */
  validFrom?: string;
  validUntil?: string;
  /** ISO time. Also fixes the PDF's creation date and file ID, so rendering is deterministic. */
  issuedAt: string;
}

export interface PrescriptionSlipData extends SlipBase {
  kind: 'MEDICATION_REQUEST';
  details: PrescriptionDetails;
}

export interface ReferralSlipData extends SlipBase {
  kind: 'SERVICE_REQUEST';
  details: ReferralDetails;
}

export type SlipData = PrescriptionSlipData | ReferralSlipData;
