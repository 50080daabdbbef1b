import type { ReportOutcome } from '../channel-gateway';

/**
 * SMSC.ua HTTP API (https://smsc.ua/api/http/, the Ukrainian instance of the SMSC platform; the English
 * mirror is https://smscentre.com/api/http/). Every call is `GET` or `POST` to `/sys/<method>.php` with the
 * account's `login` and `psw` (or an `apikey`) among the parameters; `fmt=3` asks for JSON answers and
 * `charset=utf-8` for UTF-8 texts. Every answer is HTTP 200, errors included: `{ error, error_code }`.
 * Names here are the provider's; nothing outside this folder and the simulator should see them.
 * See docs/decisions/0004-sms-provider-failover.md for what was modelled and from which pages.
 */

/** `POST /sys/send.php` parameters we use (one recipient per call; the cascade and retries are ours). */
export interface SmscSendParams {
  /** International number; with a leading `+` SMSC does not "auto-correct" it. */
  phones: string;
  mes: string;
  /** Client-assigned message id, 1..2147483647; with the phone it identifies the message in status calls. */
  id: number;
  /** Registered alpha name. */
  sender: string;
  /** Message lifetime `hh:mm` (the operator stops trying after it). */
  valid: string;
}

/** `send.php` success (`fmt=3`): our id echoed and the number of SMS parts. */
export interface SmscSendSuccess {
  id: number;
  cnt: number;
}

/** Any `fmt=3` error answer; for errors 3, 6, 7 and 8 of send.php it also carries the message id. */
export interface SmscErrorAnswer {
  error: string;
  error_code: number;
  id?: number;
}

/** `status.php` answer for one message (`fmt=3`, `all=0`). */
export interface SmscStatusAnswer {
  status: number;
  last_date?: string;
  last_timestamp?: number;
  /** Error code of the message itself (e.g. the operator's reason for status 20), 0 when none. */
  err?: number;
}

export interface SmscBalanceAnswer {
  balance: string;
}

/**
 * Error codes of the API (`error_code`). 1-9 are send.php's; status.php uses 1, 2, 4, 5 (deleting) and 9
 * (more than five status requests for one message within a minute), balance.php 1, 2, 4, 9.
 */
export const SmscError = {
  PARAMETERS: 1,
  INVALID_CREDENTIALS: 2,
  INSUFFICIENT_FUNDS: 3,
  IP_BLOCKED: 4,
  INVALID_DATE: 5,
  MESSAGE_FORBIDDEN: 6,
  INVALID_PHONE: 7,
  CANNOT_DELIVER: 8,
  /** An identical send request within a minute, too many status requests, or too many parallel calls. */
  TOO_FREQUENT: 9,
} as const;

/** Message status codes of status.php and of the status callback. */
export const SmscStatus = {
  NOT_FOUND: -3,
  WAITING: -1,
  TRANSFERRED_TO_OPERATOR: 0,
  DELIVERED: 1,
  READ: 2,
  EXPIRED: 3,
  LINK_CLICKED: 4,
  UNDELIVERABLE: 20,
  INVALID_NUMBER: 22,
  PROHIBITED: 23,
  INSUFFICIENT_FUNDS: 24,
  UNAVAILABLE_NUMBER: 25,
} as const;
export type SmscStatusCode = (typeof SmscStatus)[keyof typeof SmscStatus];

const OUTCOMES = new Map<number, ReportOutcome>([
  [SmscStatus.WAITING, 'PENDING'],
  [SmscStatus.TRANSFERRED_TO_OPERATOR, 'PENDING'],
  [SmscStatus.DELIVERED, 'DELIVERED'],
  // Read and "link clicked" come after delivery.
  [SmscStatus.READ, 'DELIVERED'],
  [SmscStatus.LINK_CLICKED, 'DELIVERED'],
  [SmscStatus.EXPIRED, 'EXPIRED'],
  [SmscStatus.UNDELIVERABLE, 'UNDELIVERED'],
  [SmscStatus.INVALID_NUMBER, 'UNDELIVERED'],
  [SmscStatus.PROHIBITED, 'UNDELIVERED'],
  [SmscStatus.INSUFFICIENT_FUNDS, 'UNDELIVERED'],
  [SmscStatus.UNAVAILABLE_NUMBER, 'UNDELIVERED'],
]);

export function isSmscStatus(value: unknown): value is SmscStatusCode {
  return typeof value === 'number' && (value === SmscStatus.NOT_FOUND || OUTCOMES.has(value));
}

/** Status → our outcome; "not found" and anything unknown are PENDING (the channel timeout decides). */
export function toSmscOutcome(status: unknown): ReportOutcome {
  return (typeof status === 'number' && OUTCOMES.get(status)) || 'PENDING';
}

const ERROR_NAMES = new Map<number, string>(
  Object.entries(SmscError).map(([name, code]) => [code, `SMSC_${name}`]),
);

/** A safe error code for an answer: our name for a known code, `SMSC_ERROR_<n>` otherwise; never its text. */
export function smscErrorName(code: unknown): string {
  if (typeof code === 'number' && Number.isInteger(code))
    return ERROR_NAMES.get(code) ?? `SMSC_ERROR_${Math.abs(code)}`;
  return 'SMSC_UNKNOWN_ERROR';
}

/** The largest message id SMSC takes (a positive 32-bit integer). */
export const SMSC_MAX_ID = 2_147_483_647;
