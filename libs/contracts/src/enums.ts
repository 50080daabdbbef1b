export const NotificationType = {
  AUTH_OTP: 'AUTH_OTP',
  MEDICATION_REQUEST_CREATED: 'MEDICATION_REQUEST_CREATED',
  MEDICATION_REQUEST_REJECTED: 'MEDICATION_REQUEST_REJECTED',
  SERVICE_REQUEST_CREATED: 'SERVICE_REQUEST_CREATED',
  SERVICE_REQUEST_RECALLED: 'SERVICE_REQUEST_RECALLED',
  SERVICE_REQUEST_CANCELLED: 'SERVICE_REQUEST_CANCELLED',
  CARE_PLAN_CREATED: 'CARE_PLAN_CREATED',
  MEDICAL_CONCLUSION_CREATED: 'MEDICAL_CONCLUSION_CREATED',
} as const;
export type NotificationType = (typeof NotificationType)[keyof typeof NotificationType];

export const AuthMethodType = {
  OTP: 'OTP',
  OFFLINE: 'OFFLINE',
  THIRD_PERSON: 'THIRD_PERSON',
  NA: 'NA',
} as const;
export type AuthMethodType = (typeof AuthMethodType)[keyof typeof AuthMethodType];

export const Channel = { DIIA: 'DIIA', VIBER: 'VIBER', SMS: 'SMS', SLIP: 'SLIP' } as const;
export type Channel = (typeof Channel)[keyof typeof Channel];

export const NotificationStatusCode = {
  RESOLVED: 'RESOLVED',
  SENT: 'SENT',
  DELIVERED: 'DELIVERED',
  FALLBACK: 'FALLBACK',
  FAILED: 'FAILED',
  EXPIRED: 'EXPIRED',
  SLIP_READY: 'SLIP_READY',
  SLIP_PRINTED: 'SLIP_PRINTED',
  SKIPPED: 'SKIPPED',
  REJECTED: 'REJECTED',
  /**
   * Non-terminal, at most once per event: a positive report arrived after the event had ended FAILED or
   * EXPIRED (no report in time). The terminal status stands; this tells upstream the patient did get it.
   */
  LATE_DELIVERED: 'LATE_DELIVERED',
} as const;
export type NotificationStatusCode = (typeof NotificationStatusCode)[keyof typeof NotificationStatusCode];

/** Exactly one of these is emitted per event id (architecture.md §4). */
export const TERMINAL_STATUSES: ReadonlySet<NotificationStatusCode> = new Set([
  NotificationStatusCode.DELIVERED,
  NotificationStatusCode.SLIP_READY,
  NotificationStatusCode.FAILED,
  NotificationStatusCode.EXPIRED,
  NotificationStatusCode.SKIPPED,
  NotificationStatusCode.REJECTED,
]);

/** Statuses recorded and announced at most once per event (the database holds each to that). */
export const ONCE_PER_EVENT_STATUSES: ReadonlySet<NotificationStatusCode> = new Set([
  ...TERMINAL_STATUSES,
  NotificationStatusCode.LATE_DELIVERED,
]);

export const RecipientRole = { SUBJECT: 'SUBJECT', REPRESENTATIVE: 'REPRESENTATIVE' } as const;
export type RecipientRole = (typeof RecipientRole)[keyof typeof RecipientRole];

export const PHONE_PATTERN = /^\+380\d{9}$/;
export const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
