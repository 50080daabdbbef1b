import type { ReportOutcome } from '../channel-gateway';

/**
 * The TurboSMS-style wire format (apps/provider-simulator/README.md is the reference). Field names are
 * the provider's (snake_case); nothing outside this folder and the simulator should see them.
 */
export type TurboSmsMessageType = 'viber' | 'sms';

export type TurboSmsMessageStatus =
  'Queued' | 'Accepted' | 'Delivered' | 'Read' | 'Undelivered' | 'Expired' | 'Rejected';

export const TURBOSMS_MESSAGE_STATUSES: readonly TurboSmsMessageStatus[] = [
  'Queued',
  'Accepted',
  'Delivered',
  'Read',
  'Undelivered',
  'Expired',
  'Rejected',
];

/** Statuses the delivery-report webhook carries (only final ones are pushed). */
export type TurboSmsReportStatus = 'Delivered' | 'Undelivered' | 'Expired';

export interface TurboSmsViberPart {
  sender: string;
  text: string;
  ttl?: number;
}

export interface TurboSmsSmsPart {
  sender: string;
  text: string;
}

/** Exactly one of `viber` / `sms`: we run the Viber → SMS cascade ourselves, never the provider's hybrid mode. */
export interface TurboSmsSendRequest {
  recipients: string[];
  viber?: TurboSmsViberPart;
  sms?: TurboSmsSmsPart;
  /** Idempotency key: the same value returns the same message_id and is recorded once. */
  sequence_id?: string;
}

export interface TurboSmsRecipientResult {
  phone: string;
  response_code: number;
  message_id: string | null;
  response_status: string;
}

export interface TurboSmsSendResponse {
  response_code: number;
  response_status: string;
  response_result?: TurboSmsRecipientResult[] | null;
}

export interface TurboSmsStatusRequest {
  messages: string[];
}

export interface TurboSmsStatusEntry {
  message_id: string;
  recipient: string;
  status: TurboSmsMessageStatus;
  type: TurboSmsMessageType;
  sequence_id: string | null;
  /** ISO-8601 times of acceptance and of the last status change. */
  sent?: string;
  updated?: string;
}

export interface TurboSmsStatusResponse {
  response_code: number;
  response_status: string;
  response_result?: TurboSmsStatusEntry[] | null;
}

/** `POST /user/balance.json`: the account balance (used as a health probe: it sends nothing). */
export interface TurboSmsBalanceResponse {
  response_code: number;
  response_status: string;
  response_result?: { balance: number } | null;
}

/** Body of `POST <callbackUrl>` (simulator → sender), signed in the `X-Signature` header. */
export interface TurboSmsWebhookPayload {
  message_id: string;
  sequence_id: string | null;
  status: TurboSmsReportStatus;
  type: TurboSmsMessageType;
  sent_at: string;
  updated_at: string;
}

/** The response codes we use (research/domain.md §8.1, §8.2). Per-recipient rejects reuse Viber's native codes. */
export const TurboSmsCode = {
  OK: 0,
  USER_BLOCKED: 8,
  NOT_VIBER_USER: 9,
  NO_SUITABLE_DEVICE: 10,
  REQUIRED_TOKEN: 103,
  REQUIRED_AUTH: 105,
  INVALID_TOKEN: 301,
  INVALID_PHONE: 305,
  NOT_ALLOWED_NUMBER_STOPLIST: 404,
  FAILED_SMS_SEND: 503,
  FAILED_VIBER_SEND: 504,
  SUCCESS_MESSAGE_ACCEPTED: 800,
  SUCCESS_MESSAGE_SENT: 801,
  SUCCESS_MESSAGE_PARTIAL_ACCEPTED: 802,
  SUCCESS_MESSAGE_PARTIAL_SENT: 803,
  FATAL_ERROR: 999,
} as const;
export type TurboSmsCodeName = keyof typeof TurboSmsCode;

const CODE_NAMES = new Map<number, TurboSmsCodeName>(
  Object.entries(TurboSmsCode).map(([name, code]) => [code, name as TurboSmsCodeName]),
);

/**
 * A safe error code for a provider answer: our own name for known codes, else the provider's status if it
 * looks like a code, else `CODE_<n>`. Never echoes free text from the provider.
 */
export function turboSmsCodeName(code: unknown, status?: unknown): string {
  const known = typeof code === 'number' ? CODE_NAMES.get(code) : undefined;
  if (known) return known;
  if (typeof status === 'string' && /^[A-Z][A-Z0-9_]{0,63}$/.test(status)) return status;
  return typeof code === 'number' && Number.isInteger(code) ? `CODE_${code}` : 'UNKNOWN_CODE';
}

const OUTCOMES: Record<TurboSmsMessageStatus, ReportOutcome> = {
  Queued: 'PENDING',
  Accepted: 'PENDING',
  Delivered: 'DELIVERED',
  // "Read" (Viber "seen") implies delivered; it may never come, users can disable read receipts.
  Read: 'DELIVERED',
  Undelivered: 'UNDELIVERED',
  Rejected: 'UNDELIVERED',
  Expired: 'EXPIRED',
};

export function isTurboSmsMessageStatus(value: unknown): value is TurboSmsMessageStatus {
  return typeof value === 'string' && Object.hasOwn(OUTCOMES, value);
}

/** Provider status → our outcome. An unknown status is PENDING: the channel timeout then decides, not a guess. */
export function toReportOutcome(status: unknown): ReportOutcome {
  return isTurboSmsMessageStatus(status) ? OUTCOMES[status] : 'PENDING';
}
