/**
 * What a template needs, and the checks that run before any text is built.
 *
 * The unions below mirror `NotificationType` / `RecipientRole` of the contracts (architecture.md §4).
 * They are plain string-literal unions, so values typed by either side are interchangeable, and this
 * lib stays free of runtime dependencies.
 */

export const NOTIFICATION_TYPES = [
  'AUTH_OTP',
  'MEDICATION_REQUEST_CREATED',
  'MEDICATION_REQUEST_REJECTED',
  'SERVICE_REQUEST_CREATED',
  'SERVICE_REQUEST_RECALLED',
  'SERVICE_REQUEST_CANCELLED',
  'CARE_PLAN_CREATED',
  'MEDICAL_CONCLUSION_CREATED',
] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

export const RECIPIENT_ROLES = ['SUBJECT', 'REPRESENTATIVE'] as const;
export type RecipientRole = (typeof RECIPIENT_ROLES)[number];

export interface MessageInput {
  type: NotificationType;
  /** Who reads it: the patient, or a parent / legal representative (THIRD_PERSON). */
  role: RecipientRole;
  /** e-Rx `0000-XXXX-XXXX-XXXX`, referral / care plan / conclusion `XXXX-XXXX-XXXX-XXXX`. */
  number?: string;
  /** Secret (architecture.md §8): only the types that announce a code ever print it. */
  verificationCode?: string;
  /** The patient; required for REPRESENTATIVE, shown as first name + last-name initial only. */
  subject?: { firstName: string; lastName: string };
  /** `YYYY-MM-DD`. */
  validUntil?: string;
}

export type TemplateInputErrorCode =
  | 'UNKNOWN_TYPE'
  | 'UNKNOWN_ROLE'
  | 'MISSING_NUMBER'
  | 'INVALID_NUMBER'
  | 'MISSING_CODE'
  | 'INVALID_CODE'
  | 'MISSING_SUBJECT'
  | 'INVALID_DATE';

/** Input a template cannot render. The message names fields, never their values (no code, no phone). */
export class TemplateInputError extends Error {
  override readonly name = 'TemplateInputError';

  constructor(
    readonly code: TemplateInputErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Which payload fields a type's text is built from. */
export interface FieldNeeds {
  number: boolean;
  code: boolean;
}

/** Validated, normalised values handed to the wording. `code` is empty unless the type announces one. */
export interface TemplateFields {
  number: string;
  code: string;
  /** `DD.MM.YYYY`, the Ukrainian way. */
  validUntil?: string;
  /** Set for REPRESENTATIVE only: «Олена К.». */
  patient?: string;
}

// Identifier formats vary by document (research/domain.md §4); this only keeps out whitespace,
// markup and absurd lengths, the precise per-document format is checked upstream.
const NUMBER_PATTERN = /^[\p{L}\p{N}]+(-[\p{L}\p{N}]+)*$/u;
const NUMBER_MAX_LENGTH = 32;
// eHealth codes are 4 digits; a little slack keeps OTP length a config matter upstream.
const CODE_PATTERN = /^\d{4,8}$/;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
// MPI names are real names; the cap only protects the length budgets from bad data.
const FIRST_NAME_MAX_LENGTH = 30;

export function validateInput(input: MessageInput, needs: FieldNeeds): TemplateFields {
  const typeName = input.type;
  return {
    number: needs.number ? requireNumber(input.number, typeName) : '',
    code: needs.code ? requireCode(input.verificationCode, typeName) : '',
    validUntil: input.validUntil === undefined ? undefined : formatDate(input.validUntil),
    patient: input.role === 'REPRESENTATIVE' ? requirePatient(input.subject, typeName) : undefined,
  };
}

export function assertKnownTypeAndRole(input: MessageInput): void {
  if (!(NOTIFICATION_TYPES as readonly string[]).includes(input.type)) {
    throw new TemplateInputError('UNKNOWN_TYPE', 'Unknown notification type');
  }
  if (!(RECIPIENT_ROLES as readonly string[]).includes(input.role)) {
    throw new TemplateInputError('UNKNOWN_ROLE', `${input.type}: unknown recipient role`);
  }
}

function requireNumber(value: string | undefined, type: string): string {
  const number = value?.trim() ?? '';
  if (number === '') throw new TemplateInputError('MISSING_NUMBER', `${type}: number is required`);
  if (number.length > NUMBER_MAX_LENGTH || !NUMBER_PATTERN.test(number)) {
    throw new TemplateInputError('INVALID_NUMBER', `${type}: number has an unexpected format`);
  }
  return number;
}

function requireCode(value: string | undefined, type: string): string {
  const code = value?.trim() ?? '';
  if (code === '') throw new TemplateInputError('MISSING_CODE', `${type}: verificationCode is required`);
  if (!CODE_PATTERN.test(code)) {
    throw new TemplateInputError('INVALID_CODE', `${type}: verificationCode must be 4 to 8 digits`);
  }
  return code;
}

function requirePatient(subject: MessageInput['subject'], type: string): string {
  const name = subject ? formatPatientShortName(subject) : '';
  if (name === '') {
    throw new TemplateInputError(
      'MISSING_SUBJECT',
      `${type}: subject first name is required for a representative`,
    );
  }
  return name;
}

/**
 * «Олена Ковальчук» → «Олена К.». The surname is never shown whole: the text goes to another person's
 * phone, and the first name plus an initial is enough to tell one's children apart.
 */
export function formatPatientShortName(subject: { firstName: string; lastName: string }): string {
  const firstName = collapseSpaces(subject.firstName ?? '');
  if (firstName === '') return '';
  const shownFirstName = Array.from(firstName).slice(0, FIRST_NAME_MAX_LENGTH).join('');
  const initial = Array.from(collapseSpaces(subject.lastName ?? ''))[0];
  return initial ? `${shownFirstName} ${initial.toLocaleUpperCase('uk')}.` : shownFirstName;
}

function collapseSpaces(value: string): string {
  // Control characters have no place in a name and would break the one-line texts.
  return value.replace(/[\p{Cc}\s]+/gu, ' ').trim();
}

/** `2025-12-31` → `31.12.2025`; rejects impossible dates such as `2025-02-30`. */
export function formatDate(isoDate: string): string {
  const match = DATE_PATTERN.exec(isoDate);
  if (!match || !isRealDate(Number(match[1]), Number(match[2]), Number(match[3]))) {
    throw new TemplateInputError('INVALID_DATE', 'validUntil must be a real YYYY-MM-DD date');
  }
  return `${match[3]}.${match[2]}.${match[1]}`;
}

function isRealDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
