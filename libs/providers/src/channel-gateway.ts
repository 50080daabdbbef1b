/**
 * One port per external provider (Diia, Viber, SMS). Vendor HTTP calls live only in the adapters; the
 * delivery engine sees these types and the typed errors below, never vendor payloads.
 */
export interface OutgoingMessage {
  /** Our delivery id: the provider's idempotency key (TurboSMS `sequence_id`), so a retried call never sends twice. */
  deliveryId: string;
  /** Full phone for Viber/SMS; the recipient's RNOKPP for Diia. Used only inside the provider call. */
  address: string;
  text: string;
  /** Diia only: push title and short text (full text goes in `text`). */
  title?: string;
  shortText?: string;
  /** Seconds the provider should keep trying (Viber/SMS TTL), bounded by the code's lifetime. */
  ttlSeconds?: number;
}

export type SendResult =
  /** Accepted by the provider; a delivery report (webhook or status poll) will follow. */
  | { kind: 'ACCEPTED'; providerMessageId: string }
  /** Refused synchronously for this recipient on this channel: fall back at once. */
  | { kind: 'REJECTED'; reason: ChannelRejectReason };

export type ChannelRejectReason =
  | 'NOT_VIBER_USER'
  | 'USER_BLOCKED'
  | 'NO_SUITABLE_DEVICE'
  | 'DIIA_NOT_FOUND'
  | 'INVALID_NUMBER'
  | 'STOP_LIST'
  | 'PROVIDER_REJECTED';

/** Normalised delivery report. `DELIVERED` is positive; the rest are negative and trigger a fallback. */
export type ReportOutcome = 'DELIVERED' | 'UNDELIVERED' | 'EXPIRED' | 'PENDING';

export interface DeliveryReport {
  providerMessageId: string;
  outcome: ReportOutcome;
  /**
   * Our delivery id when the provider echoes it (TurboSMS `sequence_id`, the Diia stub). It lets a report
   * that overtakes the commit of our own SENT state wait for that commit instead of matching nothing.
   */
  deliveryId?: string | null;
}

export interface ChannelGateway {
  readonly channel: 'DIIA' | 'VIBER' | 'SMS';
  send(message: OutgoingMessage): Promise<SendResult>;
  /** Status poll for providers (or moments) without a webhook; returns only the ids it knows. */
  fetchReports(providerMessageIds: string[]): Promise<DeliveryReport[]>;
}

export const DIIA_GATEWAY = Symbol('DIIA_GATEWAY');
export const VIBER_GATEWAY = Symbol('VIBER_GATEWAY');
export const SMS_GATEWAY = Symbol('SMS_GATEWAY');

/** What kind of trouble a ProviderUnavailableError is; a failover router takes a provider out on these. */
export type UnavailableKind =
  /** No answer in time: the request may have been processed. */
  | 'TIMEOUT'
  /** An HTTP 5xx answer. */
  | 'HTTP_5XX'
  /** HTTP 429 or the provider's own "too many requests". */
  | 'RATE_LIMITED'
  /** Connection refused, reset, DNS: the provider could not be reached (or the answer was cut off). */
  | 'CONNECTION'
  /** The provider answered, and said it cannot send now (its own failure code, balance, blocked IP). */
  | 'PROVIDER_ERROR'
  /** An answer we cannot read (garbled 200, a result missing for our recipient). */
  | 'INVALID_RESPONSE';

export interface UnavailableDetails {
  kind?: UnavailableKind;
  /**
   * True when the provider may have accepted the message although the call failed (a time-out after the
   * request went out, a connection cut mid-answer, a 500 or 504, an answer we cannot read). Such a message
   * may be resent only to the same provider with the same idempotency key, never to another provider.
   * False when the provider certainly did not take it (connection refused, 503, 429, an explicit failure
   * code in its answer). Unknown defaults to true: in doubt, assume it may have been sent.
   */
  mayHaveSent?: boolean;
}

/** Timeouts, 5xx, 429, connection errors: the same message may succeed later. */
export class ProviderUnavailableError extends Error {
  readonly retriable = true;
  readonly kind: UnavailableKind;
  readonly mayHaveSent: boolean;
  constructor(
    readonly code: string,
    details: UnavailableDetails = {},
  ) {
    super(`provider unavailable: ${code}`);
    this.name = 'ProviderUnavailableError';
    this.kind = details.kind ?? 'PROVIDER_ERROR';
    this.mayHaveSent = details.mayHaveSent ?? true;
  }
}

/** Authentication, malformed request and other 4xx errors that retrying cannot fix. */
export class ProviderPermanentError extends Error {
  readonly retriable = false;
  constructor(readonly code: string) {
    super(`provider refused: ${code}`);
    this.name = 'ProviderPermanentError';
  }
}
